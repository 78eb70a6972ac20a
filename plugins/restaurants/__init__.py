"""The restaurants scenario plugin."""
