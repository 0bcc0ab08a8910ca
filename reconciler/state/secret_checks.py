"""Every ``{env: NAME}`` a declared item names must be in the ``secrets`` allow-list.

Checked per environment (after overlays), against that environment's allow-list: the
top-level ``secrets`` of ``stagingpro.yaml`` plus the environment's own. A store token or
notification credential is refused by name, even when listed (a webhook header naming
the production token would send it to any destination on every event).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.config import ProjectConfig, credential_variables, effective_environment
from reconciler.errors import Problem
from reconciler.kinds.secret_refs import item_references
from reconciler.state.items import DeclaredItem
from reconciler.state.references import problem_at


def check(
    items: Mapping[str, Mapping[str, DeclaredItem]], config: ProjectConfig, environment: str
) -> Iterable[Problem]:
    """A problem for every reference ``environment``'s items may not make."""
    allowed = effective_environment(config, environment).secrets
    credentials = credential_variables(config)
    for by_key in items.values():
        for item in by_key.values():
            if not item.kind.secret_fields:
                continue
            values = item.model.model_dump(mode="json", exclude_none=True)
            for path, variable in item_references(item.kind, values):
                if variable in credentials:
                    yield problem_at(
                        item, path,
                        f"{{env: {variable}}}: {variable} holds {credentials[variable]};"
                        " a declared item may never send it anywhere: use a variable of"
                        " its own for this value",
                    )
                elif variable not in allowed:
                    yield problem_at(
                        item, path,
                        f"{{env: {variable}}}: {variable} is not in the secrets allow-list"
                        " of stagingpro.yaml; if this item may send it, add it under"
                        " 'secrets:' (every environment) or under the environment's own"
                        " 'secrets:'",
                    )
