"""The scenic scenario plugin."""
