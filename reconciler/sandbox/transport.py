"""In-process use of the sandbox: an httpx transport that calls the ASGI app directly.

``stagingpro plan`` on a fresh checkout uses this, so the embedded store needs no server
process. Requests go through exactly the same pipeline as over a socket.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.storage import SandboxDB

SANDBOX_BASE_URL = "http://sandbox.stagingpro.local"


def sandbox_transport(app: SandboxApp) -> httpx.AsyncBaseTransport:
    """An async httpx transport serving requests from ``app`` in this process."""
    return httpx.ASGITransport(app=app)


def open_sandbox(path: Path | str = ":memory:") -> SandboxApp:
    """The sandbox app over the SQLite file at ``path`` (created when missing)."""
    return SandboxApp(SandboxDB(path))
