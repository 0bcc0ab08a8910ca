"""GitHub's side of the team loop: the plan comment, commit statuses, the reviewed plan.

Everything here talks to the REST API at ``$GITHUB_API_URL`` (set by every Actions
runner; ``https://api.github.com`` by default) as the repository ``$GITHUB_REPOSITORY``,
with the token from an environment variable (``GITHUB_TOKEN`` by default, redacted from
every output like the store tokens).

* **The plan comment** is *sticky*: one comment per pull request and environment,
  found again by its first line, the hidden marker ``<!-- stagingpro:plan:ENV -->``,
  **and** by its author (the bot the token belongs to), then edited in place. The last
  line carries the plan's checksum, ``<!-- stagingpro:checksum:ENV:SHA -->``.
* **The reviewed plan** of a merged pull request is read back from that comment only:
  a comment by anybody else — an outsider pasting a checksum, or a product name in
  another environment's comment that happens to contain marker text — is never taken
  (:func:`reviewed_checksum`). The markers are HTML comments, which the Markdown
  renderer never emits from item data (it escapes ``<``), and only the exact first and
  last lines count.
* **The reviewed plan itself** is the plan JSON the plan workflow uploaded as the
  artifact ``stagingpro-plan-ENV-CHECKSUM`` (:func:`plan_artifact_name`). Anyone able to
  run a workflow could upload an artifact of that name, so its content is trusted only
  because the plan's own checksum, recomputed on loading, equals the reviewed checksum.
* **Commit statuses** (``stagingpro/plan: ENV``) let branch protection require a clean
  plan, as Atlantis does.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from reconciler.errors import ConfigError, LiveError
from reconciler.secrets import read_secret, redact

GITHUB_API_URL = "https://api.github.com"
COMMENT_LIMIT = 65_536
"""The most characters GitHub accepts in one issue comment."""
DESCRIPTION_LIMIT = 140
"""The most characters GitHub keeps of a commit status description."""
BOT_LOGIN = "github-actions[bot]"
"""The author of comments made with a workflow's ``GITHUB_TOKEN``."""
STATUS_CONTEXT = "stagingpro/plan: {environment}"
TIMEOUT_S = 30.0

StatusState = Literal["pending", "success", "failure", "error"]

_CHECKSUM_LINE = re.compile(
    r"<!-- stagingpro:checksum:(?P<env>[a-z0-9_-]+):(?P<sum>[0-9a-f]{64}) -->"
)
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


MAX_ARTIFACT_BYTES = 64 * 1024 * 1024
"""The largest plan artifact read (a 50,000-product plan is a few tens of MB)."""


def plan_artifact_name(environment: str, checksum: str) -> str:
    """The name of the artifact holding ``environment``'s plan with ``checksum``."""
    return f"stagingpro-plan-{environment}-{checksum}"


def plan_marker(environment: str) -> str:
    """The first line of ``environment``'s plan comment."""
    return f"<!-- stagingpro:plan:{environment} -->"


def checksum_line(environment: str, checksum: str) -> str:
    """The last line of a plan comment: which plan was shown."""
    return f"<!-- stagingpro:checksum:{environment}:{checksum} -->"


@dataclass(frozen=True)
class Comment:
    """An issue (pull request) comment as the API gives it."""

    id: int
    author: str
    author_type: str
    body: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Comment:
        user = data.get("user") or {}
        return cls(
            id=int(data["id"]),
            author=str(user.get("login", "")),
            author_type=str(user.get("type", "")),
            body=str(data.get("body") or ""),
        )


def comment_body(environment: str, markdown: str, checksum: str | None) -> str:
    """The whole comment: marker, the plan's Markdown, the checksum line; cut to fit
    GitHub's limit (the markers always survive, with a note that the plan was cut)."""
    head = plan_marker(environment) + "\n"
    tail = ("\n" + checksum_line(environment, checksum)) if checksum else ""
    room = COMMENT_LIMIT - len(head) - len(tail)
    text = markdown.rstrip("\n")
    if len(text) > room:
        note = "\n\n…the plan was cut to fit GitHub's comment limit; the plan artifact has it all."
        text = text[: room - len(note)] + note
    return head + text + tail


def reviewed_checksum(
    comments: Sequence[Comment], environment: str, bot_login: str = BOT_LOGIN
) -> str | None:
    """The checksum of the last plan for ``environment`` that ``bot_login`` commented,
    or ``None`` (module docstring: why nobody else's comment counts)."""
    found: str | None = None
    for comment in comments:
        if comment.author != bot_login or comment.author_type != "Bot":
            continue
        lines = comment.body.splitlines()
        if len(lines) < 2 or lines[0] != plan_marker(environment):
            continue
        match = _CHECKSUM_LINE.fullmatch(lines[-1])
        if match and match["env"] == environment:
            found = match["sum"]
    return found


class GitHub:
    """A small client of GitHub's REST API for one repository (use as a context manager)."""

    def __init__(
        self,
        repository: str,
        token: str,
        *,
        api_url: str = GITHUB_API_URL,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository):
            raise ConfigError(
                f"not a GitHub repository name: {repository!r}",
                hint="set GITHUB_REPOSITORY to OWNER/NAME (Actions sets it for you)",
            )
        self.repository = repository
        self._http = httpx.Client(
            base_url=api_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "stagingpro",
            },
            timeout=TIMEOUT_S,
            transport=transport,
        )

    @classmethod
    def from_environment(
        cls, token_env: str = "GITHUB_TOKEN", *, transport: httpx.BaseTransport | None = None
    ) -> GitHub:
        """The repository, API URL and token of the running workflow."""
        repository = os.environ.get("GITHUB_REPOSITORY", "")
        token = read_secret(token_env, purpose="a GitHub token of this repository")
        api_url = os.environ.get("GITHUB_API_URL", "") or GITHUB_API_URL
        return cls(repository, token, api_url=api_url, transport=transport)

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise LiveError(
                f"GitHub {method} {path}: {type(error).__name__}: {redact(str(error))}"
            ) from None
        if response.status_code >= 400:
            message = response.text[:500]
            with contextlib.suppress(ValueError, AttributeError):
                message = str(response.json().get("message", message))
            raise LiveError(
                f"GitHub {method} {path} answered {response.status_code}: {redact(message)}",
                hint="the workflow's token needs pull-requests: write and statuses: write"
                if response.status_code in (401, 403, 404) else "",
            )
        return response

    def _pages(self, path: str) -> Iterator[Any]:
        url: str | None = f"{path}?per_page=100"
        while url is not None:
            response = self._call("GET", url)
            yield from response.json()
            found = _NEXT_LINK.search(response.headers.get("link", ""))
            url = found.group(1) if found else None

    def comments(self, pull_request: int) -> list[Comment]:
        """Every comment of ``pull_request``, oldest first."""
        path = f"/repos/{self.repository}/issues/{pull_request}/comments"
        return [Comment.from_api(item) for item in self._pages(path)]

    def upsert_plan_comment(
        self, pull_request: int, environment: str, body: str, bot_login: str = BOT_LOGIN
    ) -> tuple[Literal["created", "updated"], int]:
        """Edit this bot's plan comment for ``environment``, or create it."""
        marker = plan_marker(environment)
        own = [
            c for c in self.comments(pull_request)
            if c.author == bot_login and c.body.splitlines()[:1] == [marker]
        ]
        if own:
            target = own[-1].id
            self._call(
                "PATCH", f"/repos/{self.repository}/issues/comments/{target}", json={"body": body}
            )
            return "updated", target
        created = self._call(
            "POST", f"/repos/{self.repository}/issues/{pull_request}/comments", json={"body": body}
        )
        return "created", int(created.json()["id"])

    def set_status(
        self,
        sha: str,
        environment: str,
        state: StatusState,
        description: str,
        target_url: str | None = None,
    ) -> None:
        """Set the commit status ``stagingpro/plan: ENV`` of ``sha``."""
        if not re.fullmatch(r"[0-9a-f]{40}([0-9a-f]{24})?", sha):
            raise ConfigError(f"not a commit SHA: {sha!r}", hint="pass the full 40-hex SHA")
        body: dict[str, str] = {
            "state": state,
            "context": STATUS_CONTEXT.format(environment=environment),
            "description": description[:DESCRIPTION_LIMIT],
        }
        if target_url:
            body["target_url"] = target_url
        self._call("POST", f"/repos/{self.repository}/statuses/{sha}", json=body)

    def merged_pull_request(self, sha: str) -> int | None:
        """The pull request merged as commit ``sha`` (its merge, squash or rebase commit),
        if any; a pull request that merely contains ``sha`` does not count."""
        for item in self._call("GET", f"/repos/{self.repository}/commits/{sha}/pulls").json():
            if item.get("merge_commit_sha") == sha:
                return int(item["number"])
        return None

    def artifact_file(self, name: str, member: str) -> bytes | None:
        """File ``member`` of the newest unexpired artifact called ``name`` (``None``
        when there is no such artifact)."""
        listing = self._call(
            "GET", f"/repos/{self.repository}/actions/artifacts",
            params={"name": name, "per_page": 100},
        ).json()
        found = [
            a for a in listing.get("artifacts", [])
            if a.get("name") == name and not a.get("expired")
        ]
        if not found:
            return None
        newest = max(found, key=lambda a: (str(a.get("created_at", "")), int(a["id"])))
        # The archive URL answers with a redirect to storage on another host; httpx does
        # not send the Authorization header across origins.
        response = self._call(
            "GET", f"/repos/{self.repository}/actions/artifacts/{int(newest['id'])}/zip",
            follow_redirects=True,
        )
        if len(response.content) > MAX_ARTIFACT_BYTES:
            raise LiveError(f"artifact {name} is larger than {MAX_ARTIFACT_BYTES} bytes")
        try:
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                info = archive.getinfo(member)
                if info.file_size > MAX_ARTIFACT_BYTES:
                    raise LiveError(f"{member} in artifact {name} is too large")
                return archive.read(info)
        except (zipfile.BadZipFile, KeyError) as error:
            raise LiveError(f"artifact {name} holds no readable {member}: {error}") from None
