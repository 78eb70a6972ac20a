"""Custom host names: a venue's own address serves its pages; everything else is untouched.

Serving a proven host end to end: tests/tenants/test_host_proof.py."""

from __future__ import annotations

from neutralpoint.tenants.hosts import rewritten_path, served_on_venue_host


def test_rewrite_rules() -> None:
    assert rewritten_path("/", "hall") == "/v/hall/"
    assert rewritten_path("/ABC234", "hall") == "/v/hall/ABC234"
    assert rewritten_path("/ABC234/", "hall") == "/v/hall/ABC234"
    for untouched in ("/static/app.css", "/health", "/api/v1/venues", "/login", "/v/hall/ABC234", "/a/b", "/x.png"):
        assert rewritten_path(untouched, "hall") is None, untouched


def test_a_venue_host_serves_its_own_public_pages_only() -> None:
    for served in (
        "/v/hall",
        "/v/hall/",
        "/v/hall/r/x",
        "/static/app.css",
        "/impact/static/event.js",
        "/health",
        "/api/v1/public/venues/hall",
        "/api/v1/public/venues/hall/entry-points/ABC234/estimates",
        "/api/v1/public/certificates/verify",
    ):
        assert served_on_venue_host(served, "hall"), served
    for moved in (
        "/v/hallway/",
        "/v/other/",
        "/login",
        "/account",
        "/venue/hall",
        "/platform",
        "/api/v1/me",
        "/api/v1/public/venues/other",
        "/api/v1/public/venues/hallway/leaderboard",
        "/api/v1/public/venues/",
    ):
        assert not served_on_venue_host(moved, "hall"), moved
