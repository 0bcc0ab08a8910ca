"""Making a :class:`~reconciler.live.client.LiveClient` for a configured environment.

* A real store (``backend: {store_hash, token_env, read_token_env?, api_url?}``): the
  base URL is ``{api_url or https://api.bigcommerce.com}/stores/{store_hash}`` and the
  token is read from the environment variable ``token_env`` — or, for a client that only
  reads (``access="read"``: plans, drift checks), ``read_token_env`` when the backend
  names one — through :func:`reconciler.secrets.read_secret` (so it is redacted from
  every output). ``stagingpro.yaml`` is repository content, which a pull request can
  change: an ``api_url`` on any host but BigCommerce's is refused *before any token is
  read* unless the host is listed in ``$STAGINGPRO_ALLOWED_API_HOSTS`` (comma-separated),
  which only the machine running StagingPro can set. Otherwise a pull request could send
  the production token to a host of its choosing.
* The embedded sandbox (``backend: {sandbox: STORE_HASH, token_env?}``): served in this
  process through the sandbox's httpx transport, from the SQLite file
  ``.stagingpro/sandbox.db`` under the current directory (or ``$STAGINGPRO_SANDBOX_DB``,
  or the ``sandbox_db`` argument). The store is created through the sandbox's admin API
  when missing, so a fresh checkout needs no account. It accepts the sandbox's built-in
  token; with ``token_env`` the token from that variable is used instead, and is
  registered when the store is created (later, a different token is refused, which is
  how authentication is rehearsed).

All clients of one store made by :func:`connect` in one event loop share one
:class:`~reconciler.live.ratelimit.RateLimiter`: the store's quota is one budget, however
many clients (plan reads, apply writes) spend it.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from collections.abc import Hashable
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import urlsplit

import httpx

from reconciler.config import SandboxBackend, StoreBackend
from reconciler.errors import ConfigError
from reconciler.live.client import ClientOptions, LiveClient
from reconciler.live.clock import Clock, SystemClock
from reconciler.live.failures import StoreContext
from reconciler.live.ratelimit import RateLimiter
from reconciler.live.stats import ProgressCallback
from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.stores import DEFAULT_TOKEN
from reconciler.sandbox.transport import SANDBOX_BASE_URL, open_sandbox, sandbox_transport
from reconciler.secrets import read_secret

BIGCOMMERCE_API_URL = "https://api.bigcommerce.com"
ALLOWED_API_HOSTS_ENV = "STAGINGPRO_ALLOWED_API_HOSTS"
Access = Literal["read", "write"]
SANDBOX_DB_ENV = "STAGINGPRO_SANDBOX_DB"
DEFAULT_SANDBOX_DB = Path(".stagingpro") / "sandbox.db"

Backend = StoreBackend | SandboxBackend


class HasBackend(Protocol):
    """An environment as the config gives it (``Environment`` or ``EffectiveEnvironment``)."""

    @property
    def backend(self) -> Backend: ...


def connect(
    environment_name: str,
    environment_config: HasBackend | Backend,
    *,
    options: ClientOptions | None = None,
    sandbox_db: Path | str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
    progress: ProgressCallback | None = None,
    access: Access = "write",
) -> LiveClient:
    """A client for environment ``environment_name``; use it as ``async with``.

    ``transport`` replaces the network (or, for a sandbox backend, the in-process
    sandbox app: tests pass their own so they can read its admin API). ``access="read"``
    takes the backend's ``read_token_env`` when it has one.
    Raises :class:`~reconciler.errors.ConfigError` when the token variable is unset or
    ``api_url`` names a host that is not allowed.
    """
    options = options or ClientOptions()
    clock = clock or _SYSTEM_CLOCK
    backend = (
        environment_config
        if isinstance(environment_config, StoreBackend | SandboxBackend)
        else environment_config.backend
    )
    read_token_env = backend.read_token_env if access == "read" else None
    if isinstance(backend, StoreBackend):
        api_url = allowed_api_url(environment_name, backend.api_url)
        token_env = read_token_env or backend.token_env
        token = read_secret(
            token_env,
            purpose=f"the access token of store {backend.store_hash} ({environment_name})",
        )
        base_url = f"{api_url}/stores/{backend.store_hash}"
        return LiveClient(
            base_url,
            token,
            context=StoreContext(environment_name, backend.store_hash, token_env),
            options=options,
            transport=transport,
            clock=clock,
            limiter=store_limiter((base_url, transport), clock, options),
            progress=progress,
        )
    store_hash = backend.sandbox
    sandbox_token_env = read_token_env or backend.token_env
    if sandbox_token_env:
        token = read_secret(
            sandbox_token_env,
            purpose=f"the token of sandbox store {store_hash} ({environment_name})",
        )
    else:
        token = DEFAULT_TOKEN
    if transport is None:
        transport = sandbox_transport(shared_sandbox(sandbox_db_path(sandbox_db)))

    async def create_store(http: httpx.AsyncClient) -> None:
        # Only the write token is registered with a store made here: a read-only token
        # must be known to the store with read-only scopes already.
        registered = token if backend.token_env and not read_token_env else ""
        await _ensure_sandbox_store(http, store_hash, registered)

    base_url = f"{SANDBOX_BASE_URL}/stores/{store_hash}"
    return LiveClient(
        base_url,
        token,
        context=StoreContext(environment_name, store_hash, sandbox_token_env or ""),
        options=options,
        transport=transport,
        clock=clock,
        limiter=store_limiter((base_url, transport), clock, options),
        progress=progress,
        on_open=create_store,
    )


def allowed_api_url(environment_name: str, api_url: str | None) -> str:
    """The API base URL of a real store: BigCommerce's, or ``api_url`` when its host is
    BigCommerce's or listed in ``$STAGINGPRO_ALLOWED_API_HOSTS``; else a
    :class:`~reconciler.errors.ConfigError` (module docstring: why)."""
    if api_url is None:
        return BIGCOMMERCE_API_URL
    host = (urlsplit(api_url).hostname or "").lower()
    allowed = {urlsplit(BIGCOMMERCE_API_URL).hostname}
    allowed.update(
        name.strip().lower()
        for name in os.environ.get(ALLOWED_API_HOSTS_ENV, "").split(",")
        if name.strip()
    )
    if host not in allowed:
        raise ConfigError(
            f"environment {environment_name}: api_url {api_url} is not BigCommerce's API "
            "host; refusing to send the store's token there",
            hint=f"a proxy must also be allowed outside the repository: "
            f"export {ALLOWED_API_HOSTS_ENV}={host}",
        )
    return api_url.rstrip("/")


_SYSTEM_CLOCK = SystemClock()
_limiters: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[Hashable, ...], RateLimiter]
] = weakref.WeakKeyDictionary()


def store_limiter(
    store: tuple[Hashable, ...], clock: Clock, options: ClientOptions
) -> RateLimiter | None:
    """The limiter shared by the clients of ``store`` (base URL and transport) in the
    running event loop; ``None`` outside one (the client then makes its own). Limiters
    wait on asyncio primitives, which belong to one loop, hence one set per loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    per_loop = _limiters.setdefault(loop, {})
    key = (*store, clock, options.reserve_fraction)
    limiter = per_loop.get(key)
    if limiter is None:
        limiter = per_loop[key] = RateLimiter(clock, reserve_fraction=options.reserve_fraction)
    return limiter


def sandbox_db_path(explicit: Path | str | None = None) -> Path:
    """The sandbox's SQLite file: the argument, else ``$STAGINGPRO_SANDBOX_DB``, else
    ``.stagingpro/sandbox.db`` under the current directory."""
    if explicit is not None:
        return Path(explicit)
    from_env = os.environ.get(SANDBOX_DB_ENV, "")
    return Path(from_env) if from_env else Path.cwd() / DEFAULT_SANDBOX_DB


_apps: dict[Path, SandboxApp] = {}
_apps_lock = threading.Lock()


def shared_sandbox(path: Path) -> SandboxApp:
    """One sandbox app per database file in this process (loading a file costs time,
    and the app's request log and rate-limit state are per app)."""
    key = path.resolve()
    with _apps_lock:
        app = _apps.get(key)
        if app is None:
            try:
                key.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ConfigError(
                    f"cannot create the sandbox directory {key.parent}: {error.strerror}",
                    hint=f"set {SANDBOX_DB_ENV} to a writable path",
                ) from None
            app = _apps[key] = open_sandbox(key)
        return app


async def _ensure_sandbox_store(http: httpx.AsyncClient, store_hash: str, token: str) -> None:
    """Create sandbox store ``store_hash`` through the admin API unless it exists."""
    admin = f"{SANDBOX_BASE_URL}/_sandbox/stores"
    listing = await http.get(admin)
    listing.raise_for_status()
    if store_hash in listing.json().get("data", []):
        return
    (await http.post(admin, json={"store_hash": store_hash})).raise_for_status()
    if token:
        response = await http.post(
            f"{admin}/{store_hash}/tokens", json={"token": token, "scopes": "*"}
        )
        response.raise_for_status()
