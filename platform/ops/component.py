"""What the operations package adds to the web application (see ``neutralpoint.web.components``)."""

from neutralpoint.web.components import Component

component = Component(name="ops", order=10, controllers=("neutralpoint.ops.controllers",))
