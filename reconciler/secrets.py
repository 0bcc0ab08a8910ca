"""Secrets come from environment variables only, and never leave in any output.

Every token StagingPro reads goes through :func:`read_secret`, which remembers the value
so that :func:`redact` can mask it wherever it would otherwise be printed: error
messages, logs, plans, PR comments, notifications.
"""

from __future__ import annotations

import os
import threading

from reconciler.errors import ConfigError

_MASK = "***"
_known: set[str] = set()
_lock = threading.Lock()


def read_secret(variable: str, *, purpose: str) -> str:
    """Read a secret from environment variable ``variable``; fail clearly if unset.

    ``purpose`` completes the sentence "… holds <purpose>" in the error message.
    """
    value = os.environ.get(variable, "")
    if not value:
        raise ConfigError(
            f"environment variable {variable} is not set; it holds {purpose}",
            hint=f"export {variable}=... (never write tokens into the repository)",
        )
    remember_secret(value)
    return value


def remember_secret(value: str) -> None:
    """Register a value to be masked by :func:`redact` (short values are ignored)."""
    if len(value) >= 4:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    """Mask every remembered secret in ``text``."""
    with _lock:
        secrets = sorted(_known, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, _MASK)
    return text
