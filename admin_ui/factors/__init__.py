"""Factor pages: every plugin's factor sets side by side (platform admins) and a venue's own
measured values (factor overrides)."""
