"""The hotels scenario plugin."""
