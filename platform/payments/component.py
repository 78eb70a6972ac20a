"""What the payments domain adds to the web application (see ``neutralpoint.web.components``)."""

from neutralpoint.web.components import Component

component = Component(
    name="payments",
    order=50,
    controllers=(
        "neutralpoint.payments.controllers",
        "neutralpoint.payments.management",
        "neutralpoint.payments.activity",
    ),
    templates=("neutralpoint.payments",),
    catalogs=("neutralpoint.payments",),
)
