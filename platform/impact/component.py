"""What the impact domain adds to the web application (see ``neutralpoint.web.components``)."""

from neutralpoint.web.components import Component

component = Component(
    name="impact",
    order=70,
    controllers=(
        "neutralpoint.impact.controllers",
        "neutralpoint.impact.event_controllers",
        "neutralpoint.impact.report_controllers",
        "neutralpoint.impact.certificate_controllers",
        "neutralpoint.impact.badge_controllers",
        "neutralpoint.impact.footprint_controllers",
    ),
    templates=("neutralpoint.impact",),
    catalogs=("neutralpoint.impact",),
)
