"""Properties of the loader: valid items round-trip; no input crashes it."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from reconciler.cli.app import main
from reconciler.kinds.base import ItemModel, Kind
from reconciler.kinds.registry import KINDS
from reconciler.state import load_file, validate_state
from tests.state.base import write_base
from tests.strategies import item_strategy

FIXTURE_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _plain(value: Any) -> Any:
    """Model data as a YAML writer gets it: decimals as numbers where exact."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else str(value)
    return value


def _dump(data: Any) -> str:
    """Write YAML the way StagingPro writes files (ruamel.yaml round-trip, YAML 1.2)."""
    buffer = io.StringIO()
    YAML().dump(data, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("roundtrip")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
def test_valid_items_round_trip_through_the_loader(kind: Kind[Any], scratch: Path) -> None:
    @FIXTURE_SETTINGS
    @given(item=item_strategy(kind))
    def round_trip(item: ItemModel) -> None:
        data = _plain(item.model_dump(mode="python", exclude_unset=True))
        relative = f"{kind.directory}/item.yaml"
        if kind.file_glob == "*/theme.yaml":
            relative = f"{kind.directory}/t/theme.yaml"
        target = scratch / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_dump(data), encoding="utf-8")

        (loaded,) = load_file(scratch, relative)

        assert loaded.model == item
        assert loaded.model.model_fields_set == item.model_fields_set
        assert loaded.key == kind.key(item)

    round_trip()


YAMLISH = st.text(
    alphabet=st.sampled_from(list(" :-\n\t[]{},#&*!|>'\"%@`?~.0123456789abcnsku_=\\\x00\u00e9")),
    max_size=120,
)


@pytest.fixture(scope="module")
def base_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_base(tmp_path_factory.mktemp("fuzz") / "store-state")


@FIXTURE_SETTINGS
@given(content=st.binary(max_size=200) | YAMLISH.map(lambda text: text.encode("utf-8")))
@pytest.mark.parametrize(
    "relative",
    [
        "catalog/products/fuzz.yaml",
        "environments/staging/overlay.yaml",
        "stagingpro.yaml",
    ],
)
def test_no_file_content_crashes_the_loader(base_root: Path, relative: str, content: bytes) -> None:
    target = base_root / relative
    original = target.read_bytes() if target.exists() else None
    target.write_bytes(content)
    try:
        report = validate_state(base_root)
        for problem in report.problems:
            assert problem.file
            assert problem.line >= 0 and problem.column >= 0
            assert problem.message
        if relative == "catalog/products/fuzz.yaml":
            # No product file is this short: every content is some problem.
            assert not report.ok
            assert any(problem.file == relative for problem in report.problems)
    finally:
        if original is None:
            target.unlink()
        else:
            target.write_bytes(original)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(content=st.binary(min_size=1, max_size=80))
def test_validate_exits_1_on_garbage(base_root: Path, content: bytes) -> None:
    target = base_root / "catalog/brands/garbage.yaml"
    target.write_bytes(content)
    try:
        assert main(["validate", "--state", str(base_root), "--format", "json"]) == 1
    finally:
        target.unlink()
