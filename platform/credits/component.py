"""What the credits domain adds to the web application (see ``neutralpoint.web.components``)."""

from neutralpoint.web.components import Component

component = Component(
    name="credits",
    order=40,
    controllers=("neutralpoint.credits.controllers", "neutralpoint.credits.offer_controllers"),
    templates=("neutralpoint.credits",),
    catalogs=("neutralpoint.credits",),
)
