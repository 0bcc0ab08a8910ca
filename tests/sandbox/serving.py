"""Run ``stagingpro sandbox serve`` as a real process for socket-level tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconciler.sandbox.guard import ADMIN_TOKEN_ENV

STAGINGPRO = str(Path(sys.executable).with_name("stagingpro"))
ADMIN_TOKEN = "test-admin-token"
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@contextmanager
def served(
    db: Path,
    *options: str,
    startup_s: float = 30.0,
    admin_token: str | None = ADMIN_TOKEN,
    banner: list[str] | None = None,
) -> Iterator[str]:
    """Start ``stagingpro sandbox serve --port 0 --db DB OPTIONS`` with ``admin_token`` in
    the environment (``None``: none, serve makes one up); yield its base URL. ``banner``
    receives the lines serve printed on start."""
    env = {k: v for k, v in os.environ.items() if k != ADMIN_TOKEN_ENV}
    if admin_token is not None:
        env[ADMIN_TOKEN_ENV] = admin_token
    process = subprocess.Popen(
        [STAGINGPRO, "sandbox", "serve", "--port", "0", "--db", str(db), *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first_line: list[str] = []
    reader = threading.Thread(
        target=lambda: first_line.append(process.stdout.readline() if process.stdout else ""),
        daemon=True,
    )
    reader.start()
    reader.join(startup_s)
    try:
        line = first_line[0] if first_line else ""
        if not line.startswith("sandbox serving "):
            process.kill()
            _, errors = process.communicate(timeout=10)
            raise AssertionError(f"sandbox serve did not start: {line!r} {errors}")
        if banner is not None and process.stdout is not None:
            banner.extend([line, *(process.stdout.readline() for _ in range(3))])
        yield line.split()[2]
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
