"""Conformance kit for scenario plugin authors (a pytest plugin)."""
