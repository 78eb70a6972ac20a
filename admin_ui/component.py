"""The admin pages register themselves with the web application (``neutralpoint.components``
entry point), so that the core never names this package."""

from neutralpoint.web.components import Component

component = Component(
    name="admin",
    order=90,
    controllers=(
        "neutralpoint_admin.venue.controllers",
        "neutralpoint_admin.organiser.controllers",
        "neutralpoint_admin.factors.controllers",
        "neutralpoint_admin.platform.controllers",
        "neutralpoint_admin.platform.hosts",
        "neutralpoint_admin.platform.venues",
        "neutralpoint_admin.audit_log",
        "neutralpoint_admin.offers.controllers",
        "neutralpoint_admin.orders.controllers",
    ),
    templates=("neutralpoint_admin",),
    catalogs=(
        "neutralpoint_admin",
        "neutralpoint_admin.factors",
        "neutralpoint_admin.organiser",
        "neutralpoint_admin.orders",
    ),
)
