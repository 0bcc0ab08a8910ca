"""Which secrets a change sends, by variable name: what every plan format shows.

A reviewer must see that a webhook sends ``{env: ERP_HOOK_TOKEN}`` in its
``Authorization`` header before approving it, in the terminal, in the pull-request
comment and in the JSON plan alike; the values never appear (they are not in a plan).
"""

from __future__ import annotations

from reconciler.errors import ConfigError
from reconciler.kinds.base import FieldPath
from reconciler.kinds.registry import kind_named
from reconciler.kinds.secret_refs import item_references
from reconciler.plan.model import Change


def secret_references(change: Change) -> list[tuple[FieldPath, str]]:
    """``(path, variable)`` of every ``{env: NAME}`` in the change's declared values
    (none for a delete, or a kind this version does not know)."""
    try:
        kind = kind_named(change.kind)
    except ConfigError:
        return []
    return item_references(kind, change.desired or {})
