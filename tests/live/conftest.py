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
from reconciler.sandbox.transport import SANDBOX_BASE_URL, open_sandbox, sandbox_transport


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class VirtualClock:
    """A clock whose ``sleep`` returns at once and moves time forward (tests never wait)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(seconds)
            self.now += seconds
        await asyncio.sleep(0)


class Sandbox:
    """One sandbox app and helpers around its admin API."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
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
            clock=clock,
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


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    app = open_sandbox(tmp_path / "sandbox.db")
    yield Sandbox(app)
    app.db.close()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[LiveClient]:
    async with sandbox.client() as live:
        yield live
