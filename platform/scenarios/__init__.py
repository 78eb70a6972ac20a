"""Scenarios: the plugin manager, the form and factor-set model, visitors' estimates.

Plugins do not import this package: their one module is ``neutralpoint.plugin_api``,
which re-exports what they need from here.
"""
