"""In-process use of the sandbox: an httpx transport that calls the ASGI app directly.

``stagingpro plan`` on a fresh checkout uses this, so the embedded store needs no server
process. Requests go through exactly the same pipeline as over a socket; injected timeouts
and dropped connections surface as the exceptions httpx raises for real ones
(``httpx.ReadTimeout``, ``httpx.RemoteProtocolError``), at once rather than after a wait.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.faults import IN_PROCESS_HEADER, raise_for_fault
from reconciler.sandbox.storage import SandboxDB

SANDBOX_BASE_URL = "http://sandbox.stagingpro.local"


class SandboxTransport(httpx.AsyncBaseTransport):
    """Serves requests from a :class:`SandboxApp` in this process (see the module docstring)."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self._asgi = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers[IN_PROCESS_HEADER] = "1"
        response = await self._asgi.handle_async_request(request)
        await response.aread()
        raise_for_fault(response, request)
        return response

    async def aclose(self) -> None:
        await self._asgi.aclose()


def sandbox_transport(app: SandboxApp) -> httpx.AsyncBaseTransport:
    """An async httpx transport serving requests from ``app`` in this process."""
    return SandboxTransport(app)


def open_sandbox(path: Path | str = ":memory:") -> SandboxApp:
    """The sandbox app over the SQLite file at ``path`` (created when missing)."""
    return SandboxApp(SandboxDB(path))
