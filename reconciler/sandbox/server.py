"""The sandbox as a real HTTP(S) server (``stagingpro sandbox serve``), on uvicorn.

:func:`serve` binds the socket itself so that port 0 works (the OS picks a free port) and
the address is known before the server starts: it is passed to ``ready``, which the CLI
prints and tests read. Injected dropped connections end a response half-way on purpose;
uvicorn's log line about that ("returned without completing response") is filtered out.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from pathlib import Path

import uvicorn

from reconciler.errors import ConfigError
from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.guard import ServeGuard
from reconciler.sandbox.settings import STANDARD_QUOTA
from reconciler.sandbox.storage import SandboxDB

SERVED_THEME_JOB_S = 1.5
"""How long a served theme job reads QUEUED/WORKING (stencil-cli polls once a second)."""


class _DropFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port).

    Connections accepted on it have TCP_NODELAY on. The protocol must be named: asyncio
    turns Nagle's algorithm off only on sockets whose ``proto`` is ``IPPROTO_TCP``, and
    with it on every small answer over a kept-alive connection waits ~40 ms for the
    client's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {error.strerror}",
            hint="pick another --port (0 lets the system choose) or stop what uses it",
        ) from None
    sock.listen(128)
    return sock


def serve(
    db_path: Path | str,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    ready: Callable[[str], None] | None = None,
    log_level: str = "warning",
    guard: ServeGuard | None = None,
    quota: int = STANDARD_QUOTA,
) -> None:
    """Serve every store in ``db_path`` until interrupted; HTTPS when ``certfile`` is given.

    ``ready`` receives the base URL (``https://127.0.0.1:8765``) once the socket listens.
    ``guard`` (default: :meth:`ServeGuard.for_host` with a random admin token) protects
    the admin API; ``quota`` applies to stores whose settings set none.
    """
    if (certfile is None) != (keyfile is None):
        raise ConfigError("give both --certfile and --keyfile for HTTPS, or neither")
    for path in (certfile, keyfile):
        if path is not None and not path.is_file():
            raise ConfigError(f"{path}: no such file", hint="point at a PEM certificate/key")
    db = SandboxDB(db_path)
    app = SandboxApp(db, theme_job_s=SERVED_THEME_JOB_S,
                     guard=guard or ServeGuard.for_host(host), default_quota=quota)
    sock = bind(host, port)
    actual_port = sock.getsockname()[1]
    scheme = "https" if certfile else "http"
    shown_host = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(
        app,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        log_level=log_level,
        lifespan="on",
        access_log=False,
        # Clients that keep idle TLS connections open must not hold up Ctrl-C for long.
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    logging.getLogger("uvicorn.error").addFilter(_DropFilter())
    if ready is not None:
        ready(f"{scheme}://{shown_host}:{actual_port}")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        db.close()
