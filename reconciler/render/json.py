"""The plan as JSON text: :func:`reconciler.plan.serialize.plan_to_json`, indented, the
shape of ``schemas/plan.schema.json``."""

from __future__ import annotations

import json

from reconciler.plan.model import Plan
from reconciler.plan.serialize import plan_to_json
from reconciler.secrets import redact


def render_json(plan: Plan) -> str:
    """The plan's JSON document (two-space indent, trailing newline)."""
    return redact(json.dumps(plan_to_json(plan), indent=2, ensure_ascii=False)) + "\n"
