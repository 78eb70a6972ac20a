"""The meetings scenario plugin."""
