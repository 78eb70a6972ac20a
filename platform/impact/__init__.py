"""Impact: what neutralizing adds up to, in public.

Leaderboards per entry point (an event), per venue and for the whole platform, by grams in
a period; the visitor's choice of whether and under which name to appear; and an event's
public neutrality page. The leaderboards read a projection of the certificates
(``standings``) kept in step in the transaction that issues or voids a certificate, so a
rank lookup and a top-100 page stay fast at a million certificates (``docs/impact.md``).
"""
