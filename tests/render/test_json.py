"""The JSON renderer writes the versioned plan document."""

from __future__ import annotations

import json

import jsonschema

from reconciler.plan.schema import plan_schema
from reconciler.plan.serialize import plan_from_json
from reconciler.render import render_json
from reconciler.secrets import remember_secret
from tests.render.helpers import sample_plan


def test_json_is_the_plan_document() -> None:
    plan = sample_plan()
    data = json.loads(render_json(plan))
    jsonschema.validate(data, plan_schema())
    assert plan_from_json(data) == plan


def test_secrets_never_reach_the_output() -> None:
    secret = "hook-secret-5e1f0c7a"
    remember_secret(secret)
    plan = sample_plan(store=secret)
    assert secret not in render_json(plan)
