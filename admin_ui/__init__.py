"""Platform-admin and venue-admin pages (server-rendered)."""
