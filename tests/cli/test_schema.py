"""``stagingpro schema`` and the committed ``schemas/``: fresh, valid, and in agreement
with the loader; every file of the example store names its schema."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from reconciler.cli.app import main
from reconciler.kinds.registry import KINDS
from reconciler.state.schemas import HEADER_PREFIX, expected_header, generate
from tests.state.base import BASE_FILES

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
STATE = REPO / "store-state"


@functools.cache
def generated() -> dict[str, str]:
    """One generation shared by the tests that only read it."""
    return generate()


def test_committed_schemas_are_up_to_date() -> None:
    fresh = generate()
    committed = {path.name: path.read_text(encoding="utf-8") for path in SCHEMAS.glob("*.json")}
    stale = sorted(
        name
        for name in fresh.keys() | committed.keys()
        if fresh.get(name) != committed.get(name)
    )
    assert not stale, f"run 'stagingpro schema --write' and commit: {stale}"


def test_check_passes_on_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert main(["schema", "--check"]) == 0


def test_write_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "schemas"
    assert main(["schema", "--check", "--dir", str(target)]) == 1
    assert main(["schema", "--write", "--dir", str(target)]) == 0
    names = sorted(path.name for path in target.iterdir())
    assert names == sorted(generated())
    assert {
        *(f"{k.plural.replace('_', '-')}.schema.json" for k in KINDS),
        "overlay.schema.json",
        "stagingpro.schema.json",
    } <= set(names)
    assert main(["schema", "--check", "--dir", str(target)]) == 0
    (target / "brands.schema.json").write_text("{}\n", encoding="utf-8")
    (target / "obsolete.schema.json").write_text("{}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["schema", "--check", "--dir", str(target)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{target}/brands.schema.json: out of date",
        f"{target}/obsolete.schema.json: out of date",
    ]
    assert main(["schema", "--write", "--dir", str(target)]) == 0
    assert not (target / "obsolete.schema.json").exists()
    assert main(["schema", "--check", "--dir", str(target)]) == 0


def test_write_or_check_is_required() -> None:
    assert main(["schema"]) == 1


def test_output_is_deterministic() -> None:
    first, second = generate(), generate()
    assert first == second
    for text in first.values():
        assert text.endswith("}\n")
        canonical = json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False)
        assert canonical + "\n" == text


@pytest.mark.parametrize("name", sorted(generated()))
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    schema = json.loads(generated()[name])
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def _validator_for(header: str) -> Draft202012Validator:
    name = header.rsplit("/", 1)[-1]
    return Draft202012Validator(json.loads(generated()[name]))


def test_valid_files_satisfy_their_schemas() -> None:
    for relative, text in BASE_FILES.items():
        header = text.splitlines()[0]
        assert header == expected_header(relative)
        data = yaml.safe_load(text)
        errors = [e.message for e in _validator_for(header).iter_errors(data)]
        assert not errors, (relative, errors)


@pytest.mark.parametrize(
    ("schema", "data"),
    [
        ("products", {"sku": "A", "name": "x", "type": "physical", "price": "free", "weight": 1}),
        (
            "products",
            {"sku": "A", "name": "x", "type": "physical", "price": 1, "weight": 1, "pirce": 2},
        ),
        ("products", {"sku": "A", "name": "x", "type": "physical", "price": 1}),
        ("brands", {"products": [{"name": "x"}]}),
        ("overlay", {"patch": {"prodcts": {}}}),
        ("overlay", {"patch": {"products": {"A": {"pirce": 1}}}}),
        ("stagingpro", {"version": 1, "enviroments": {}}),
    ],
)
def test_schemas_reject_what_the_loader_rejects(schema: str, data: dict[str, Any]) -> None:
    validator = Draft202012Validator(json.loads(generated()[f"{schema}.schema.json"]))
    assert list(validator.iter_errors(data))


def test_overlay_patches_need_no_required_field() -> None:
    validator = Draft202012Validator(json.loads(generated()["overlay.schema.json"]))
    patch = {
        "patch": {
            "products": {
                "TRAIL-01": {
                    "price": 79,
                    "sale_price": None,
                    "variants": [{"sku": "TRAIL-01-9", "price": 5}],
                }
            },
            "price-lists": {"Wholesale": {"active": False}},
        },
        "remove": {"pages": ["/holiday-sale/"]},
    }
    assert list(validator.iter_errors(patch)) == []


def _state_yaml_files() -> list[Path]:
    return sorted(p for p in STATE.rglob("*") if p.suffix in {".yaml", ".yml"})


def test_every_example_store_file_names_its_schema() -> None:
    checked = 0
    for path in _state_yaml_files():
        relative = path.relative_to(STATE).as_posix()
        expected = expected_header(relative)
        if expected is None:
            continue  # a theme's own file, not StagingPro's
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == expected, f"{relative}: first line should be {expected!r}"
        target = (path.parent / first.removeprefix(HEADER_PREFIX)).resolve()
        assert target.is_file(), f"{relative}: {target} does not exist"
        assert target.parent == SCHEMAS
        checked += 1
    assert checked >= 10
