"""Hostile YAML: alias bombs, deep nesting, huge files and tab indentation end in one
clear problem naming file:line, quickly and in little memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.cli.app import main
from reconciler.config import load_config
from reconciler.errors import ConfigError
from reconciler.state import validate_state, yamlio
from tests.hostile.limits import MB, bounded
from tests.state.base import write_base


def alias_bomb(levels: int, key: str = "bomb") -> str:
    """``levels`` anchors, each a list of ten aliases of the one before: 10**levels
    values from a few hundred bytes (nine levels: about 700 bytes)."""
    lines = [f"{key}:", '  a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for level in range(1, levels):
        aliases = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"  a{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def state_root(tmp_path: Path) -> Path:
    return write_base(tmp_path / "store-state")


def test_an_alias_bomb_is_refused_at_its_line_quickly_and_in_little_memory() -> None:
    text = alias_bomb(6)  # 10**6 values: seconds and hundreds of MB when expanded
    with bounded(seconds=20, memory_mb=1024) as cost:
        result = yamlio.parse(text)
    assert isinstance(result, yamlio.YamlFailure)
    assert "aliases" in result.message and "expand" in result.message
    assert result.line in range(2, 8)
    assert cost.seconds < 2
    assert cost.peak_bytes < 100 * MB


def test_validate_refuses_a_nine_level_alias_bomb_in_a_product_file(
    state_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = alias_bomb(9, key="custom_fields")
    assert len(bomb) < 800
    (state_root / "catalog/products/bomb.yaml").write_text(
        "sku: BOMB-1\nname: Bomb\ntype: physical\nprice: 1\nweight: 1\n" + bomb,
        encoding="utf-8",
    )
    with bounded(seconds=20, memory_mb=1024) as cost:
        code = main(["validate", "--state", str(state_root)])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith(f"{state_root}/catalog/products/bomb.yaml:11:")
    assert "aliases here expand the document beyond" in out
    assert out.count("\n") == 1, out  # that one problem only
    # Generous: the command also imports and validates the rest, under tracemalloc.
    assert cost.seconds < 10 and cost.peak_bytes < 100 * MB


def test_the_config_loader_refuses_an_alias_bomb_with_its_line(state_root: Path) -> None:
    config = state_root / "stagingpro.yaml"
    config.write_text(config.read_text(encoding="utf-8") + alias_bomb(9), encoding="utf-8")
    with bounded(seconds=20, memory_mb=1024) as cost, pytest.raises(ConfigError) as raised:
        load_config(config)
    assert f"{config}:" in raised.value.message
    assert "aliases here expand the document" in raised.value.message
    assert cost.seconds < 2 and cost.peak_bytes < 100 * MB


def test_aliases_within_the_budget_still_work() -> None:
    text = "base: &base {price: 1, weight: 2}\nitems:\n" + "".join(
        f"  - {{<<: *base, sku: S{index}}}\n" for index in range(200)
    )
    data = yamlio.parse(text)
    assert not isinstance(data, yamlio.YamlFailure)
    assert data["items"][199] == {"price": 1, "weight": 2, "sku": "S199"}


def test_a_recursive_alias_is_refused() -> None:
    result = yamlio.parse("a: &loop\n  - *loop\n")
    assert isinstance(result, yamlio.YamlFailure)
    assert "recursive alias" in result.message


@pytest.mark.parametrize("depth", [150, 10_000])
def test_deep_nesting_is_one_problem_with_a_line(depth: int) -> None:
    text = "root:\n" + "".join("  " * (level + 1) + "k:\n" for level in range(depth))
    with bounded(seconds=20, memory_mb=1024):
        result = yamlio.parse(text)
    assert isinstance(result, yamlio.YamlFailure)
    assert "nest" in result.message and "deep" in result.message
    assert result.line > 1


def test_a_deeply_nested_flow_list_names_where_it_gets_too_deep() -> None:
    result = yamlio.parse("[" * 150 + "]" * 150)
    assert isinstance(result, yamlio.YamlFailure)
    assert (result.line, result.column) == (1, yamlio.MAX_DEPTH + 1)
    assert result.message.startswith(f"collections nest deeper than {yamlio.MAX_DEPTH}")


def test_a_file_over_the_size_limit_is_refused_unread(state_root: Path) -> None:
    huge = state_root / "catalog/products/huge.yaml"
    with huge.open("wb") as handle:  # sparse: takes no disk, reads as 65 MB of zeros
        handle.truncate(65 * MB)
    with bounded(seconds=20, memory_mb=1024) as cost:
        report = validate_state(state_root)
    assert [(p.file, p.message) for p in report.problems] == [
        ("catalog/products/huge.yaml",
         "'catalog/products/huge.yaml' is larger than 64 MB, the most StagingPro reads;"
         " split it or leave it out of the repository")
    ]
    assert cost.peak_bytes < 32 * MB


def test_a_tab_indented_file_is_one_problem_without_follow_on_errors(
    state_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # TRAIL-01 is referenced by a redirect, patched by the staging overlay and holds the
    # SKUs a price list could name: none of that may be reported as missing.
    product = state_root / "catalog/products/trail-01.yaml"
    text = product.read_text(encoding="utf-8")
    product.write_text(text.replace("\n  - sku: TRAIL-01-9", "\n\t- sku: TRAIL-01-9"), "utf-8")
    (state_root / "catalog/price-lists").mkdir()
    (state_root / "catalog/price-lists/wholesale.yaml").write_text(
        "name: Wholesale\nrecords:\n  - {sku: TRAIL-01-9, currency: USD, price: 50}\n",
        encoding="utf-8",
    )
    code = main(["validate", "--state", str(state_root)])
    out = capsys.readouterr().out
    assert code == 1
    line = product.read_text(encoding="utf-8").splitlines().index("\t- sku: TRAIL-01-9") + 1
    assert out.splitlines()[0] == (
        f"{state_root}/catalog/products/trail-01.yaml:{line}:1:"
        " tab character in indentation; YAML indents with spaces only"
    )
    assert len(out.splitlines()) == 1, out
