"""Storefront scripts: ``/v3/content/scripts`` (scripts.v3.yml), matched by ``name``.

BigCommerce shows an API account only the scripts *it* created (scripts.v3.yml; the
sandbox does the same): StagingPro's token sees exactly the scripts StagingPro created,
and never the ones of other apps or of the control panel. Reading and writing follow
:mod:`reconciler.adapters.account_scoped`:

* read: the script list at 250 a page (``ceil(N/250)`` requests); fields as the API
  returns them, minus the server's (``uuid``, dates, ``api_client_id``); the empty ``src``
  of a ``script_tag`` script, the empty ``html`` of a ``src`` one and an empty
  ``integrity_hashes`` list are left out (the model has "none", not "empty"). Names are
  not unique in the API: when two visible scripts share a name, the first listed is the
  item and the others are left out. ``ids`` = ``{"uuid": script uuid}``.
* write: the API has no batch endpoints, so each script is one request (sent
  concurrently, paced by the client). Creates first list the account's scripts once and
  update a script that already has the name instead of adding a second (a stale plan, or
  a create whose answer was lost: then the list is read again). Updates send the changed
  fields (with ``kind``, ``src`` and ``html`` together when ``kind`` changes, since the
  API clears the other one). Deleting a script already gone counts as deleted.
* secrets: ``src`` and ``html`` may name secrets (``{env: NAME}``), resolved only in the
  request body (:mod:`reconciler.kinds.secret_refs`); the store gives the resolved text
  back, which the planner compares without showing it.
* ownership: ``owned`` is true for every script read, since the API only shows this
  account's own scripts; prune mode ``owned`` may therefore delete any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reconciler.adapters.account_scoped import AccountScopedAdapter
from reconciler.kinds.script import Script, ScriptKind
from reconciler.kinds.secret_refs import resolve

PATH = "/v3/content/scripts"
FIELDS = tuple(Script.model_fields)


def script_data(script: Mapping[str, Any]) -> dict[str, Any]:
    """A script as the API returns it → model-shaped values."""
    data = {name: script[name] for name in FIELDS if name in script}
    if data.get("kind") == "script_tag" and not data.get("src"):
        data.pop("src", None)
    if data.get("kind") == "src" and not data.get("html"):
        data.pop("html", None)
    if not data.get("integrity_hashes"):
        data.pop("integrity_hashes", None)
    return data


def script_payload(
    values: Mapping[str, Any], read: Callable[[str], str], only: set[str] | None = None
) -> dict[str, Any]:
    """Model-shaped values → the API's body (``only``: just these fields), the secrets
    ``src`` and ``html`` name resolved by ``read``."""
    if only is not None and "kind" in only:
        only = only | {"src", "html"}
    return {
        name: resolve(values[name], read) if name in ScriptKind.secret_fields else values[name]
        for name in FIELDS
        if name in values and (only is None or name in only)
    }


class ScriptAdapter(AccountScopedAdapter):
    kind = ScriptKind()
    path = PATH
    id_field = "uuid"

    def key_of(self, item: Mapping[str, Any]) -> str | None:
        name = item.get("name")
        return name if isinstance(name, str) and name else None

    def data_of(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return script_data(item)

    def payload(
        self,
        values: Mapping[str, Any],
        key: str,
        only: set[str] | None = None,
        *,
        read: Callable[[str], str],
    ) -> dict[str, Any]:
        return script_payload(values, read, only)


adapter = ScriptAdapter()
