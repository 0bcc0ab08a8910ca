"""Webhooks: ``/v3/hooks`` (webhooks.v3.yml), matched by (scope, destination).

Hooks are scoped to the API account that created them (the spec's "client_id"): the
token sees only StagingPro's own hooks.

**Header values are secrets.** The YAML names an environment variable per header
(``X-Signature: {env: HOOK_SECRET}``); its value is read with
:func:`reconciler.secrets.read_secret` only when a hook is written, goes into the request
body and nowhere else (no ``data``, plan, result or message holds it; ``read_secret``
registers it for redaction). The store gives values back on read, so the adapter never
puts them in ``data``: a header's value is a *managed secret* and is compared by *which
variable* supplies it, never by content. To know that variable on a later run (on any
machine), every hook StagingPro writes with headers carries one more header,
:data:`SECRET_MAP_HEADER`, whose value maps header names to variable *names*
(``x-signature=HOOK_SECRET``) — names only, never a value. On read:

* a header listed there is ``{"env": <that variable>}``, so an unchanged declaration plans
  to no change and a header bound to another variable plans an update;
* a header not listed (set by hand or another tool) is ``{"env": "?"}``: it differs from
  any declaration, so the plan rewrites it with the declared variable's value;
* the map header itself is not reported.

Consequence: rotating a secret (same variable, new value) shows no change in a plan; to
send the new value, bind the header to a new variable name (the plan then updates the
headers) or delete the hook in the store (the next apply creates it again).

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

from collections.abc import Mapping
from typing import Any

from reconciler.adapters.account_scoped import AccountScopedAdapter
from reconciler.kinds.webhook import WebhookKind
from reconciler.secrets import read_secret

PATH = "/v3/hooks"
SECRET_MAP_HEADER = "X-StagingPro-Secret-Env"
"""The header naming, per header, the environment variable its value came from."""
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


def hook_data(hook: Mapping[str, Any]) -> dict[str, Any]:
    """A hook as the API returns it → model-shaped values (header values never kept)."""
    data = {name: hook[name] for name in FIELDS if name in hook}
    headers = hook.get("headers")
    if isinstance(headers, Mapping):
        sources: dict[str, str] = {}
        for name, value in headers.items():
            if name.lower() == SECRET_MAP_HEADER.lower() and isinstance(value, str):
                sources = parse_secret_map(value)
        data["headers"] = {
            name: {"env": sources.get(name.lower(), UNKNOWN_SOURCE)}
            for name in headers
            if name.lower() != SECRET_MAP_HEADER.lower()
        }
    return data


def hook_payload(
    values: Mapping[str, Any], key: str, only: set[str] | None = None
) -> dict[str, Any]:
    """Model-shaped values → the API's body, header values read from the environment.

    Raises :class:`ConfigError` naming a variable that is not set.
    """
    body = {
        name: values[name] for name in FIELDS if name in values and (only is None or name in only)
    }
    headers = values.get("headers")
    if "headers" in values and (only is None or "headers" in only):
        if not headers:
            body["headers"] = {}
        else:
            body["headers"] = {
                name: read_secret(value["env"], purpose=f"header {name} of webhook {key}")
                for name, value in headers.items()
            }
            body["headers"][SECRET_MAP_HEADER] = secret_map(headers)
    return body


class WebhookAdapter(AccountScopedAdapter):
    kind = WebhookKind()
    path = PATH
    id_field = "id"

    def key_of(self, item: Mapping[str, Any]) -> str | None:
        scope, destination = item.get("scope"), item.get("destination")
        if isinstance(scope, str) and isinstance(destination, str):
            return hook_key(scope, destination)
        return None

    def data_of(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return hook_data(item)

    def payload(
        self, values: Mapping[str, Any], key: str, only: set[str] | None = None
    ) -> dict[str, Any]:
        return hook_payload(values, key, only)


adapter = WebhookAdapter()
