"""What the venues domain adds to the web application (see ``neutralpoint.web.components``)."""

from neutralpoint.web.components import Component

component = Component(
    name="tenants",
    order=20,
    controllers=(
        "neutralpoint.tenants.controllers",
        "neutralpoint.tenants.host_controllers",
        "neutralpoint.tenants.console_controllers",
        "neutralpoint.tenants.audit_controllers",
        "neutralpoint.tenants.second_factor_controllers",
    ),
    templates=("neutralpoint.tenants",),
    catalogs=("neutralpoint.tenants",),
)
