"""BigCommerce's stencil-cli (push, push --activate, pull, download) against ``sandbox serve``.

Runs ``scripts/stencil_trial.py`` when stencil-cli is already installed in its cache
(``STAGINGPRO_STENCIL_CACHE``, default ``~/.cache/stagingpro/stencil-cli``): installing it
takes minutes (npm, and compiling node-sass), so the suite never installs it. Run the
script once to install it; this test then checks the four commands on every run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(
    os.environ.get("STAGINGPRO_STENCIL_CACHE")
    or Path.home() / ".cache" / "stagingpro" / "stencil-cli"
)
INSTALLED = CACHE / "node_modules" / "@bigcommerce" / "stencil-cli" / "bin" / "stencil.js"


@pytest.mark.slow
@pytest.mark.skipif(
    not INSTALLED.is_file(),
    reason=f"stencil-cli not installed in {CACHE}: run scripts/stencil_trial.py",
)
def test_stencil_cli_pushes_activates_pulls_and_downloads() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "stencil_trial.py"), "--cache", str(CACHE)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("ok: ") == 5, done.stdout
