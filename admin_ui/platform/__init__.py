"""Platform-admin pages: credit supply, retirements, reports and the audit."""
