"""The plan as JSON text: :func:`reconciler.plan.serialize.plan_to_json`, indented, the
shape of ``schemas/plan.schema.json``; signed when ``$STAGINGPRO_PLAN_KEY`` is set
(:func:`reconciler.plan.saved.signed_json`)."""

from __future__ import annotations

import json

from reconciler.plan.model import Plan
from reconciler.plan.saved import signed_json
from reconciler.secrets import redact


def render_json(plan: Plan) -> str:
    """The plan's JSON document (two-space indent, trailing newline)."""
    text = json.dumps(signed_json(plan), indent=2, ensure_ascii=False, allow_nan=False)
    return redact(text) + "\n"
