"""Webhooks: ``/v3/hooks`` (webhooks.v3.yml), matched by (scope, destination).

Hooks are scoped to the API account that created them (the spec's "client_id"): the
token sees only StagingPro's own hooks.

**Header values are secrets.** The YAML names an environment variable per header
(``X-Signature: {env: HOOK_SECRET}``, a variable in the ``secrets`` allow-list); its
value is read with :func:`reconciler.secrets.read_secret` only when a hook is written,
goes into the request body and nowhere else (no ``data``, plan, result or message holds
it; ``read_secret`` registers it for redaction). The store gives values back on read,
so the adapter never puts them in ``data``: a header's value is a *managed secret* and is
compared by *which variable* supplies it, never by content. To know that variable on a
later run (on any machine), every hook StagingPro writes with headers carries one more header,
:data:`SECRET_MAP_HEADER`, whose value maps header names to variable *names*
(``x-signature=HOOK_SECRET``) — names only, never a value. On read:

* a header listed there is ``{"env": <that variable>}``, so an unchanged declaration plans
  to no change and a header bound to another variable plans an update;
* a header not listed (set by hand or another tool) is ``{"env": "?"}``: it differs from
  any declaration, so the plan rewrites it with the declared variable's value;
* the map header itself is not reported.

Consequence: rotating a header secret (same variable, new value) shows no change in a
plan; to send the new value, bind the header to a new variable name (the plan then
updates the headers) or delete the hook in the store (the next apply creates it again).

**The destination may carry secrets** (``https://h.example/orders?token={env: T}``,
:mod:`reconciler.kinds.secret_refs`). The store keys hooks by the resolved URL, so a hook
written from such a declaration carries :data:`DESTINATION_HEADER`, the declared URL with
its references (names only). On read, a hook whose destination has that declaration's
shape is keyed by the declaration (so the key never holds the value); ``data`` keeps the
resolved URL, which the planner compares exactly where the variable is set (a rotated
token is then an update) without showing it.

* read: the hook list at 250 a page (``ceil(N/250)`` requests). Server fields
  (``id``, ``client_id``, ``store_hash``, timestamps) are dropped. ``ids`` = ``{"id": hook id}``.
* write (:mod:`reconciler.adapters.account_scoped`): one request per hook (no batch
  endpoints), concurrently. Creates list the hooks once first and update a hook with the
  same (scope, destination) instead of adding a second (a stale plan, or a lost answer:
  then the list is read again). A missing environment variable fails that hook, naming
  the variable. Deleting a hook already gone counts as deleted.
* ownership: ``owned`` is true for every hook read (only this account's hooks are visible).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reconciler.adapters.account_scoped import AccountScopedAdapter
from reconciler.kinds.secret_refs import matches, references, resolve
from reconciler.kinds.webhook import WebhookKind

PATH = "/v3/hooks"
SECRET_MAP_HEADER = "X-StagingPro-Secret-Env"
"""The header naming, per header, the environment variable its value came from."""
DESTINATION_HEADER = "X-StagingPro-Destination"
"""The header holding the declared destination, references unresolved."""
OWN_HEADERS = frozenset({SECRET_MAP_HEADER.lower(), DESTINATION_HEADER.lower()})
UNKNOWN_SOURCE = "?"
"""The ``env`` reported for a header value StagingPro did not write."""
FIELDS = ("scope", "destination", "is_active")


def hook_key(scope: str, destination: str) -> str:
    """The natural key, as :meth:`WebhookKind.key` writes it."""
    return f"{scope} {destination}"


def parse_secret_map(text: str) -> dict[str, str]:
    """``"x-a=A_ENV,x-b=B_ENV"`` → ``{"x-a": "A_ENV", "x-b": "B_ENV"}`` (names lower-cased)."""
    pairs = (part.partition("=") for part in text.split(",") if "=" in part)
    return {name.strip().lower(): env.strip() for name, _, env in pairs if name.strip()}


def secret_map(headers: Mapping[str, Any]) -> str:
    """The :data:`SECRET_MAP_HEADER` value for declared ``headers`` (``{name: {env}}``)."""
    return ",".join(f"{name.lower()}={value['env']}" for name, value in sorted(headers.items()))


def _own_header(hook: Mapping[str, Any], name: str) -> str | None:
    headers = hook.get("headers")
    if isinstance(headers, Mapping):
        for header, value in headers.items():
            if header.lower() == name.lower() and isinstance(value, str):
                return value
    return None


def declared_destination(hook: Mapping[str, Any]) -> str | None:
    """The declared destination (with its references) of a hook StagingPro wrote from a
    declaration with secrets in its URL, when the live URL still has its shape."""
    template, live = _own_header(hook, DESTINATION_HEADER), hook.get("destination")
    if template and isinstance(live, str) and matches(template, live, None):
        return template
    return None


def hook_data(hook: Mapping[str, Any]) -> dict[str, Any]:
    """A hook as the API returns it → model-shaped values (header values never kept)."""
    data = {name: hook[name] for name in FIELDS if name in hook}
    headers = hook.get("headers")
    if isinstance(headers, Mapping):
        sources = parse_secret_map(_own_header(hook, SECRET_MAP_HEADER) or "")
        data["headers"] = {
            name: {"env": sources.get(name.lower(), UNKNOWN_SOURCE)}
            for name in headers
            if name.lower() not in OWN_HEADERS
        }
    return data


def hook_payload(
    values: Mapping[str, Any],
    read: Callable[[str], str],
    only: set[str] | None = None,
) -> dict[str, Any]:
    """Model-shaped values → the API's body, secrets resolved by ``read`` (module
    docstring). Raises :class:`ConfigError` naming a variable that is not set or allowed.
    """
    body = {
        name: values[name] for name in FIELDS if name in values and (only is None or name in only)
    }
    destination = values.get("destination")
    secret_url = isinstance(destination, str) and any(True for _ in references(destination))
    if "destination" in body:
        body["destination"] = resolve(destination, read)
    # The headers carry which declaration the URL came from: rewrite them with it.
    if ("headers" in values and (only is None or "headers" in only)) or (
        secret_url and "destination" in body
    ):
        headers = values.get("headers") or {}
        body["headers"] = {name: resolve(value, read) for name, value in headers.items()}
        if headers:
            body["headers"][SECRET_MAP_HEADER] = secret_map(headers)
        if secret_url:
            body["headers"][DESTINATION_HEADER] = destination
    return body


class WebhookAdapter(AccountScopedAdapter):
    kind = WebhookKind()
    path = PATH
    id_field = "id"

    def key_of(self, item: Mapping[str, Any]) -> str | None:
        scope = item.get("scope")
        destination = declared_destination(item) or item.get("destination")
        if isinstance(scope, str) and isinstance(destination, str):
            return hook_key(scope, destination)
        return None

    def data_of(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return hook_data(item)

    def payload(
        self,
        values: Mapping[str, Any],
        key: str,
        only: set[str] | None = None,
        *,
        read: Callable[[str], str],
    ) -> dict[str, Any]:
        return hook_payload(values, read, only)


adapter = WebhookAdapter()
