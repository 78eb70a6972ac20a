"""Shared web pieces: the Jinja2 environment, languages, layout templates, static files."""
