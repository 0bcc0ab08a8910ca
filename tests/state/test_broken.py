"""The broken-input corpus: each file under ``broken/`` is one bad input.

A case file starts with comment lines: ``# case:`` says what it breaks, ``# path:`` where
it goes in the state tree (adding a file or replacing one of the minimal valid state's),
and one ``# expect:`` line per problem ``stagingpro validate`` must print, exactly
(``path:line:col: kind key: message``, paths relative to the state directory). The file
is copied as it is, comment lines included, so line numbers count them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.cli.app import main

BROKEN = Path(__file__).parent / "broken"


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    expect: tuple[str, ...]
    raw: bytes


def load_case(file: Path) -> Case:
    raw = file.read_bytes()
    header = [line.decode("utf-8") for line in raw.split(b"\n") if line.startswith(b"# ")]
    path = next(line.removeprefix("# path: ") for line in header if line.startswith("# path: "))
    expect = tuple(
        line.removeprefix("# expect: ") for line in header if line.startswith("# expect: ")
    )
    return Case(file.stem, path, expect, raw)


CASES = [load_case(file) for file in sorted(BROKEN.glob("*.yaml"))]


def test_the_corpus_is_complete() -> None:
    assert len(CASES) >= 25
    assert all(case.expect for case in CASES), "every case states its expected problems"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_broken_input_is_reported_exactly(
    case: Case,
    state_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = state_root / case.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(case.raw)
    monkeypatch.chdir(state_root)

    code = main(["validate", "--state", "."])

    out, err = capsys.readouterr()
    assert code == 1
    # Every problem at once, each exactly once, and nothing else.
    assert out.splitlines() == sorted(case.expect, key=_sort_key)
    count = len(case.expect)
    assert err.strip() == f"{count} problem{'s' if count != 1 else ''} found"


def _sort_key(line: str) -> tuple[str, int, int, str]:
    file, row, column, rest = line.split(":", 3)
    return file, int(row), int(column), rest


def test_the_base_state_is_valid(
    state_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(state_root)
    assert main(["validate", "--state", "."]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "production: 1 brand, 2 categories, 1 product, 2 pages, 1 redirect",
        "staging: 1 brand, 2 categories, 1 product, 1 page, 1 redirect",
    ]
