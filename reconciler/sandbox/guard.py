"""Who may talk to a served sandbox: the ``Host`` check and the admin API's token.

A sandbox served on loopback is still reachable from every web page the user opens: a
cross-origin ``text/plain`` POST needs no preflight, and DNS rebinding lets a page read
answers under its own host name. So a served sandbox (see :func:`ServeGuard.for_host`)

* answers only requests whose ``Host`` names the bound address or a loopback name
  (``421``), unless it listens on every interface, where any name may be right;
* answers its admin API (``/_sandbox/``, except the image CDN) only with
  ``Authorization: Bearer <admin token>`` (``401``): a header no page can send
  cross-origin without a preflight, which the sandbox never grants;
* refuses admin bodies over :data:`MAX_ADMIN_BODY` bytes (``413``).

The in-process app (:func:`~reconciler.sandbox.transport.open_sandbox`) has no guard: its
only caller is the process that made it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from starlette.types import Scope

ADMIN_TOKEN_ENV = "STAGINGPRO_SANDBOX_ADMIN_TOKEN"
"""Environment variable naming the admin token of ``sandbox serve`` (else one is made up)."""
MAX_ADMIN_BODY = 1 << 20
"""Largest admin request body accepted (1 MiB); settings and failures are small."""
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
_CDN_PATH = re.compile(r"^/_sandbox/stores/[^/]+/cdn/")


@dataclass(frozen=True)
class ServeGuard:
    """The admin token, and the host names accepted (``None``: any)."""

    admin_token: str
    allowed_hosts: frozenset[str] | None

    @classmethod
    def for_host(cls, bind_host: str, admin_token: str | None = None) -> ServeGuard:
        """The guard of a server bound to ``bind_host``; a random token when none is given."""
        token = admin_token or secrets.token_urlsafe(24)
        if bind_host in WILDCARD_HOSTS:
            return cls(token, None)
        return cls(token, LOOPBACK_NAMES | {bind_host.strip("[]").lower()})

    def host_allowed(self, scope: Scope) -> bool:
        if self.allowed_hosts is None:
            return True
        return _host_name(_header(scope, b"host")) in self.allowed_hosts

    def admin_allowed(self, scope: Scope) -> bool:
        """True when the request may use the admin API (the image CDN needs no token)."""
        if _CDN_PATH.match(scope["path"]) and scope["method"] in ("GET", "HEAD"):
            return True
        given = _header(scope, b"authorization")
        expected = f"Bearer {self.admin_token}"
        return secrets.compare_digest(given.encode(), expected.encode())


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _host_name(host: str) -> str:
    """``Host`` without its port: ``[::1]:8765`` -> ``::1``, ``Localhost:80`` -> ``localhost``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
