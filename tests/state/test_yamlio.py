"""Strict, fast YAML reading: YAML 1.2 scalars, duplicate keys, clear failures."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reconciler.state import reading
from reconciler.state.yamlio import YamlFailure, decode, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v: on", "on"),  # YAML 1.1 would say True
        ("v: NO", "NO"),  # the Norway problem
        ("v: yes", "yes"),
        ("v: 010", 10),  # not octal
        ("v: 0o17", 15),
        ("v: 0x1f", 31),
        ("v: 1:30", "1:30"),  # not base 60
        ("v: 2024-05-01", "2024-05-01"),  # not a date object
        ("v: 1_000", "1_000"),
        ("v: 79.00", 79.0),
        ("v: -.5", -0.5),
        ("v: 1e3", 1000.0),
        ("v: -.inf", float("-inf")),
        ("v: ~", None),
        ("v: null", None),
        ("v:", None),
        ("v: True", True),
        ("v: '010'", "010"),
        ("v: !!str 12", "12"),
    ],
)
def test_scalars_follow_the_yaml_1_2_core_schema(text: str, expected: object) -> None:
    assert parse(text) == {"v": expected}


def test_merge_keys_and_aliases() -> None:
    text = "base: &b {a: 1, b: 2}\nitem:\n  <<: *b\n  b: 3\nlist: [*b]\n"
    assert parse(text) == {
        "base": {"a": 1, "b": 2},
        "item": {"a": 1, "b": 3},
        "list": [{"a": 1, "b": 2}],
    }


def test_exotic_tags_still_load() -> None:
    assert parse("v: !!set {a, b}") == {"v": {"a", "b"}}


def test_duplicate_key_names_both_lines() -> None:
    assert parse("sku: A\nprice: 1\nname: x\nprice: 2\n") == YamlFailure(
        4, 1, "duplicate key 'price' (first at line 2); a mapping may declare each key once"
    )
    nested = parse("variants:\n  - sku: A\n    sku: B\n")
    assert nested == YamlFailure(
        3, 5, "duplicate key 'sku' (first at line 2); a mapping may declare each key once"
    )


def test_failures_carry_positions() -> None:
    assert parse("a:\n\tb: 1\n") == YamlFailure(
        2, 1, "tab character in indentation; YAML indents with spaces only"
    )
    failure = parse("a: [1, 2\n")
    assert isinstance(failure, YamlFailure)
    assert (failure.line, failure.column) == (2, 1)
    assert failure.message.startswith("not valid YAML: did not find expected ','")
    unknown_tag = parse("a: !money 3\n")
    assert isinstance(unknown_tag, YamlFailure)
    assert "could not determine a constructor for the tag '!money'" in unknown_tag.message


def test_decode_reports_the_first_bad_byte() -> None:
    assert decode(b"name: ok\n") == "name: ok\n"
    assert decode(b"\xef\xbb\xbfname: bom\n") == "name: bom\n"
    assert decode(b"a: 1\nname: Caf\xe9\n") == YamlFailure(
        2, 10, "byte 0xe9 is not valid UTF-8; save the file as UTF-8"
    )


def test_fast_builder_agrees_with_pyyaml_on_plain_documents() -> None:
    text = (
        "sku: TRAIL-01\nprice: 89.5\nvariants:\n  - {sku: A, option_values: {Size: '9'}}\n"
        "tags: [a, 'b', \"c\", 1, 2.5, true, null]\nnested: {x: {y: [1, {z: -3}]}}\n"
    )
    assert parse(text) == yaml.load(text, Loader=yaml.CSafeLoader)


def test_parallel_reading_gives_the_same_results(tmp_path: Path) -> None:
    paths = []
    for index in range(40):
        name = f"f{index:02d}.yaml"
        body = f"name: Brand {index}\n" if index % 7 else "name: [broken\n"
        (tmp_path / name).write_text(body, encoding="utf-8")
        paths.append(name)
    inline = reading.read_all(tmp_path, paths, workers=1)
    forked = reading.read_all(tmp_path, paths, workers=2)
    assert forked == inline
    assert isinstance(inline[0], YamlFailure)
    assert inline[1] == {"name": "Brand 1"}
