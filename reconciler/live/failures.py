"""Turning a store's error answers into the error tree of :mod:`reconciler.errors`.

BigCommerce answers errors in three shapes (DIGEST §4), all parsed into
:class:`~reconciler.errors.ApiDetail` (``title`` and per-field ``errors``):

* V3: ``{"status", "title", "type", "errors": {field: message}}`` (``errors`` may also
  be a nested object, as in category-tree batches, or a list);
* V2: a JSON array ``[{"status", "message"}, ...]``;
* problem+json (pages): ``{"status", "title", "type", "detail"}``.

Statuses map to: 401 → :class:`AuthError` naming the token's environment variable,
403 → :class:`AuthError` naming the missing OAuth scope, 404 → :class:`NotFoundError`,
anything else → :class:`ApiError`. Every message passes through
:func:`reconciler.secrets.redact`, so a token can never leak through an error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from reconciler import finite_json
from reconciler.errors import ApiDetail, ApiError, AuthError, LiveError, NotFoundError
from reconciler.secrets import redact

_SCOPE_IN_TEXT = re.compile(r"\b(store_[a-z0-9_]+)\b")

# BigCommerce's own 403 body only says "You don't have a required scope to access the
# endpoint"; which scope a path needs is stated per spec file (DIGEST §1).
_SCOPES_BY_PATH: tuple[tuple[str, str], ...] = (
    ("/v3/catalog", "store_v2_products"),
    ("/v3/pricelists", "store_v2_products"),
    ("/v3/themes", "store_themes_manage"),
    ("/v3/customers", "store_v2_customers"),
    ("/v2/customer_groups", "store_v2_customers"),
    ("/v2/customers", "store_v2_customers"),
    ("/v2/orders", "store_v2_orders"),
    ("/v3/orders", "store_v2_orders"),
    ("/v3/content", "store_v2_content"),
    ("/v3/storefront/redirects", "store_v2_content"),
    ("/v2/blog", "store_v2_content"),
    ("/v2/pages", "store_v2_content"),
    ("/v2/redirects", "store_v2_content"),
    ("/v2/store", "store_v2_information"),
    ("/v2/time", "store_v2_information"),
    ("/v3/channels", "store_channel_settings"),
    ("/v3/sites", "store_sites"),
)
_WRITING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class StoreContext:
    """Who we were talking to, for messages: environment name, store hash, token source.

    ``token_env`` is the environment variable the token came from; empty when the
    sandbox's built-in token was used.
    """

    environment: str
    store_hash: str
    token_env: str = ""

    def store(self) -> str:
        """``store abc123 (staging)``."""
        where = f" ({self.environment})" if self.environment else ""
        return f"store {self.store_hash}{where}"

    def token(self) -> str:
        return f"the token in ${self.token_env}" if self.token_env else "the sandbox's token"


def parse_error_body(body: bytes) -> tuple[str, dict[str, str]]:
    """``(title, errors)`` from any of BigCommerce's error bodies (see module docstring)."""
    try:
        parsed: Any = finite_json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        text = body.decode("utf-8", errors="replace").strip()
        return " ".join(text.split())[:300], {}
    if isinstance(parsed, list):
        messages = [_v2_message(item) for item in parsed]
        return "; ".join(m for m in messages if m), {}
    if not isinstance(parsed, dict):
        return "", {}
    title = _text(parsed.get("title") or parsed.get("message") or "")
    errors: dict[str, str] = {}
    if parsed.get("detail"):
        errors["detail"] = _text(parsed["detail"])
    raw_errors = parsed.get("errors")
    if isinstance(raw_errors, dict):
        if "title" in raw_errors and not title:
            title = _text(raw_errors["title"])
        for key, value in raw_errors.items():
            if key in ("status", "type") or (key == "title" and title == _text(value)):
                continue
            errors[str(key)] = _text(value)
    elif isinstance(raw_errors, list):
        for index, value in enumerate(raw_errors):
            errors[str(index)] = _v2_message(value) if isinstance(value, dict) else _text(value)
    return title, errors


def _v2_message(item: Any) -> str:
    if isinstance(item, dict):
        return _text(item.get("message") or item.get("title") or item)
    return _text(item)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(
        value, separators=(",", ":"), ensure_ascii=False, sort_keys=True, allow_nan=False
    )


def describe(detail: ApiDetail) -> str:
    """``422 JSON data is missing or invalid: name: name is required``."""
    parts = [f"{detail.status} {detail.title}".strip()]
    if detail.errors:
        parts.append("; ".join(f"{field}: {message}" for field, message in detail.errors.items()))
    return ": ".join(parts)


def missing_scope(detail: ApiDetail, path: str) -> str:
    """The OAuth scope a 403 says is missing, else the one the path's API needs, else ``""``."""
    said = " ".join([detail.title, *detail.errors.values()])
    match = _SCOPE_IN_TEXT.search(said)
    if match:
        return match.group(1)
    for prefix, scope in _SCOPES_BY_PATH:
        if path == prefix or path.startswith((prefix + "/", prefix + "?")):
            return scope
    return ""


def error_for_status(
    context: StoreContext, method: str, url: str, path: str, status: int, body: bytes
) -> LiveError:
    """The error to raise for an unexpected answer ``status`` to ``method path``."""
    title, errors = parse_error_body(body)
    detail = ApiDetail(method=method, url=redact(url), status=status, title=redact(title))
    detail.errors = {redact(k): redact(v) for k, v in errors.items()}
    request = f"{method} {path}"
    env = context.environment
    if status == 401:
        return AuthError(
            redact(f"{context.token()} was refused by {context.store()}"),
            hint=(
                f"check that ${context.token_env} holds a current access token of an API "
                f"account of store {context.store_hash}"
                if context.token_env
                else "the sandbox store's token list was changed; recreate the store"
            ),
            environment=env,
            detail=detail,
        )
    if status == 403:
        scope = missing_scope(detail, path)
        access = " with modify access" if method in _WRITING else ""
        who = f"the token for {env}" if env else f"the token for store {context.store_hash}"
        message = (
            f"{who} lacks the {scope} scope{access}; add it to the API account"
            if scope
            else f"{who} lacks a scope needed for {request}; add it to the API account"
        )
        return AuthError(
            redact(message),
            hint=redact(f"{request} was refused: {describe(detail)}"),
            environment=env,
            detail=detail,
        )
    if status == 404:
        return NotFoundError(
            redact(f"{request} found nothing on {context.store()}: {describe(detail)}"),
            hint="check the store hash in stagingpro.yaml and that the item still exists",
            environment=env,
            detail=detail,
        )
    return ApiError(
        redact(f"{request} on {context.store()} failed: {describe(detail)}"),
        environment=env,
        detail=detail,
    )
