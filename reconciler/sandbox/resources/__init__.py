"""The BigCommerce resources the sandbox serves, one module per resource family.

Each module defines ``api = Api(scope=...)`` and registers its handlers on it (see
:mod:`reconciler.sandbox.api`). Every module in this package is discovered and served;
adding a resource family is adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil

from reconciler.sandbox.api import Api, Endpoint


def _discover() -> tuple[Endpoint, ...]:
    endpoints: list[Endpoint] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        api = getattr(module, "api", None)
        if isinstance(api, Api):
            endpoints.extend(api.endpoints)
    return tuple(endpoints)


ENDPOINTS: tuple[Endpoint, ...] = _discover()
