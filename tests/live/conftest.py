"""Fixtures for live-client tests: a real sandbox app on a temporary SQLite file.

Clients reach it through the sandbox's in-process transport, exactly as ``connect``
does for a sandbox environment; :class:`Sandbox` reads its request log and changes its
stores through the sandbox's admin API.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.config import SandboxBackend
from reconciler.live import ClientOptions, LiveClient, connect
from reconciler.live.stats import ProgressCallback
from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.transport import SANDBOX_BASE_URL, open_sandbox, sandbox_transport
from tests.loopback import serve_asgi


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class VirtualClock:
    """A clock whose ``sleep`` returns at once and moves time forward (tests never wait).

    It serves both sides: the client (``monotonic``) and the sandbox's rate-limit windows
    and injected latency (``now``), so quotas can be tested without waiting for them.
    """

    def __init__(self) -> None:
        self.time = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.time

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(seconds)
            self.time += seconds
        await asyncio.sleep(0)


class Sandbox:
    """One sandbox app and helpers around its admin API."""

    def __init__(self, app: SandboxApp, clock: VirtualClock | None = None) -> None:
        self.app = app
        self.clock = clock
        self.transport = sandbox_transport(app)

    def client(
        self,
        store_hash: str = "teststore",
        *,
        environment: str = "staging",
        token_env: str | None = None,
        options: ClientOptions | None = None,
        clock: Any = None,
        progress: ProgressCallback | None = None,
    ) -> LiveClient:
        return connect(
            environment,
            SandboxBackend(sandbox=store_hash, token_env=token_env),
            options=options or ClientOptions(seed=7),
            transport=self.transport,
            clock=clock or self.clock,
            progress=progress,
        )

    async def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with httpx.AsyncClient(transport=self.transport, base_url=SANDBOX_BASE_URL) as http:
            return await http.request(method, f"/_sandbox{path}", **kwargs)

    async def requests(self, store_hash: str = "teststore") -> list[dict[str, Any]]:
        """The store's request log: ``[{method, path, status}]`` in order."""
        response = await self.admin("GET", f"/stores/{store_hash}/requests")
        response.raise_for_status()
        data: list[dict[str, Any]] = response.json()["data"]
        return data

    async def clear_requests(self, store_hash: str = "teststore") -> None:
        (await self.admin("DELETE", f"/stores/{store_hash}/requests")).raise_for_status()

    async def statuses(self, store_hash: str = "teststore") -> list[int]:
        return [entry["status"] for entry in await self.requests(store_hash)]

    async def create_store(self, store_hash: str = "teststore") -> None:
        (await self.admin("POST", "/stores", json={"store_hash": store_hash})).raise_for_status()

    async def configure(self, settings: dict[str, Any], store_hash: str = "teststore") -> None:
        """Merge ``settings`` (rate_limit, faults, seed) into the store's sandbox settings."""
        await self.create_store(store_hash)
        response = await self.admin("PUT", f"/stores/{store_hash}/settings", json=settings)
        response.raise_for_status()

    async def script_failure(self, spec: dict[str, Any], store_hash: str = "teststore") -> None:
        """Answer matching requests with a status (see the admin API's ``failures``)."""
        await self.create_store(store_hash)
        response = await self.admin("POST", f"/stores/{store_hash}/failures", json=spec)
        response.raise_for_status()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox on virtual time, shared with its clients: waits cost nothing."""
    clock = VirtualClock()
    app = SandboxApp(SandboxDB(tmp_path / "sandbox.db"), clock=clock)
    yield Sandbox(app, clock)
    app.db.close()


@pytest.fixture
def served_sandbox(tmp_path: Path) -> Iterator[tuple[Sandbox, str]]:
    """A real-time sandbox served by uvicorn on a loopback port: ``(sandbox, base_url)``.

    The :class:`Sandbox` helpers reach its admin API in process; clients use the socket.
    """
    app = open_sandbox(tmp_path / "sandbox-http.db")
    try:
        with serve_asgi(app) as base_url:
            yield Sandbox(app), base_url
    finally:
        app.db.close()


@pytest.fixture
def real_time_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox on the real clock, for the few tests that must see real concurrency."""
    app = open_sandbox(tmp_path / "sandbox-rt.db")
    yield Sandbox(app)
    app.db.close()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[LiveClient]:
    async with sandbox.client() as live:
        yield live
