"""The ``stagingpro`` entry point: usage errors and error messages as the user sees them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.cli.app import main
from tests.state.base import write_base

SCRIPT = Path(sys.executable).with_name("stagingpro")
"""The console script the installed package provides (beside the interpreter)."""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["plan", "--bogus"], "No such option: --bogus"),
        (["plan", "staging", "--format", "xml"], "Invalid value for '--format'"),
        (["no-such-command"], "No such command"),
        (["apply"], "Missing argument"),
    ],
)
def test_usage_errors_exit_2_with_a_message_and_no_traceback(
    args: list[str], expected: str
) -> None:
    # The real console script against the installed Typer (which may vendor its own click).
    run = subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 2, run.stderr
    assert expected in run.stderr
    assert "Traceback" not in run.stderr
    assert "Usage: stagingpro" in run.stderr


def test_error_messages_keep_their_brackets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pattern like [a-z0-9] in a config error (and brackets in any name or SKU) must
    # reach the terminal as written, not be taken for Rich markup.
    state = tmp_path / "store-state"
    write_base(state)
    config = state / "stagingpro.yaml"
    config.write_text(
        config.read_text().replace("{sandbox: prod}", "{store_hash: ABC-123, token_env: T}"),
        encoding="utf-8",
    )
    assert main(["plan", "staging", "--state", str(state)]) == 1
    err = capsys.readouterr().err
    assert "^[a-z0-9]{1,64}$" in err
    assert "error:" in err


def test_brackets_in_a_name_survive_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "[bold]state[/bold]"
    assert main(["plan", "staging", "--state", str(missing)]) == 1
    err = capsys.readouterr().err
    assert "[bold]state[/bold]" in err
