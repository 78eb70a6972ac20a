"""The venue dashboard and the account pages (sign-up, sign-in, invitations)."""
