"""The BigCommerce resources the sandbox serves, one module per resource family.

Each module defines ``api = Api(scope=...)`` and registers its handlers on it (see
:mod:`reconciler.sandbox.api`). Add a module here to serve it.
"""

from __future__ import annotations

from reconciler.sandbox.api import Endpoint
from reconciler.sandbox.resources import store_information

_MODULES = (store_information,)

ENDPOINTS: tuple[Endpoint, ...] = tuple(ep for module in _MODULES for ep in module.api.endpoints)
