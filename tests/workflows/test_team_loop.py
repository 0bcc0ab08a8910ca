"""The team loop, played end to end: developers' clones, a bare ``origin``, the workflows'
steps run as a runner runs them (tests/workflows/runner.py), the embedded store as the
three environments' stores, and a GitHub stand-in on loopback for the API calls.

Each scenario reads the stores back over plain HTTP (the sandbox's API, not our client)
to check what really happened.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from reconciler.config import DAYS
from reconciler.live.connect import shared_sandbox
from reconciler.sandbox.transport import SANDBOX_BASE_URL, sandbox_transport
from tests.github_stand_in import BOT, GitHubState, served_github
from tests.workflows.runner import Runner, RunRecord, git

REPO = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("staging", "uat", "production")
READ_SCOPES = (
    "store_v2_products", "store_v2_content", "store_v2_customers", "store_v2_information",
    "store_themes_manage", "store_channel_settings", "store_sites", "store_v2_default",
)


def write_token(environment: str) -> str:
    return f"write-token-{environment}-7f3a9c"


def read_token(environment: str) -> str:
    return f"read-token-{environment}-1b2c4d"


def product(sku: str, name: str, price: str) -> dict[str, Any]:
    return {"sku": sku, "name": name, "type": "physical", "price": price, "weight": 1}


CONFIG: dict[str, Any] = {
    "version": 1,
    "defaults": {"prune": {"products": "all"},
                 "safety": {"max_update_share": 1.0, "max_delete_share": 1.0}},
    "environments": {
        name: {
            "backend": {
                "sandbox": f"shop-{name}",
                "token_env": f"BC_{name.upper()}_TOKEN",
                "read_token_env": f"BC_{name.upper()}_READ_TOKEN",
            },
            **({"protected": True} if name == "production" else {}),
        }
        for name in ENVIRONMENTS
    },
}


@dataclass
class Team:
    runner: Runner
    github: GitHubState
    origin: Path
    db: Path
    home: Path
    next_pr: int = 40

    def clone(self, name: str) -> Path:
        path = self.home / name
        if not path.exists():
            git(self.home, "clone", "-q", str(self.origin), name)
            git(path, "config", "user.name", name)
            git(path, "config", "user.email", f"{name}@ridgeline.example")
        git(path, "checkout", "-q", "main")
        git(path, "pull", "-q", "origin", "main")
        return path

    def pull_request(self, author: str, branch: str, edits: dict[str, Any],
                     *, fork: bool = False) -> tuple[int, str, RunRecord]:
        """Push a branch with ``edits`` (file → YAML data, None deletes) and run the
        plan workflows on it as GitHub would; return (number, head, plan-comment run)."""
        clone = self.clone(author)
        git(clone, "checkout", "-q", "-b", branch)
        self._write(clone, edits)
        git(clone, "add", "-A")
        git(clone, "commit", "-q", "-m", f"{branch}: edit the catalogue")
        git(clone, "push", "-q", "origin", branch)
        head = git(clone, "rev-parse", "HEAD")
        self.next_pr += 1
        number = self.next_pr
        payload = {"number": number, "pull_request": {
            "number": number, "head": {"sha": head, "ref": branch}, "base": {"ref": "main"}}}
        packed = self.runner.run("plan.yml", "pull_request", payload, sha=head,
                                 ref=f"refs/pull/{number}/merge", actor=author, fork=fork)
        assert packed.results() == {"pack": "success"}, packed.jobs[0].log()
        main = git(clone, "rev-parse", "origin/main")
        commented = self.runner.run(
            "plan-comment.yml", "workflow_run",
            {"workflow_run": {"id": packed.run_id, "conclusion": "success",
                              "event": "pull_request", "head_sha": head}},
            sha=main, ref="refs/heads/main", actor=author,
        )
        return number, head, commented

    def head(self) -> str:
        return git(self.home, "--git-dir", str(self.origin), "rev-parse", "refs/heads/main")

    def push_to_main(self, author: str, edits: dict[str, Any]) -> str:
        """Commit ``edits`` straight to main (no workflow is run)."""
        clone = self.clone(author)
        self._write(clone, edits)
        git(clone, "add", "-A")
        git(clone, "commit", "-q", "-m", "straight to main")
        git(clone, "push", "-q", "origin", "main")
        return git(clone, "rev-parse", "HEAD")

    @staticmethod
    def _write(clone: Path, edits: dict[str, Any]) -> None:
        for relative, data in edits.items():
            path = clone / "store-state" / relative
            if data is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(yaml.safe_dump(data, sort_keys=False))

    def merge(self, number: int, branch: str, merger: str = "tom-reyes") -> RunRecord:
        """Merge the pull request into main (a merge commit) and run the apply workflow."""
        clone = self.clone(merger)
        git(clone, "fetch", "-q", "origin", branch)
        git(clone, "merge", "-q", "--no-ff", "-m", f"Merge pull request #{number}",
            f"origin/{branch}")
        git(clone, "push", "-q", "origin", "main")
        sha = git(clone, "rev-parse", "HEAD")
        self.github.merged[sha] = number
        return self.runner.run("apply.yml", "push", {"after": sha}, sha=sha,
                               ref="refs/heads/main", actor=merger)

    def store(self, environment: str, path: str, body: Any = None, method: str = "") -> Any:
        """GET (or, with ``body``, POST or ``method``) a store's API over the sandbox's own
        HTTP interface, not our client: how a person or another app sees the store."""
        async def call() -> Any:
            transport = sandbox_transport(shared_sandbox(self.db))
            async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_BASE_URL) as http:
                response = await http.request(
                    method or ("GET" if body is None else "POST"),
                    f"/stores/shop-{environment}{path}",
                    headers={"X-Auth-Token": write_token(environment)}, json=body,
                )
                response.raise_for_status()
                return response.json()

        return asyncio.run(call())

    def admin(self, method: str, path: str, body: Any = None) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = sandbox_transport(shared_sandbox(self.db))
            async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_BASE_URL) as http:
                return await http.request(method, f"/_sandbox{path}", json=body)

        return asyncio.run(call())

    def prices(self, environment: str) -> dict[str, str]:
        products = self.store(environment, "/v3/catalog/products?limit=250")["data"]
        return {p["sku"]: f"{float(p['price']):.2f}" for p in products}


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    """A state repository on a bare origin with three environments, each applied once."""
    with assembled(tmp_path) as made:
        yield made


@contextmanager
def assembled(tmp_path: Path, stocked: int = 0, themed: bool = False) -> Iterator[Team]:
    """The team's repository and stores; ``stocked`` more products declaring their stock;
    with ``themed``, the example store's Stencil theme."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    seed = tmp_path / "seed"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    shutil.copytree(REPO / ".github", seed / ".github")
    (seed / "scripts").mkdir()
    for script in ("ci-install.sh", "ci-git-auth.sh"):
        shutil.copy(REPO / "scripts" / script, seed / "scripts" / script)
    state = seed / "store-state"
    (state / "catalog" / "products").mkdir(parents=True)
    (state / "stagingpro.yaml").write_text(yaml.safe_dump(CONFIG, sort_keys=False))
    for index in range(1, 5):
        (state / "catalog" / "products" / f"p{index}.yaml").write_text(
            yaml.safe_dump(product(f"P-{index}", f"Product {index}", f"{10 * index}.00"))
        )
    if themed:
        shutil.copytree(REPO / "store-state" / "themes", state / "themes")
    for index in range(stocked):
        (state / "catalog" / "products" / f"s{index}.yaml").write_text(yaml.safe_dump(
            {**product(f"S-{index}", f"Stocked {index}", "5.00"), "inventory_level": 85,
             "inventory_tracking": "product"}
        ))
    git(seed, "add", "-A")
    git(seed, "-c", "user.name=seed", "-c", "user.email=seed@ridgeline.example",
        "commit", "-q", "-m", "the store, declared")
    git(seed, "push", "-q", str(origin), "main")
    db = tmp_path / "stores.db"
    secrets = {
        name: {f"BC_{name.upper()}_TOKEN": write_token(name)} for name in ENVIRONMENTS
    } | {
        f"{name}-plan": {f"BC_{name.upper()}_READ_TOKEN": read_token(name)}
        for name in ENVIRONMENTS
    }
    github = GitHubState()
    with served_github(github) as api_url:
        runner = Runner(origin=origin, scratch=tmp_path / "runs", github=github,
                        api_url=api_url, environment_secrets=secrets,
                        extra_env={"STAGINGPRO_SANDBOX_DB": str(db)})
        home = tmp_path / "people"
        home.mkdir()
        team = Team(runner, github, origin, db, home)
        for name in ENVIRONMENTS:
            assert team.admin("POST", "/stores", {"store_hash": f"shop-{name}"}).is_success
            team.admin("POST", f"/stores/shop-{name}/tokens",
                       {"token": write_token(name), "scopes": "*"})
            team.admin("POST", f"/stores/shop-{name}/tokens",
                       {"token": read_token(name),
                        "scopes": dict.fromkeys(READ_SCOPES, "read")})
        # The first deployment, by hand, as a new team would make it.
        for name in ENVIRONMENTS:
            done = runner.run("deploy.yml", "workflow_dispatch", {},
                              sha=git(seed, "rev-parse", "HEAD"), ref="refs/heads/main",
                              actor="jlindqvist",
                              inputs={"environment": name, "action": "apply", "reason": ""})
            assert done.results() == {"deploy/apply": "success"}, done.jobs[0].log()
        yield team


def comments_for(github: GitHubState, number: int, environment: str) -> list[str]:
    marker = f"<!-- stagingpro:plan:{environment} -->"
    return [c["body"] for c in github.comments.get(number, [])
            if c["user"] == BOT and c["body"].startswith(marker)]


def test_a_pull_request_is_planned_commented_and_applied_in_order(team: Team) -> None:
    edits = {"catalog/products/p1.yaml": product("P-1", "Product 1", "12.50")}
    number, head, commented = team.pull_request("maya-okafor", "reprice", edits)
    assert set(commented.results().values()) == {"success"}, commented.jobs[0].log()
    for environment in ENVIRONMENTS:
        [body] = comments_for(team.github, number, environment)
        assert "P-1" in body and "12.50" in body
        [status] = team.github.statuses[head][-1:] if environment == "production" else [
            s for s in team.github.statuses[head] if s["context"].endswith(environment)
        ]
        assert status["context"] == f"stagingpro/plan: {environment}"
        assert status["state"] == "success"
    applied = team.merge(number, "reprice")
    assert applied.results() == {
        "staging/apply": "success", "uat/apply": "success", "production/apply": "success"
    }, "\n".join(job.log() for job in applied.jobs)
    for environment in ENVIRONMENTS:
        assert team.prices(environment)["P-1"] == "12.50"
    # Each deployment record (read with plain git from origin) names the person who
    # merged, the pull request and the run.
    merged = git(team.home, "--git-dir", str(team.origin), "rev-parse", "refs/heads/main")
    notes = git(team.home, "--git-dir", str(team.origin), "notes", "--ref", "stagingpro",
                "show", merged)
    records = [json.loads(line) for line in notes.splitlines() if line.strip()]
    finished = [r for r in records if r["status"] == "succeeded"]
    assert sorted(r["environment"] for r in finished) == sorted(ENVIRONMENTS)
    for record in finished:
        assert record["author"] == "tom-reyes" and record["pull_request"] == number
        assert "/ridgeline/store/actions/runs/" in record["where"]


def test_no_write_token_is_in_reach_of_a_fork_pull_request(team: Team) -> None:
    edits = {"catalog/products/p2.yaml": product("P-2", "Product 2", "21.00")}
    number, _, commented = team.pull_request("pixelhut-dev", "agency-edit", edits, fork=True)
    assert set(commented.results().values()) == {"success"}
    for environment in ENVIRONMENTS:
        assert comments_for(team.github, number, environment)
    writes = {write_token(name) for name in ENVIRONMENTS}
    for step in commented.all_steps():
        held = set(step.env.values())
        assert not held & writes, f"{step.name} held a write token"
        assert not any(token in step.log for token in writes | {read_token("staging")})
    plans = [s for s in commented.all_steps() if s.name == "plan with the read-only token"]
    assert {next(v for k, v in s.env.items() if k.endswith("_READ_TOKEN") and v)
            for s in plans} == {read_token(name) for name in ENVIRONMENTS}
    for environment in ENVIRONMENTS:
        assert team.prices(environment)["P-2"] == "20.00"  # nothing was applied


def test_a_pull_request_pointing_api_url_elsewhere_is_refused_before_any_token_is_read(
    team: Team,
) -> None:
    config = yaml.safe_load(yaml.safe_dump(CONFIG))
    config["environments"]["production"]["backend"] = {
        "store_hash": "abc123", "token_env": "BC_PRODUCTION_TOKEN",
        "read_token_env": "BC_PRODUCTION_READ_TOKEN", "api_url": "https://collector.example/",
    }
    number, head, _ = team.pull_request(
        "pixelhut-dev", "exfiltrate", {"stagingpro.yaml": config}, fork=True
    )
    [body] = comments_for(team.github, number, "production")
    assert "The plan for production failed" in body
    assert "api_url https://collector.example/ is not BigCommerce's API host" in body
    assert read_token("production") not in body
    [status] = [s for s in team.github.statuses[head] if s["context"].endswith("production")]
    assert status["state"] == "error"


def test_a_checksum_posted_by_somebody_else_is_ignored(team: Team) -> None:
    edits = {"catalog/products/p3.yaml": product("P-3", "Product 3", "33.00")}
    number, _, _ = team.pull_request("maya-okafor", "p3-price", edits)
    # After the review, somebody adds a product by hand in staging (prune: all would
    # delete it) and posts the checksum of a plan that deletes it.
    team.store("staging", "/v3/catalog/products",
               {"name": "Hand made", "sku": "HAND-1", "type": "physical", "price": 1, "weight": 1})
    team.github.add_comment(
        number,
        "<!-- stagingpro:plan:staging -->\nlooks good\n<!-- stagingpro:checksum:staging:"
        + "f" * 64 + " -->",
        {"login": "mallory", "type": "User"},
    )
    applied = team.merge(number, "p3-price")
    assert applied.results()["staging/apply"] == "success", applied.jobs[0].log()
    reviewed = [s for s in applied.all_steps() if s.name == "the reviewed plan's checksum"]
    assert reviewed and all("f" * 64 not in s.outputs.get("checksum", "") for s in reviewed)
    assert team.prices("staging")["P-3"] == "33.00"
    assert "HAND-1" in team.prices("staging")  # no reviewer saw its delete


def test_a_failed_staging_apply_stops_uat_and_production(team: Team) -> None:
    edits = {"catalog/products/p5.yaml": product("NEW-5", "Product 5", "50.00"),
             "catalog/products/p1.yaml": product("P-1", "Product 1", "11.00")}
    number, _, _ = team.pull_request("maya-okafor", "new-product", edits)
    team.admin("POST", "/stores/shop-staging/failures",
               {"status": 422, "method": "POST", "sku": "NEW-5", "count": 100})
    applied = team.merge(number, "new-product")
    assert applied.results() == {"staging/apply": "failure", "uat": "skipped",
                                 "production": "skipped"}
    assert "NEW-5" in applied.jobs[0].log()
    assert "NEW-5" not in team.prices("production")
    assert team.prices("production")["P-1"] == "10.00"
    # Fixed (the store takes the product again); the run is re-run, as from GitHub's
    # "re-run failed jobs": staging applies what is left of the reviewed plan, then uat
    # and production apply all of it, in order.
    team.admin("DELETE", "/stores/shop-staging/failures")
    merged = team.head()
    rerun = team.runner.run("apply.yml", "push", {"after": merged}, sha=merged,
                            ref="refs/heads/main", actor="tom-reyes")
    assert set(rerun.results().values()) == {"success"}, rerun.jobs[0].log()
    for environment in ENVIRONMENTS:
        prices = team.prices(environment)
        assert (prices["NEW-5"], prices["P-1"]) == ("50.00", "11.00")


def test_a_merge_outside_productions_window_waits_for_the_scheduled_run(team: Team) -> None:
    closed = {"days": [DAYS[(datetime.now(UTC) + timedelta(days=3)).weekday()]],
              "start": "10:00", "end": "11:00", "timezone": "UTC"}
    config = yaml.safe_load(yaml.safe_dump(CONFIG))
    config["environments"]["production"]["deploy_windows"] = [closed]
    edits = {"stagingpro.yaml": config,
             "catalog/products/p4.yaml": product("P-4", "Product 4", "44.00")}
    number, _, _ = team.pull_request("maya-okafor", "friday-merge", edits)
    applied = team.merge(number, "friday-merge")
    assert set(applied.results().values()) == {"success"}, applied.jobs[-1].log()
    assert "Pending: production is outside its deploy windows" in applied.jobs[-1].log()
    assert team.prices("production")["P-4"] == "40.00"
    assert team.prices("uat")["P-4"] == "44.00"
    waited = team.runner.run("scheduled.yml", "schedule", {}, sha=team.head(),
                             ref="refs/heads/main", actor="github-actions[bot]")
    assert "1 deployment(s) of production pending" in waited.jobs[-1].log()
    assert team.prices("production")["P-4"] == "40.00"
    # Time passes and the window opens (here: the test widens it, as the clock would).
    config["environments"]["production"]["deploy_windows"] = [
        {"days": list(DAYS), "start": "00:00", "end": "12:00", "timezone": "UTC"},
        {"days": list(DAYS), "start": "12:00", "end": "00:00", "timezone": "UTC"},
    ]
    team.push_to_main("jlindqvist", {"stagingpro.yaml": config})
    opened = team.runner.run("scheduled.yml", "schedule", {}, sha=team.head(),
                             ref="refs/heads/main", actor="github-actions[bot]")
    assert set(opened.results().values()) == {"success"}, opened.jobs[-1].log()
    assert "no deployment of staging is pending" in opened.jobs[0].log()
    assert team.prices("production")["P-4"] == "44.00"


def test_two_pull_requests_on_unrelated_products_merged_back_to_back_both_apply(
    team: Team,
) -> None:
    first, _, _ = team.pull_request(
        "maya-okafor", "p1", {"catalog/products/p1.yaml": product("P-1", "Product 1", "15.00")})
    second, _, _ = team.pull_request(
        "tom-reyes", "p2", {"catalog/products/p2.yaml": product("P-2", "Product 2", "25.00")})
    for number, branch in ((first, "p1"), (second, "p2")):
        applied = team.merge(number, branch)
        assert set(applied.results().values()) == {"success"}, "\n".join(
            job.log() for job in applied.jobs)
    for environment in ENVIRONMENTS:
        prices = team.prices(environment)
        assert (prices["P-1"], prices["P-2"]) == ("15.00", "25.00")


def test_sales_on_100_products_between_review_and_merge_do_not_block_it(
    tmp_path: Path,
) -> None:
    with assembled(tmp_path, stocked=100) as shop:
        number, _, _ = shop.pull_request(
            "maya-okafor", "reprice",
            {"catalog/products/p1.yaml": product("P-1", "Product 1", "9.50")})
        for environment in ENVIRONMENTS:  # customers buy one of each, everywhere
            for item in shop.store(environment, "/v3/catalog/products?limit=250")["data"]:
                if item["sku"].startswith("S-"):
                    shop.store(environment, f"/v3/catalog/products/{item['id']}",
                               {"inventory_level": 84}, method="PUT")
        applied = shop.merge(number, "reprice")
        assert set(applied.results().values()) == {"success"}, applied.jobs[0].log()
        for environment in ENVIRONMENTS:
            products = shop.store(environment, "/v3/catalog/products?limit=250")["data"]
            assert {p["inventory_level"] for p in products if p["sku"].startswith("S-")} == {84}
            assert shop.prices(environment)["P-1"] == "9.50"


def live_theme_setting(team: Team, environment: str, name: str) -> Any:
    """A setting of the theme live on channel 1, read over plain HTTP."""
    active = team.store(environment, "/v3/channels/1/active-theme")["data"]
    configurations = team.store(
        environment, f"/v3/themes/{active['active_theme_uuid']}/configurations"
        f"?uuid:in={active['active_theme_configuration_uuid']}")["data"]
    return configurations[0]["settings"].get(name)


@pytest.fixture
def themed_team(tmp_path: Path) -> Iterator[Team]:
    with assembled(tmp_path, themed=True) as made:
        yield made


def test_a_revert_restores_every_environment_through_a_pull_request_or_a_direct_push(
    themed_team: Team,
) -> None:
    team = themed_team
    theme_path = REPO / "store-state" / "themes" / "ridgeline" / "theme.yaml"
    theme = yaml.safe_load(theme_path.read_text())
    assert {live_theme_setting(team, env, "homepage_featured_products_count")
            for env in ENVIRONMENTS} == {8}
    summer_theme = {**theme, "settings": {**theme["settings"],
                                          "homepage_featured_products_count": 12}}
    number, _, _ = team.pull_request(
        "maya-okafor", "summer", {"catalog/products/p1.yaml": product("P-1", "Product 1", "7.00"),
                                  "catalog/products/p2.yaml": product("P-2", "Product 2", "8.00"),
                                  "themes/ridgeline/theme.yaml": summer_theme})
    team.merge(number, "summer")
    assert {env: team.prices(env)["P-1"] for env in ENVIRONMENTS} == dict.fromkeys(
        ENVIRONMENTS, "7.00")
    assert {live_theme_setting(team, env, "homepage_featured_products_count")
            for env in ENVIRONMENTS} == {12}
    # Revert the merge in a pull request: planned, reviewed, merged like any change.
    clone = team.clone("tom-reyes")
    git(clone, "checkout", "-q", "-b", "revert-summer")
    git(clone, "revert", "--no-edit", "-m", "1", "HEAD")
    git(clone, "push", "-q", "origin", "revert-summer")
    head = git(clone, "rev-parse", "HEAD")
    team.next_pr += 1
    payload = {"number": team.next_pr, "pull_request": {
        "number": team.next_pr, "head": {"sha": head, "ref": "revert-summer"}}}
    packed = team.runner.run("plan.yml", "pull_request", payload, sha=head,
                             ref=f"refs/pull/{team.next_pr}/merge")
    team.runner.run("plan-comment.yml", "workflow_run", {"workflow_run": {
        "id": packed.run_id, "conclusion": "success", "event": "pull_request",
        "head_sha": head}}, sha=team.head(), ref="refs/heads/main")
    applied = team.merge(team.next_pr, "revert-summer")
    assert set(applied.results().values()) == {"success"}, applied.jobs[0].log()
    for environment in ENVIRONMENTS:
        prices = team.prices(environment)
        assert (prices["P-1"], prices["P-2"]) == ("10.00", "20.00")
        assert live_theme_setting(team, environment, "homepage_featured_products_count") == 8
    # An emergency fix pushed straight to main by someone allowed to: applied with its
    # own plan, and the record names who pushed it.
    fixed = team.push_to_main(
        "jlindqvist", {"catalog/products/p3.yaml": product("P-3", "Product 3", "29.00")})
    direct = team.runner.run("apply.yml", "push", {"after": fixed}, sha=fixed,
                             ref="refs/heads/main", actor="jlindqvist")
    assert set(direct.results().values()) == {"success"}, direct.jobs[0].log()
    assert "pushed to main without a pull request" in direct.jobs[0].log()
    for environment in ENVIRONMENTS:
        assert team.prices(environment)["P-3"] == "29.00"
    assert "jlindqvist" in direct.jobs[-1].log()  # the history step's table: who


def test_rolling_back_staging_alone_through_a_pull_request_survives_the_next_merge(
    team: Team,
) -> None:
    before = team.head()
    repriced = {"catalog/products/p1.yaml": product("P-1", "Product 1", "12.50")}
    number, _, _ = team.pull_request("maya-okafor", "reprice", repriced)
    team.merge(number, "reprice")
    # Staging misbehaves with the new price: roll staging alone back, as a pull request.
    clone = team.clone("jlindqvist")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("stagingpro")), "rollback", "staging", "--to",
         before, "--state", str(clone / "store-state"), "--no-fetch"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    branch = git(clone, "branch", "--show-current")
    git(clone, "push", "-q", "origin", branch)
    head = git(clone, "rev-parse", "HEAD")
    team.next_pr += 1
    rollback_pr = team.next_pr
    packed = team.runner.run("plan.yml", "pull_request", {"number": rollback_pr, "pull_request": {
        "number": rollback_pr, "head": {"sha": head, "ref": branch}}}, sha=head,
        ref=f"refs/pull/{rollback_pr}/merge")
    team.runner.run("plan-comment.yml", "workflow_run", {"workflow_run": {
        "id": packed.run_id, "conclusion": "success", "event": "pull_request",
        "head_sha": head}}, sha=team.head(), ref="refs/heads/main")
    [staging_plan] = comments_for(team.github, rollback_pr, "staging")
    assert "12.50" in staging_plan and "10.00" in staging_plan
    assert comments_for(team.github, rollback_pr, "production")[0].count("P-1") == 0
    applied = team.merge(rollback_pr, branch)
    assert set(applied.results().values()) == {"success"}, applied.jobs[0].log()
    assert [team.prices(env)["P-1"] for env in ENVIRONMENTS] == ["10.00", "12.50", "12.50"]
    # The next, unrelated merge: uat and production take it; staging stays rolled back.
    number, _, _ = team.pull_request(
        "tom-reyes", "p2", {"catalog/products/p2.yaml": product("P-2", "Product 2", "22.00")})
    applied = team.merge(number, "p2")
    assert set(applied.results().values()) == {"success"}, applied.jobs[0].log()
    assert [team.prices(env)["P-1"] for env in ENVIRONMENTS] == ["10.00", "12.50", "12.50"]
    assert [team.prices(env)["P-2"] for env in ENVIRONMENTS] == ["20.00", "22.00", "22.00"]
