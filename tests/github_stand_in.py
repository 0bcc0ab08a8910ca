"""A stand-in for GitHub's REST API on loopback, for the commands and workflows that call it.

It serves the few endpoints StagingPro uses (issue comments, commit statuses, the pull
requests of a commit), answers like GitHub (ids, ``user`` objects, ``Link`` pagination,
401 without ``Authorization: Bearer``), and records every request so tests can check
the exact requests made.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.loopback import serve_asgi

BOT = {"login": "github-actions[bot]", "type": "Bot"}


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class GitHubState:
    """What the stand-in knows; tests arrange it directly."""

    token: str = "ghs_stand_in_token_0001"
    token_user: dict[str, str] = field(default_factory=lambda: dict(BOT))
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    merged: dict[str, int] = field(default_factory=dict)
    """Merge commit SHA → pull request number."""
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    """``{id, name, created_at, expired, files: {name: bytes}}``, oldest first."""
    requests: list[Recorded] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))

    def add_artifact(self, name: str, files: dict[str, bytes], *, expired: bool = False) -> int:
        artifact_id = next(self._ids)
        self.artifacts.append({
            "id": artifact_id, "name": name, "expired": expired, "files": dict(files),
            "created_at": f"2026-12-04T10:{len(self.artifacts):02d}:00Z",
        })
        return artifact_id

    def add_comment(self, pull_request: int, body: str, user: dict[str, str]) -> int:
        comment_id = next(self._ids)
        self.comments.setdefault(pull_request, []).append(
            {"id": comment_id, "body": body, "user": dict(user)}
        )
        return comment_id


def github_app(state: GitHubState) -> Starlette:
    """The stand-in's ASGI app over ``state``."""

    async def recorded(request: Request) -> Response | None:
        raw = await request.body()
        body: Any = None
        if raw:
            body = await request.json()
        state.requests.append(Recorded(
            request.method, request.url.path, request.url.query, dict(request.headers), body
        ))
        if request.headers.get("authorization") != f"Bearer {state.token}":
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return None

    async def comments(request: Request) -> Response:
        refused = await recorded(request)
        if refused:
            return refused
        number = int(request.path_params["number"])
        if request.method == "POST":
            comment_id = state.add_comment(
                number, (state.requests[-1].body or {})["body"], state.token_user
            )
            return JSONResponse({"id": comment_id}, status_code=201)
        items = state.comments.get(number, [])
        per_page = int(request.query_params.get("per_page", "30"))
        page = int(request.query_params.get("page", "1"))
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(items):
            path = request.url.path
            headers["link"] = (
                f'<{request.base_url}{path.lstrip("/")}?per_page={per_page}&page={page + 1}>;'
                ' rel="next"'
            )
        return JSONResponse(chunk, headers=headers)

    async def comment(request: Request) -> Response:
        refused = await recorded(request)
        if refused:
            return refused
        wanted = int(request.path_params["comment_id"])
        for items in state.comments.values():
            for item in items:
                if item["id"] == wanted:
                    if item["user"]["login"] != state.token_user["login"]:
                        return JSONResponse({"message": "Forbidden"}, status_code=403)
                    item["body"] = (state.requests[-1].body or {})["body"]
                    return JSONResponse(item)
        return JSONResponse({"message": "Not Found"}, status_code=404)

    async def statuses(request: Request) -> Response:
        refused = await recorded(request)
        if refused:
            return refused
        body = state.requests[-1].body or {}
        state.statuses.setdefault(request.path_params["sha"], []).append(body)
        return JSONResponse({"id": next(state._ids), **body}, status_code=201)

    async def pulls_of_commit(request: Request) -> Response:
        refused = await recorded(request)
        if refused:
            return refused
        sha = request.path_params["sha"]
        number = state.merged.get(sha)
        if number is None:
            return JSONResponse([])
        return JSONResponse([{"number": number, "merge_commit_sha": sha, "state": "closed"}])

    async def artifacts(request: Request) -> Response:
        refused = await recorded(request)
        if refused:
            return refused
        name = request.query_params.get("name")
        listed = [
            {key: value for key, value in a.items() if key != "files"}
            for a in state.artifacts if name is None or a["name"] == name
        ]
        return JSONResponse({"total_count": len(listed), "artifacts": listed})

    async def artifact_zip(request: Request) -> Response:
        refused = await recorded(request)
        if refused:
            return refused
        wanted = int(request.path_params["artifact_id"])
        # Like GitHub: a redirect to storage on another host, which must not get the token.
        storage_url = request.url.replace(hostname="localhost", path=f"/_storage/{wanted}")
        return Response(status_code=302, headers={"location": str(storage_url)})

    async def storage(request: Request) -> Response:
        state.requests.append(Recorded(
            request.method, request.url.path, request.url.query, dict(request.headers), None
        ))
        wanted = int(request.path_params["artifact_id"])
        for artifact in state.artifacts:
            if artifact["id"] == wanted:
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w") as archive:
                    for member, content in artifact["files"].items():
                        archive.writestr(member, content)
                return Response(buffer.getvalue(), media_type="application/zip")
        return Response(status_code=404)

    repo = "/repos/{owner}/{name}"
    return Starlette(routes=[
        Route(f"{repo}/issues/{{number:int}}/comments", comments, methods=["GET", "POST"]),
        Route(f"{repo}/issues/comments/{{comment_id:int}}", comment, methods=["PATCH"]),
        Route(f"{repo}/statuses/{{sha}}", statuses, methods=["POST"]),
        Route(f"{repo}/commits/{{sha}}/pulls", pulls_of_commit, methods=["GET"]),
        Route(f"{repo}/actions/artifacts", artifacts, methods=["GET"]),
        Route(f"{repo}/actions/artifacts/{{artifact_id:int}}/zip", artifact_zip, methods=["GET"]),
        Route("/_storage/{artifact_id:int}", storage, methods=["GET"]),
    ])


@contextmanager
def served_github(state: GitHubState) -> Iterator[str]:
    """Serve the stand-in on a loopback port; yield its base URL (``GITHUB_API_URL``)."""
    with serve_asgi(github_app(state)) as url:
        yield url
