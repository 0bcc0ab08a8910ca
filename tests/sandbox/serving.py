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
def served(db: Path, *options: str, startup_s: float = 30.0) -> Iterator[str]:
    """Start ``stagingpro sandbox serve --port 0 --db DB OPTIONS`` with the admin token
    :data:`ADMIN_TOKEN`; yield its base URL."""
    process = subprocess.Popen(
        [STAGINGPRO, "sandbox", "serve", "--port", "0", "--db", str(db), *options],
        env={**os.environ, ADMIN_TOKEN_ENV: ADMIN_TOKEN},
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
        yield line.split()[2]
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
