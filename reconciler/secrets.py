"""Secrets come from environment variables only, and never leave in any output.

Every token and secret StagingPro reads goes through :func:`read_secret`, which remembers
the value so that :func:`redact` can mask it wherever it would otherwise be printed or
stored: error messages, logs, plans, PR comments, notifications, deployment records.

A secret is masked in every form it may take in text: as it is, JSON-escaped (with and
without ``\\uXXXX`` escapes) and URL-escaped (percent-encoded, and with ``+`` for spaces,
as in a query string). Values shorter than :data:`MIN_SECRET_LENGTH` are refused when
read: masking every ``abc`` in a record would destroy it, and not masking it would leak
the secret, so such a value is an error that names the variable.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Collection, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from reconciler.errors import ConfigError

MASK = "***"
MIN_SECRET_LENGTH = 8
"""The shortest secret accepted (see the module docstring)."""
_known: set[str] = set()
_forms: list[str] = []
"""Every text form of every known secret, longest first (what :func:`redact` replaces)."""
_lock = threading.Lock()


def read_secret(variable: str, *, purpose: str) -> str:
    """Read a secret from environment variable ``variable``; fail clearly if unset or
    shorter than :data:`MIN_SECRET_LENGTH`.

    ``purpose`` completes the sentence "… holds <purpose>" in the error message.
    """
    value = os.environ.get(variable, "")
    if not value:
        raise ConfigError(
            f"environment variable {variable} is not set; it holds {purpose}",
            hint=f"export {variable}=... (never write tokens into the repository)",
        )
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"environment variable {variable} holds only {len(value)} characters; it holds"
            f" {purpose}, and a secret needs at least {MIN_SECRET_LENGTH} (shorter values"
            " cannot be masked in outputs without masking ordinary text)",
            hint=f"set {variable} to a longer, random value",
        )
    remember_secret(value)
    return value


def allowed_reader(allowed: Collection[str], *, purpose: str) -> Callable[[str], str]:
    """A reader for references (``{env: NAME}``) of declared items: :func:`read_secret`
    for a variable in the ``allowed`` list (the environment's ``secrets``), and
    :class:`ConfigError` for any other — the last guard, should a plan file name one."""

    def read(variable: str) -> str:
        if variable not in allowed:
            raise ConfigError(
                f"{variable} is not in this environment's secrets allow-list; {purpose}"
                " may not send it",
                hint="list it under secrets: in stagingpro.yaml; never a store token",
            )
        return read_secret(variable, purpose=purpose)

    return read


def allowed_lookup(allowed: Collection[str]) -> Callable[[str], str | None]:
    """Like :func:`allowed_reader`, for comparing: ``None`` for a variable that is not
    allowed or not set where the plan runs (values are registered for redaction)."""

    def lookup(variable: str) -> str | None:
        if variable not in allowed or not os.environ.get(variable):
            return None
        return read_secret(variable, purpose="a secret named in the declared state")

    return lookup


def text_forms(secret: str) -> set[str]:
    """The forms ``secret`` takes in text: raw, JSON-escaped, URL-escaped."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
    }
    forms |= {form.lower() for form in forms if "%" in form}  # %2f as well as %2F
    return {form for form in forms if form}


def remember_secret(value: str) -> None:
    """Register a value to be masked by :func:`redact` (values shorter than
    :data:`MIN_SECRET_LENGTH` are refused by :func:`read_secret` before they get here,
    and ignored if they do)."""
    if len(value) < MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _known:
            return
        _known.add(value)
        forms = set(_forms) | text_forms(value)
        _forms[:] = sorted(forms, key=len, reverse=True)


def redact(text: str) -> str:
    """Mask every form of every remembered secret in ``text``."""
    with _lock:
        forms = list(_forms)
    for form in forms:
        if form in text:
            text = text.replace(form, MASK)
    return text


def redact_json(value: Any) -> Any:
    """A JSON-ready value with :func:`redact` applied to every string in it, keys too.

    Records are redacted this way, with every secret known at the moment they are
    serialised, before the JSON text (and its escapes) exists.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact(str(key)): redact_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_json(item) for item in value]
    return value
