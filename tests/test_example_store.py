"""The example store under ``store-state/`` is valid and consistent.

A check of its own, independent of the state loader: every YAML file is parsed with
``yaml.safe_load`` and validated with the kind models; every reference, file and overlay
key resolves; unique values are unique. Overlays are applied with a small merge here
(mappings deep-merge, ``merge_keys`` lists merge by key, other lists replace, null
unsets) and the patched items validated again.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.config import effective_environment, load_config
from reconciler.kinds.base import ItemModel, Kind
from reconciler.kinds.registry import KINDS, kind_named
from reconciler.kinds.theme import Theme, config_mismatches

REPO = Path(__file__).resolve().parents[1]
STATE = REPO / "store-state"
SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


@dataclass(frozen=True)
class Declared:
    kind: Kind[Any]
    item: ItemModel
    file: Path
    environment: str = ""

    @property
    def key(self) -> str:
        return self.kind.match_key(self.kind.key(self.item))


def yaml_files() -> list[Path]:
    return sorted(STATE.rglob("*.yaml"))


def kind_of(path: Path) -> tuple[Kind[Any], str] | None:
    """The kind a file declares and its environment ("" for the base), or None."""
    relative = path.relative_to(STATE).as_posix()
    environment = ""
    if relative.startswith("environments/"):
        _, environment, relative = relative.split("/", 2)
    for kind in KINDS:
        prefix = kind.directory + "/"
        # PurePath.match anchors at the right, so "**/" adds nothing on Python 3.11.
        pattern = kind.file_glob.removeprefix("**/")
        if relative.startswith(prefix) and Path(relative[len(prefix) :]).match(pattern):
            return kind, environment
    return None


def items_in(path: Path, kind: Kind[Any]) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and list(data) == [kind.plural]:
        return list(data[kind.plural])
    assert isinstance(data, dict), f"{path}: expected a mapping"
    return [data]


def declared() -> Iterator[Declared]:
    for path in yaml_files():
        found = kind_of(path)
        if found is not None:
            kind, environment = found
            for raw in items_in(path, kind):
                yield Declared(kind, kind.model.model_validate(raw), path, environment)


def test_every_yaml_file_is_config_overlay_or_kind_file() -> None:
    for path in yaml_files():
        relative = path.relative_to(STATE).as_posix()
        is_overlay = re.fullmatch(r"environments/[a-z]+/overlay\.yaml", relative)
        assert relative == "stagingpro.yaml" or is_overlay or kind_of(path), relative


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: p.relative_to(STATE).as_posix())
def test_every_file_names_its_json_schema_on_the_first_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = SCHEMA_LINE.match(first)
    assert match, f"{path}: first line must be the yaml-language-server schema comment"
    target = (path.parent / match.group(1)).resolve()
    relative = path.relative_to(STATE).as_posix()
    if relative == "stagingpro.yaml":
        expected = "stagingpro"
    elif relative.endswith("/overlay.yaml") and relative.startswith("environments/"):
        expected = "overlay"
    else:
        found = kind_of(path)
        assert found is not None
        expected = found[0].plural.replace("_", "-")
    assert target == REPO / "schemas" / f"{expected}.schema.json"


def test_the_store_has_what_the_example_promises() -> None:
    by_kind: dict[str, list[Declared]] = defaultdict(list)
    for entry in declared():
        if not entry.environment:
            by_kind[entry.kind.name].append(entry)
    assert len(by_kind["product"]) == 40
    assert len(by_kind["brand"]) == 6
    assert len(by_kind["page"]) == 5
    assert {len(d.item.path.split("/")) for d in by_kind["category"]} == {1, 2, 3}  # type: ignore[attr-defined]
    with_variants = [d for d in by_kind["product"] if d.item.variants]  # type: ignore[attr-defined]
    assert len(with_variants) >= 10
    assert any(len(d.item.options) == 2 for d in with_variants)  # type: ignore[attr-defined]
    targets = {r.to.type for r in (d.item for d in by_kind["redirect"])}  # type: ignore[attr-defined]
    assert targets == {"product", "category", "brand", "page", "url"}
    currencies = {r.currency for d in by_kind["price_list"] for r in d.item.records}  # type: ignore[attr-defined]
    assert len(currencies) == 2
    assert len(by_kind["script"]) == 2 and by_kind["webhook"] and by_kind["customer_group"]
    assert [d.kind.key(d.item) for d in by_kind["theme"]] == ["Ridgeline"]


def test_products_sit_one_per_file_named_after_the_product() -> None:
    for entry in declared():
        if entry.kind.name == "product":
            name: str = entry.item.name  # type: ignore[attr-defined]
            letters = re.sub(r"[^a-z0-9]", "", name.lower())
            assert entry.file.stem.replace("-", "") == letters, entry.file


def test_keys_and_unique_values_are_unique_per_environment() -> None:
    for environment in ("", "staging", "uat"):
        keys: dict[tuple[str, str], Path] = {}
        unique: dict[tuple[str, str], Path] = {}
        for entry in declared():
            if entry.environment not in ("", environment):
                continue
            if entry.environment == "" and _removed(environment, entry):
                continue
            where = (entry.kind.name, entry.key)
            assert where not in keys, f"{where} declared in {keys[where]} and {entry.file}"
            keys[where] = entry.file
            for value in entry.kind.unique_values(entry.item):
                name = (value.namespace, value.value)
                assert name not in unique, f"{value.shown!r} repeated in {entry.file}"
                unique[name] = entry.file


def _removed(environment: str, entry: Declared) -> bool:
    overlay = _overlay(environment)
    removals = (overlay.get("remove") or {}) if overlay else {}
    for kind_name, keys in removals.items():
        if kind_named(kind_name) is entry.kind:
            return entry.key in {entry.kind.match_key(k) for k in keys}
    return False


def _overlay(environment: str) -> dict[str, Any]:
    path = STATE / "environments" / environment / "overlay.yaml"
    if not environment or not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and set(data) <= {"patch", "remove"}
    return data


def _resolves(entries: list[Declared]) -> None:
    keys = {(e.kind.name, e.key) for e in entries}
    namespaces = {(v.namespace, v.value) for e in entries for v in e.kind.unique_values(e.item)}
    for entry in entries:
        for ref in entry.kind.references(entry.item):
            if ref.match:
                assert (ref.kind, ref.match) in namespaces, f"{entry.file}: {ref}"
            else:
                target = kind_named(ref.kind)
                assert (target.name, target.match_key(ref.key)) in keys, f"{entry.file}: {ref}"


def test_every_reference_resolves_in_every_environment() -> None:
    everything = list(declared())
    _resolves([e for e in everything if not e.environment])
    for environment in ("staging", "uat"):
        _resolves(
            [
                e
                for e in everything
                if e.environment in ("", environment) and not _removed(environment, e)
            ]
        )


def test_every_file_an_item_needs_exists() -> None:
    for entry in declared():
        for ref in entry.kind.files(entry.item):
            target = entry.file.parent / ref.relative_path
            assert target.is_dir() if ref.directory else target.is_file(), f"{entry.file}: {ref}"


def test_images_are_small_real_pngs() -> None:
    images = sorted((STATE / "catalog" / "products" / "images").glob("*.png"))
    assert len(images) >= 40
    for image in images:
        data = image.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) < 2048, image


def test_theme_matches_its_config_json() -> None:
    for entry in declared():
        if isinstance(entry.item, Theme):
            folder = entry.file.parent / (entry.item.directory or ".")
            assert config_mismatches(entry.item, folder) == []
            for part in ("templates/layout/base.html", "templates/pages/home.html", "lang/en.json"):
                assert (folder / part).is_file()


def merge(base: Any, patch: Any, merge_keys: Mapping[str, tuple[str, ...]], field: str = "") -> Any:
    """The overlay semantics, in small: see the module docstring."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = merge(base.get(key), value, merge_keys, key)
        return merged
    if isinstance(base, list) and isinstance(patch, list) and field in merge_keys:
        by = merge_keys[field]
        merged_list = list(base)
        for entry in patch:
            index = next(
                (i for i, e in enumerate(merged_list) if all(e[f] == entry[f] for f in by)), None
            )
            if index is None:
                merged_list.append(entry)
            else:
                merged_list[index] = merge(merged_list[index], entry, merge_keys)
        return merged_list
    return patch


@pytest.mark.parametrize("environment", ["staging", "uat"])
def test_overlays_name_existing_items_and_patch_them_validly(environment: str) -> None:
    overlay = _overlay(environment)
    assert overlay, f"environments/{environment}/overlay.yaml is missing"
    base = {(e.kind.name, e.key): e for e in declared() if not e.environment}
    for kind_name, keys in (overlay.get("remove") or {}).items():
        kind = kind_named(kind_name)
        for key in keys:
            assert (kind.name, kind.match_key(key)) in base, f"remove: {kind_name} {key}"
    for kind_name, patches in (overlay.get("patch") or {}).items():
        kind = kind_named(kind_name)
        for key, patch in patches.items():
            entry = base.get((kind.name, kind.match_key(key)))
            assert entry is not None, f"patch: {kind_name} {key} is not declared in the base"
            raw = entry.item.model_dump(mode="json", exclude_unset=True, by_alias=True)
            patched = kind.model.model_validate(merge(raw, patch, kind.merge_keys))
            assert kind.match_key(kind.key(patched)) == entry.key
            assert patched != entry.item


def test_stagingpro_yaml_declares_the_three_environments() -> None:
    config = load_config(STATE / "stagingpro.yaml")
    assert set(config.environments) == {"production", "staging", "uat"}
    production = effective_environment(config, "production")
    assert production.protected and production.deploy_windows and production.notifications
    assert getattr(production.backend, "sandbox", "") == "ridgeline-prod"
    assert not effective_environment(config, "staging").protected
