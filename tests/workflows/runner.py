"""A small GitHub Actions runner for the tests: it plays GitHub for our workflows.

It runs a workflow's jobs as a hosted runner would: a fresh workspace per job, the
``GITHUB_*`` variables and the event payload (``GITHUB_EVENT_PATH``), ``${{ }}``
expressions over the ``github``, ``inputs``, ``matrix``, ``steps``, ``needs`` and
``secrets`` contexts, ``if:`` conditions, ``needs:`` ordering (a job whose needs did not
all succeed is skipped), matrices, local reusable workflows, GitHub Environments (whose
secrets only their jobs see), ``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY``, and every
``run:`` step through ``bash --noprofile --norc -eo pipefail``.

``uses:`` steps of the actions our workflows use are played by local equivalents:
``actions/checkout`` clones the bare ``origin`` at the ref, ``actions/setup-python``
does nothing (the test's Python is on ``PATH``), ``actions/upload-artifact`` and
``actions/download-artifact`` keep artifacts in the GitHub stand-in
(:mod:`tests.github_stand_in`), which also answers the API calls the steps make.

The one step not run as written is StagingPro's install (``scripts/ci-install.sh DIR``):
the runner checks that DIR is a checkout of the *default branch* — never of a pull
request — and puts the StagingPro under test on ``PATH`` instead of installing.

Every step's environment is recorded, so tests can prove which secrets a step held.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.github_stand_in import GitHubState

REPOSITORY = "ridgeline/store"
SERVER_URL = "https://github.com"
INSTALL = re.compile(r"^sh (?:(\S+)/)?scripts/ci-install\.sh (\S+)$")
_run_ids = itertools.count(7001)


# --- expressions ------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\)|,)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_*][A-Za-z0-9_-]*|\[[^\]]+\])*))"
)


class Expression:
    """A GitHub Actions expression: literals, context paths, ``== != && || !``,
    parentheses, and the functions ``success() failure() always() cancelled()
    format() contains()``."""

    def __init__(self, text: str, contexts: Mapping[str, Any], status: str) -> None:
        self.tokens = self._tokenize(text)
        self.position = 0
        self.contexts = contexts
        self.status = status

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens, index = [], 0
        while index < len(text):
            if text[index:].strip() == "":
                break
            match = _TOKEN.match(text, index)
            if not match:
                raise ValueError(f"cannot read expression {text!r} at {index}")
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            index = match.end()
        return tokens

    def evaluate(self) -> Any:
        value = self._or()
        if self.position != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.position]}")
        return value

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == ("op", "||"):
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._compare()
        while self._peek() == ("op", "&&"):
            self._take()
            right = self._compare()
            value = right if truthy(value) else value
        return value

    def _compare(self) -> Any:
        value = self._unary()
        while self._peek() in (("op", "=="), ("op", "!=")):
            _, op = self._take()
            right = self._unary()
            same = _loose(value) == _loose(right)
            value = same if op == "==" else not same
        return value

    def _unary(self) -> Any:
        if self._peek() == ("op", "!"):
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "op" and text == "(":
            value = self._or()
            self._take()
            return value
        if kind == "name":
            if self._peek() == ("op", "("):
                return self._call(text)
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            return self._lookup(text)
        raise ValueError(f"unexpected {text!r}")

    def _call(self, name: str) -> Any:
        self._take()
        arguments: list[Any] = []
        while self._peek() != ("op", ")"):
            arguments.append(self._or())
            if self._peek() == ("op", ","):
                self._take()
        self._take()
        if name == "success":
            return self.status == "success"
        if name == "failure":
            return self.status == "failure"
        if name == "always":
            return True
        if name == "cancelled":
            return False
        if name == "format":
            return re.sub(r"\{(\d+)\}", lambda m: text_of(arguments[int(m[1]) + 1]),
                          str(arguments[0]))
        if name == "contains":
            return str(arguments[1]).lower() in str(arguments[0]).lower()
        raise ValueError(f"unknown function {name}")

    def _lookup(self, path: str) -> Any:
        parts = re.findall(r"[A-Za-z_*][A-Za-z0-9_-]*|\[[^\]]+\]", path)
        value: Any = self.contexts
        for part in parts:
            key = part[1:-1].strip("'") if part.startswith("[") else part
            value = value.get(key) if isinstance(value, Mapping) else None
        return value


def _loose(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "")


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def interpolate(text: str, contexts: Mapping[str, Any], status: str = "success") -> str:
    return re.sub(
        r"\$\{\{(.*?)\}\}",
        lambda m: text_of(Expression(m[1], contexts, status).evaluate()),
        text,
        flags=re.S,
    )


def condition(text: Any, contexts: Mapping[str, Any], status: str) -> bool:
    if text is None:
        return status == "success"
    source = str(text).strip()
    if source.startswith("${{") and source.endswith("}}"):
        source = source[3:-2]
    value = Expression(source, contexts, status).evaluate()
    uses_status = re.search(r"\b(success|failure|always|cancelled)\(", source)
    return truthy(value) and (bool(uses_status) or status == "success")


# --- results ----------------------------------------------------------------------------


@dataclass
class StepRecord:
    name: str
    outcome: str  # success | failure | skipped
    env: dict[str, str]
    outputs: dict[str, str]
    log: str


@dataclass
class JobRecord:
    name: str
    result: str  # success | failure | skipped
    environment: str | None
    steps: list[StepRecord] = field(default_factory=list)
    summary: str = ""

    def log(self) -> str:
        return "\n".join(f"--- {s.name} [{s.outcome}]\n{s.log}" for s in self.steps)


@dataclass
class RunRecord:
    workflow: str
    run_id: int
    jobs: list[JobRecord] = field(default_factory=list)

    def job(self, prefix: str) -> JobRecord:
        found = [j for j in self.jobs if j.name == prefix or j.name.startswith(prefix + " ")]
        assert len(found) == 1, f"{prefix}: {[j.name for j in self.jobs]}"
        return found[0]

    def results(self) -> dict[str, str]:
        return {job.name: job.result for job in self.jobs}

    def all_steps(self) -> Iterator[StepRecord]:
        for job in self.jobs:
            yield from job.steps


# --- the runner -------------------------------------------------------------------------


@dataclass
class Runner:
    """Runs the workflows of the repository in ``origin`` (a bare git repository)."""

    origin: Path
    scratch: Path
    github: GitHubState
    api_url: str
    secrets: dict[str, str] = field(default_factory=dict)
    """Repository secrets (none reach pull-request workflows from forks)."""
    environment_secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    """GitHub Environment name → its secrets."""
    extra_env: dict[str, str] = field(default_factory=dict)
    """Variables of the runner machine itself (the embedded store's file, for example)."""
    default_branch: str = "main"

    def run(
        self,
        workflow: str,
        event_name: str,
        payload: Mapping[str, Any],
        *,
        sha: str,
        ref: str,
        actor: str = "maya-okafor",
        inputs: Mapping[str, Any] | None = None,
        fork: bool = False,
    ) -> RunRecord:
        """Run ``.github/workflows/WORKFLOW`` as of commit ``sha`` for one event."""
        run_id = next(_run_ids)
        definition = self._workflow_at(sha, workflow)
        record = RunRecord(workflow, run_id)
        github = {
            "event_name": event_name, "event": dict(payload), "sha": sha, "ref": ref,
            "repository": REPOSITORY, "run_id": str(run_id), "server_url": SERVER_URL,
            "actor": actor, "token": self.github.token, "api_url": self.api_url,
            "workspace": "", "repository_owner": REPOSITORY.split("/")[0],
        }
        base_inputs = dict(inputs or {})
        self._run_jobs(definition, sha, github, base_inputs, record, fork=fork, prefix="")
        return record

    def _workflow_at(self, sha: str, workflow: str) -> Any:
        text = subprocess.run(
            ["git", "--git-dir", str(self.origin), "show", f"{sha}:.github/workflows/{workflow}"],
            capture_output=True, text=True, check=True,
        ).stdout
        return yaml.load(text, Loader=yaml.BaseLoader)  # strings only, like GitHub

    def _run_jobs(
        self, definition: Any, sha: str, github: dict[str, Any], inputs: dict[str, Any],
        record: RunRecord, *, fork: bool, prefix: str,
    ) -> dict[str, str]:
        declared_inputs = ((definition.get("on") or {}).get("workflow_call") or {}).get("inputs")
        for name, spec in (declared_inputs or {}).items():
            inputs.setdefault(name, spec.get("default", ""))
        results: dict[str, str] = {}
        pending = dict(definition["jobs"])
        while pending:
            for job_id, job in list(pending.items()):
                needs = job.get("needs", [])
                needs = [needs] if isinstance(needs, str) else list(needs)
                if any(need not in results for need in needs):
                    continue
                del pending[job_id]
                status = "success" if all(results[n] == "success" for n in needs) else "failure"
                contexts = {"github": github, "inputs": inputs,
                            "needs": {n: {"result": results[n]} for n in needs}}
                if not condition(job.get("if"), contexts, status):
                    record.jobs.append(JobRecord(f"{prefix}{job_id}", "skipped", None))
                    results[job_id] = "skipped"
                    continue
                if "uses" in job:
                    called = self._workflow_at(sha, job["uses"].split("/")[-1].split()[0])
                    with_inputs = {
                        k: interpolate(v, contexts) for k, v in (job.get("with") or {}).items()
                    }
                    inner = self._run_jobs(called, sha, github, with_inputs, record,
                                           fork=fork, prefix=f"{prefix}{job_id}/")
                    results[job_id] = (
                        "success" if all(r in ("success", "skipped") for r in inner.values())
                        else "failure"
                    )
                    continue
                outcome = "success"
                for matrix in self._matrix(job, contexts):
                    job_record = self._run_job(
                        f"{prefix}{job_id}", job, sha, github, inputs, matrix, fork=fork
                    )
                    record.jobs.append(job_record)
                    if job_record.result != "success":
                        outcome = "failure"
                results[job_id] = outcome
        return results

    @staticmethod
    def _matrix(job: Mapping[str, Any], contexts: Mapping[str, Any]) -> list[dict[str, Any]]:
        matrix = (job.get("strategy") or {}).get("matrix")
        if not matrix:
            return [{}]
        keys = list(matrix)
        return [dict(zip(keys, values, strict=True))
                for values in itertools.product(*(matrix[k] for k in keys))]

    def _run_job(
        self, name: str, job: Mapping[str, Any], sha: str, github: dict[str, Any],
        inputs: dict[str, Any], matrix: dict[str, Any], *, fork: bool,
    ) -> JobRecord:
        label = f"{name} ({', '.join(map(str, matrix.values()))})" if matrix else name
        workspace = self.scratch / f"w{github['run_id']}-{re.sub(r'[^A-Za-z0-9]+', '-', label)}"
        workspace.mkdir(parents=True)
        contexts: dict[str, Any] = {
            "github": {**github, "workspace": str(workspace)},
            "inputs": inputs, "matrix": matrix, "steps": {}, "env": {},
        }
        environment = job.get("environment")
        if isinstance(environment, Mapping):
            environment = environment.get("name")
        environment = interpolate(environment, contexts) if environment else None
        secrets = {} if fork else {**self.secrets, **self.environment_secrets.get(
            environment or "", {})}
        secrets["GITHUB_TOKEN"] = self.github.token
        contexts["secrets"] = secrets
        record = JobRecord(label, "success", environment)
        summary = workspace.parent / f"{workspace.name}.summary"
        summary.write_text("")
        for index, step in enumerate(job.get("steps", [])):
            step_name = step.get("name") or step.get("uses") or step.get("run", "")[:40]
            if not condition(step.get("if"), contexts, record.result):
                record.steps.append(StepRecord(step_name, "skipped", {}, {}, ""))
                continue
            env = {k: interpolate(v, contexts) for k, v in (step.get("env") or {}).items()}
            output_file = workspace.parent / f"{workspace.name}.out{index}"
            output_file.write_text("")
            if "uses" in step:
                outcome, log = self._action(step, contexts, workspace, github, sha)
                outputs: dict[str, str] = {}
            else:
                script = interpolate(step["run"], contexts)
                outcome, log = self._shell(script, env, workspace, github, output_file, summary)
                outputs = _outputs(output_file.read_text())
            record.steps.append(StepRecord(step_name, outcome, env, outputs, log))
            if "id" in step:
                contexts["steps"][step["id"]] = {"outputs": outputs, "outcome": outcome}
            if outcome == "failure":
                record.result = "failure"
        record.summary = summary.read_text()
        return record

    def _shell(
        self, script: str, env: Mapping[str, str], workspace: Path, github: Mapping[str, Any],
        output_file: Path, summary: Path,
    ) -> tuple[str, str]:
        install = INSTALL.match(script.strip())
        if install:
            return self._install(install[1] or ".", install[2], workspace)
        event_path = workspace.parent / f"{workspace.name}.event.json"
        event_path.write_text(json.dumps(github["event"]))
        variables = {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": str(workspace), "CI": "true", "GITHUB_ACTIONS": "true",
            "GITHUB_SHA": github["sha"], "GITHUB_REF": github["ref"],
            "GITHUB_REPOSITORY": REPOSITORY, "GITHUB_RUN_ID": github["run_id"],
            "GITHUB_SERVER_URL": SERVER_URL, "GITHUB_API_URL": self.api_url,
            "GITHUB_EVENT_NAME": github["event_name"], "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_ACTOR": github["actor"], "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary),
            "LANG": "C.UTF-8",
            **self.extra_env, **env,
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=workspace, env=variables, capture_output=True, text=True, timeout=600,
            check=False,
        )
        log = done.stdout + done.stderr
        return ("success" if done.returncode == 0 else "failure"), log

    def _install(self, script_root: str, checkout: str, workspace: Path) -> tuple[str, str]:
        # Installing would take minutes; what matters is *what* would be installed: the
        # default branch's code, never a pull request's.
        folder = (workspace / checkout).resolve()
        assert folder == (workspace / script_root).resolve(), "install script from elsewhere"
        head = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        branch = subprocess.run(
            ["git", "--git-dir", str(self.origin), "rev-parse",
             f"refs/heads/{self.default_branch}"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        ancestry = subprocess.run(
            ["git", "--git-dir", str(self.origin), "merge-base", "--is-ancestor", head, branch],
            check=False,
        )
        assert ancestry.returncode == 0, f"installs {head}, which is not on {self.default_branch}"
        return "success", f"installed StagingPro from {checkout} at {head}"

    def _action(
        self, step: Mapping[str, Any], contexts: dict[str, Any], workspace: Path,
        github: Mapping[str, Any], sha: str,
    ) -> tuple[str, str]:
        action = step["uses"].split("@")[0]
        options = {k: interpolate(v, contexts) for k, v in (step.get("with") or {}).items()}
        if action == "actions/checkout":
            target = workspace / options.get("path", ".")
            ref = options.get("ref") or self._checkout_ref(github, sha)
            depth = [] if options.get("fetch-depth") == "0" else ["--depth", "1"]
            target.mkdir(parents=True, exist_ok=True)
            subprocess.run(["git", "init", "-q", str(target)], check=True)
            subprocess.run(["git", "-C", str(target), "remote", "add", "origin",
                            str(self.origin)], check=True)
            subprocess.run(["git", "-C", str(target), "fetch", "-q", *depth, "origin", ref],
                           check=True)
            subprocess.run(["git", "-C", str(target), "checkout", "-q", "FETCH_HEAD"], check=True)
            return "success", f"checked out {ref}"
        if action == "actions/setup-python":
            return "success", "python on PATH"
        if action == "actions/upload-artifact":
            source = workspace / options["path"]
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                files = [source] if source.is_file() else sorted(source.rglob("*"))
                for path in files:
                    if path.is_file():
                        member = path.name if source.is_file() else str(path.relative_to(source))
                        archive.writestr(member, path.read_bytes())
            artifact_id = self.github.add_artifact(options["name"], _unzip(buffer.getvalue()))
            self.github.artifacts[-1]["workflow_run"] = {"id": int(github["run_id"])}
            return "success", f"uploaded artifact {artifact_id}"
        if action == "actions/download-artifact":
            run_id = int(options.get("run-id") or github["run_id"])
            found = [a for a in self.github.artifacts if a["name"] == options["name"]
                     and a.get("workflow_run", {}).get("id") == run_id]
            if not found:
                return "failure", f"no artifact {options['name']} in run {run_id}"
            target = workspace / options.get("path", ".")
            for member, content in found[-1]["files"].items():
                (target / member).parent.mkdir(parents=True, exist_ok=True)
                (target / member).write_bytes(content)
            return "success", f"downloaded {options['name']}"
        raise AssertionError(f"the runner does not know the action {action}")

    def _checkout_ref(self, github: Mapping[str, Any], sha: str) -> str:
        if github["event_name"] == "workflow_run":
            return f"refs/heads/{self.default_branch}"
        return sha


def _outputs(text: str) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            name, delimiter = line.split("<<", 1)
            value = list(itertools.takewhile(lambda entry, d=delimiter: entry != d, lines))
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def git(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run git in ``cwd`` as a developer would; return its output."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def clean(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
