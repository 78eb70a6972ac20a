"""The organiser's whole-event pages: an entry point's event footprint."""
