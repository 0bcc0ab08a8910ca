"""Saved plans and numbers from outside: forged plan files, non-finite numbers.

A plan file is data anyone with write access to it can edit, and its checksum is a plain
sha256 anyone can recompute (:func:`reseal`). Every forgery here must end in a clear
message, exit 1 and no write request to the store.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reconciler.errors import ApiError, ConfigError
from reconciler.live import LiveClient
from reconciler.live.failures import StoreContext
from reconciler.plan.saved import PLAN_KEY_ENV
from reconciler.plan.serialize import plan_from_json
from tests.apply.conftest import Project, example_project

BRANDS = "catalog/brands/brands.yaml"


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Project:
    """The example project, with no signing key unless a test sets one."""
    monkeypatch.delenv(PLAN_KEY_ENV, raising=False)
    return example_project(tmp_path, monkeypatch, capsys)


def reseal(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its checksum recomputed, as anyone editing a plan file can (the
    checksum function is public); unchanged where the edit no longer reads as a plan."""
    try:
        plan = plan_from_json({**data, "checksum": None})
    except ConfigError:
        return data
    return {**data, "checksum": plan.checksum}


def load(project: Project, name: str = "plan.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project.root / name).read_text(encoding="utf-8"))
    return data


def save(project: Project, data: dict[str, Any], name: str = "forged.json") -> str:
    (project.root / name).write_text(json.dumps(data), encoding="utf-8")
    return name


def writes_since(project: Project, cursor: int, env: str = "staging") -> list[str]:
    return [
        f"{r['method']} {r['path']}" for r in project.requests_since(cursor, env)
        if r["method"] != "GET"
    ]


def brand_update_plan(project: Project, *, decoy_in_uat: bool = True) -> dict[str, Any]:
    """Brands applied to staging and uat (in uat after a decoy brand, so the same brand
    has another id there); then a reviewed plan for staging updating Summit Gear."""
    project.ensure_store("uat")
    if decoy_in_uat:
        project.api("POST", "/v3/catalog/brands", "uat", json={"name": "Decoy"})
    for env in ("staging", "uat"):
        code, _, err = project.apply(env, "--only", "brand")
        assert code == 0, err
    project.edit(BRANDS, "page_title: Summit Gear |", "page_title: Summit |")
    project.commit("a reviewed change")
    code, _, err = project.cli("plan", "staging", "--only", "brand", "--out", "plan.json")
    assert code == 0, err
    return load(project)


def brand_ids(project: Project, env: str) -> dict[str, int]:
    return {b["name"]: b["id"] for b in project.all_pages("/v3/catalog/brands", env)}


def refused(
    project: Project, env: str, plan_file: str, *expected: str, store: str | None = None
) -> str:
    """Apply ``plan_file`` to ``env``: exit 1 with ``expected`` in the message, no traceback
    and no write request to the store (``store``: whose store ``env`` uses now)."""
    cursor = project.cursor(store or env)
    code, _, err = project.cli("apply", env, "--plan", plan_file)
    assert code == 1, err
    assert "Traceback" not in err
    for text in expected:
        assert text in err
    assert writes_since(project, cursor, store or env) == []
    return err


# --- forged plans -----------------------------------------------------------------------


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_a_plan_relabelled_for_another_environment_is_refused(
    project: Project, monkeypatch: pytest.MonkeyPatch, signed: bool
) -> None:
    if signed:
        monkeypatch.setenv(PLAN_KEY_ENV, "the-key")
    data = brand_update_plan(project)
    data.update(environment="uat", store="sandbox:ridgeline-uat")
    expected = "signature does not verify" if signed else "store ids"
    refused(project, "uat", save(project, reseal(data)), expected)


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_a_plan_whose_store_was_swapped_is_refused(
    project: Project, monkeypatch: pytest.MonkeyPatch, signed: bool
) -> None:
    if signed:
        monkeypatch.setenv(PLAN_KEY_ENV, "the-key")
    data = brand_update_plan(project)
    # staging now points at the uat store, and the plan is relabelled to match.
    project.edit("stagingpro.yaml", "{sandbox: ridgeline-staging}", "{sandbox: ridgeline-uat}")
    data["store"] = "sandbox:ridgeline-uat"
    expected = "signature does not verify" if signed else "store ids"
    refused(project, "staging", save(project, reseal(data)), expected, store="uat")


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_a_plan_with_swapped_ids_changes_no_other_item(
    project: Project, monkeypatch: pytest.MonkeyPatch, signed: bool
) -> None:
    if signed:
        monkeypatch.setenv(PLAN_KEY_ENV, "the-key")
    data = brand_update_plan(project, decoy_in_uat=False)
    ids = brand_ids(project, "staging")
    (change,) = data["changes"]
    change["live_ids"]["id"] = ids["Northfall"]
    before = project.all_pages("/v3/catalog/brands")
    expected = "signature does not verify" if signed else "brand Summit Gear: the plan names"
    refused(project, "staging", save(project, reseal(data)), expected)
    assert project.all_pages("/v3/catalog/brands") == before


def test_swapped_ids_are_refused_even_in_a_validly_signed_plan(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whoever holds the key can sign anything; the ids are still checked against the store.
    monkeypatch.setenv(PLAN_KEY_ENV, "the-key")
    data = brand_update_plan(project, decoy_in_uat=False)
    data["changes"][0]["live_ids"]["id"] = brand_ids(project, "staging")["Northfall"]
    data = reseal(data)
    from reconciler.plan.saved import signature
    from reconciler.plan.serialize import plan_from_json

    data["signature"] = signature(plan_from_json(data), b"the-key")
    refused(project, "staging", save(project, data), "brand Summit Gear: the plan names")


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_a_plan_with_edited_values_is_refused(
    project: Project, monkeypatch: pytest.MonkeyPatch, signed: bool
) -> None:
    if signed:
        monkeypatch.setenv(PLAN_KEY_ENV, "the-key")
    data = brand_update_plan(project)
    (change,) = data["changes"]
    change["desired"]["page_title"] = "Forged"
    change["fields"][0]["after"] = "Forged"
    expected = "signature does not verify" if signed else "not what planning staging gives now"
    refused(project, "staging", save(project, reseal(data)), expected)


def test_desired_values_of_another_item_are_refused(project: Project) -> None:
    data = brand_update_plan(project)
    data["changes"][0]["desired"]["name"] = "Northfall"
    refused(project, "staging", save(project, reseal(data)),
            "not a valid plan: plan.changes[0].desired", "not of 'Summit Gear'")


def test_a_signed_plan_is_applied_as_reviewed(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PLAN_KEY_ENV, "the-key")
    data = brand_update_plan(project)
    assert "signature" in data
    # The declared state moves on after the review; the signed plan still applies as is.
    project.edit(BRANDS, "page_title: Northfall |", "page_title: North |")
    project.commit("after the review")
    code, out, err = project.cli("apply", "staging", "--plan", "plan.json")
    assert code == 0, err
    assert "1 applied, 0 failed" in out
    titles = {b["name"]: b["page_title"] for b in project.all_pages("/v3/catalog/brands")}
    assert titles["Summit Gear"].startswith("Summit |")
    assert titles["Northfall"].startswith("Northfall |")


def test_an_unsigned_plan_is_refused_while_a_key_is_set(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    brand_update_plan(project)
    monkeypatch.setenv(PLAN_KEY_ENV, "the-key")
    refused(project, "staging", "plan.json", "is not signed", PLAN_KEY_ENV)


def test_an_unsigned_plan_is_refused_once_the_declared_state_moved_on(project: Project) -> None:
    brand_update_plan(project)
    project.edit(BRANDS, "page_title: Northfall |", "page_title: North |")
    project.commit("after the review")
    refused(project, "staging", "plan.json", "not what planning staging gives now")


# --- malformed plans and non-finite numbers ---------------------------------------------


_CREATE_PLAN: dict[str, Any] = {}


@pytest.fixture
def create_plan(project: Project) -> dict[str, Any]:
    """The plan creating the whole example store in an empty staging store (computed once:
    it is the same for every fresh project but for its commit)."""
    if not _CREATE_PLAN:
        code, _, err = project.cli("plan", "staging", "--out", "plan.json")
        assert code == 0, err
        _CREATE_PLAN.update(load(project))
    project.ensure_store()
    return copy.deepcopy(_CREATE_PLAN)


def _product(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["changes"] if c["kind"] == "product")
    return found


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("NaN", "NaN is not a number JSON allows"),
        ("Infinity", "Infinity is not a number JSON allows"),
        ("-Infinity", "-Infinity is not a number JSON allows"),
        ("1e400", "1e400 is too large to be a number"),
        (str(10**30), "desired.price"),
        ('"NaN"', "desired.price"),
        ("-1", "desired.price"),
    ],
)
def test_prices_that_are_not_prices_are_refused(
    project: Project, create_plan: dict[str, Any], price: str, expected: str
) -> None:
    _product(create_plan)["desired"]["price"] = "@PRICE@"
    text = json.dumps(create_plan).replace('"@PRICE@"', price)
    if price not in ("NaN", "Infinity", "-Infinity", "1e400"):
        text = json.dumps(reseal(json.loads(text)))  # a valid checksum, as anyone can
    (project.root / "forged.json").write_text(text, encoding="utf-8")
    err = refused(project, "staging", "forged.json", "not a valid plan", expected)
    assert "hint:" in err


def _set(path: str, value: Any) -> Any:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for step in parents:
            target = target[int(step)] if isinstance(target, list) else target[step]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (_set("unchanged.brand", 1.5), "plan.unchanged.brand: expected an integer"),
        (_set("unchanged.brand", "3"), "plan.unchanged.brand: expected an integer"),
        (_set("unchanged.gadget", 0), "plan.unchanged.gadget: unknown kind 'gadget'"),
        (_set("kinds", ["brand", "gadget"]), "plan.kinds[1]: unknown kind 'gadget'"),
        (_set("kinds", "brand"), "plan.kinds: expected a list"),
        (_set("changes.0.kind", "gadget"), "plan.changes[0].kind: unknown kind"),
        (_set("changes.0.desired", [1]), "plan.changes[0].desired: expected an object or null"),
        (_set("changes.0.fields", {}), "plan.changes[0].fields: expected a list"),
        (_set("changes", None), "plan.changes: expected a list"),
        (_set("safety.kinds.0.max_delete_share", 2),
         "plan.safety.kinds[0].max_delete_share: expected a number from 0 to 1"),
        (_set("safety.kinds.0.updates", -1), "plan.safety.kinds[0].updates: expected a count"),
        (_set("selection", ["--only"]), "plan.selection[0]"),
        (_set("selection", ["--only gadget"]), "plan.selection: unknown kind"),
        (_set("commit", "HEAD~3"), "plan.commit: expected a git commit id"),
        (_set("format_version", "1"), "plan.format_version: expected an integer"),
    ],
)
def test_malformed_plans_are_refused_naming_the_place(
    project: Project, create_plan: dict[str, Any], mutate: Any, where: str
) -> None:
    data = copy.deepcopy(create_plan)
    mutate(data)
    refused(project, "staging", save(project, reseal(data)), f"not a valid plan: {where}")


@pytest.mark.parametrize("text", ["", "{", "[1, 2]", '"plan"', "\xff"])
def test_files_that_are_not_plans_are_refused(project: Project, text: str) -> None:
    (project.root / "forged.json").write_text(text, encoding="utf-8", errors="surrogateescape")
    project.ensure_store()
    cursor = project.cursor()
    code, _, err = project.cli("apply", "staging", "--plan", "forged.json")
    assert code == 1, err
    assert "Traceback" not in err and "error:" in err
    assert writes_since(project, cursor) == []


def test_image_paths_in_a_plan_stay_inside_the_state_directory(
    project: Project, create_plan: dict[str, Any]
) -> None:
    product = next(
        c for c in create_plan["changes"]
        if c["kind"] == "product" and any("image" in v for v in c["desired"].get("variants", []))
    )
    variant = next(v for v in product["desired"]["variants"] if "image" in v)
    variant["image"] = "../../../../etc/passwd"
    refused(project, "staging", save(project, reseal(create_plan)),
            "is outside the state directory")


# --- a store answering with non-finite numbers ------------------------------------------


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_store_answer_with_a_non_finite_number_is_refused(number: str) -> None:
    body = '{"data": [{"id": 1, "name": "Summit", "price": NUMBER}], "meta": {}}'.replace(
        "NUMBER", number
    )

    def store(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body.encode(),
                              headers={"Content-Type": "application/json"})

    async def read() -> Any:
        client = LiveClient(
            "https://store.invalid/stores/abc123", "token",
            context=StoreContext("staging", "abc123", "BC_TOKEN"),
            transport=httpx.MockTransport(store),
        )
        async with client:
            return await client.get("/v3/catalog/brands")

    with pytest.raises(ApiError, match="a number JSON does not allow"):
        asyncio.run(read())


# --- random edits of a plan file ----------------------------------------------------------

FUZZ_EXAMPLES = int(os.environ.get("STAGINGPRO_PLAN_FUZZ_EXAMPLES", "25"))
"""Examples per run: a fixed sample in the suite; scripts/fuzz_plan_files.sh runs many more,
drawn at random."""

_JSON_LEAVES = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([float("nan"), float("inf"), 10**30, "NaN", "", "../x.png"])
)
JSON_VALUES = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=5,
)


def json_paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every place in a JSON value, the value itself first."""
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found.extend(json_paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.extend(json_paths(inner, (*prefix, index)))
    return found


def mutated(data: Any, path: tuple[str | int, ...], operation: str, value: Any) -> Any:
    """``data`` with the value at ``path`` replaced, removed, or given a new sibling key."""
    result = copy.deepcopy(data)
    *parents, last = path
    target = result
    for step in parents:
        target = target[step]
    if operation == "replace":
        target[last] = value
    elif operation == "remove":
        del target[last]
    elif isinstance(target[last], dict):
        target[last]["x-extra"] = value
    else:
        target[last] = [target[last], value]
    return result


def brands_without_ids(project: Project) -> list[dict[str, Any]]:
    brands = project.all_pages("/v3/catalog/brands")
    return sorted(({k: v for k, v in b.items() if k != "id"} for b in brands),
                  key=lambda b: str(b["name"]))


@settings(
    max_examples=FUZZ_EXAMPLES, deadline=None,
    derandomize="STAGINGPRO_PLAN_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_randomly_edited_plan_is_refused_cleanly_or_applied_exactly(
    fuzzed: tuple[Project, dict[str, Any], list[dict[str, Any]]], data: st.DataObject
) -> None:
    project, original, expected = fuzzed
    path = data.draw(st.sampled_from(json_paths(original)[1:]), label="path")
    operation = data.draw(st.sampled_from(["replace", "remove", "add"]), label="operation")
    value = data.draw(JSON_VALUES, label="value")
    forged = mutated(original, path, operation, value)
    if data.draw(st.booleans(), label="checksum recomputed"):
        forged = reseal(forged) if isinstance(forged, dict) else forged
    (project.root / "forged.json").write_text(json.dumps(forged), encoding="utf-8")
    cursor = project.cursor()
    # An unexpected exception escapes main() and fails the test: that is the traceback.
    code, _, err = project.cli("apply", "staging", "--plan", "forged.json")
    event(f"exit {code}: {err.split(':')[1][:45] if code else 'applied'}")
    if code == 1:
        assert "error:" in err
        assert writes_since(project, cursor) == []
        return
    assert code == 0, err
    assert brands_without_ids(project) == expected  # exactly what the original plan does
    _undo_the_plan(project)


@pytest.fixture
def fuzzed(project: Project) -> tuple[Project, dict[str, Any], list[dict[str, Any]]]:
    """A reviewed plan that updates one brand and creates another, what applying it gives,
    and the store put back as it was before it."""
    original = brand_update_plan(project, decoy_in_uat=False)
    cairn = brand_ids(project, "staging")["Cairn & Co."]
    project.api("DELETE", f"/v3/catalog/brands/{cairn}")
    code, _, err = project.cli("plan", "staging", "--only", "brand", "--out", "plan.json")
    assert code == 0, err
    original = load(project)
    assert sorted(c["action"] for c in original["changes"]) == ["create", "update"]
    code, _, err = project.cli("apply", "staging", "--plan", "plan.json")
    assert code == 0, err
    expected = brands_without_ids(project)
    _undo_the_plan(project)
    return project, original, expected


def _undo_the_plan(project: Project) -> None:
    ids = brand_ids(project, "staging")
    project.api("DELETE", f"/v3/catalog/brands/{ids['Cairn & Co.']}")
    project.api("PUT", f"/v3/catalog/brands/{ids['Summit Gear']}",
                json={"page_title": "Summit Gear | Ridgeline Outfitters"})
