"""Saved plans as outside data: signatures, selections and desired values, as a library."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import ConfigError, PlanStaleError
from reconciler.plan.model import Change, FieldChange, Plan
from reconciler.plan.saved import (
    PLAN_KEY_ENV,
    check_desired,
    read_plan_file,
    selection_of,
    signature,
    signed_json,
)

PLAN = Plan(
    environment="staging",
    store="abc123",
    changes=(
        Change("brand", "Summit", "update", "Summit",
               (FieldChange(("page_title",), "Old", "New"),),
               desired={"name": "Summit", "page_title": "New"}, live_ids={"id": 7},
               fingerprint="0" * 64),
    ),
    unchanged={"brand": 3},
    kinds=("brand",),
    selection=("--only brand",),
    commit="a" * 40,
)


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_without_a_key_a_plan_is_read_unsigned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PLAN_KEY_ENV, raising=False)
    data = signed_json(PLAN)
    assert "signature" not in data
    saved = read_plan_file(write(tmp_path / "plan.json", data))
    assert saved.plan == PLAN and not saved.signed


def test_with_a_key_a_plan_is_signed_and_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PLAN_KEY_ENV, "k1")
    saved = read_plan_file(write(tmp_path / "plan.json", signed_json(PLAN)))
    assert saved.signed
    monkeypatch.setenv(PLAN_KEY_ENV, "another key")
    with pytest.raises(PlanStaleError, match="signature does not verify"):
        read_plan_file(tmp_path / "plan.json")


@pytest.mark.parametrize("forged", ["", "é" * 64, "0" * 64, 42])
def test_a_forged_signature_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forged: object
) -> None:
    monkeypatch.setenv(PLAN_KEY_ENV, "k1")
    data = {**signed_json(PLAN), "signature": forged}
    with pytest.raises(PlanStaleError, match=r"signature does not verify|is not signed"):
        read_plan_file(write(tmp_path / "plan.json", data))


@given(
    environment=st.text(min_size=1, max_size=12),
    store=st.text(min_size=1, max_size=12),
    commit=st.none() | st.text("0123456789abcdef", min_size=40, max_size=40),
)
def test_the_signature_binds_environment_store_and_commit(
    environment: str, store: str, commit: str | None
) -> None:
    other = dataclasses.replace(PLAN, environment=environment, store=store, commit=commit)
    if (environment, store, commit) != (PLAN.environment, PLAN.store, PLAN.commit):
        assert signature(other, b"key") != signature(PLAN, b"key")
    assert signature(other, b"key") != signature(other, b"other key")


@pytest.mark.parametrize(
    ("selection", "message"),
    [(("--only",), "expected --only RULE"), (("--only gadget",), "unknown kind 'gadget'"),
     (("brand",), "expected --only RULE")],
)
def test_a_selection_that_is_not_one_is_refused(
    selection: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        selection_of(dataclasses.replace(PLAN, selection=selection))


def test_selection_round_trip() -> None:
    assert selection_of(PLAN).arguments() == ("--only brand",)


@pytest.mark.parametrize(
    ("desired", "message"),
    [
        ({"name": "Summit", "page_title": 5}, r"desired\.page_title"),
        ({"name": "Summit", "pgae_title": "x"}, r"desired\.pgae_title"),
        ({"name": "Northfall"}, "the values are those of brand 'Northfall'"),
        (None, "update Summit: no values"),
    ],
)
def test_desired_values_pass_the_kind_model(desired: dict[str, object] | None,
                                             message: str) -> None:
    change = dataclasses.replace(PLAN.changes[0], desired=desired)
    with pytest.raises(ConfigError, match=message):
        check_desired(change, "plan.changes[0]")


def test_resolved_file_hashes_are_tolerated_and_paths_stay_inside() -> None:
    desired = {
        "sku": "A-1", "name": "A", "type": "physical", "price": "5", "weight": "1",
        "images": [{"file": "catalog/products/a.png", "sha256": "f" * 64}],
    }
    check_desired(Change("product", "A-1", "create", desired=desired), "c")
    desired["images"] = [{"file": "../../secret.png", "sha256": "f" * 64}]
    with pytest.raises(ConfigError, match=r"desired\.images\[0\]\.file: .* outside"):
        check_desired(Change("product", "A-1", "create", desired=desired), "c")
