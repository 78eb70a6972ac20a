"""Venues (tenants): sign-up, members and roles, branding, custom host names, entry points,
QR codes and posters, and the mail outbox that tells people about them."""
