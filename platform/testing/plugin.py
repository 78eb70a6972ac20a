"""pytest plugin entry point for the conformance kit."""
