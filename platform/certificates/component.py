"""What the certificates domain adds to the web application (see ``neutralpoint.web.components``)."""

from neutralpoint.web.components import Component

component = Component(
    name="certificates",
    order=60,
    controllers=("neutralpoint.certificates.controllers",),
    templates=("neutralpoint.certificates",),
    catalogs=("neutralpoint.certificates",),
)
