"""The storefront paths BigCommerce's own tools call on a store's URL, beside the API.

``stencil push``/``pull``/``download`` first ask ``GET {store URL}/admin/oauth/info`` for the
store hash and ``GET {store URL}/stencil-version-check?v=…`` whether their version is served;
``stencil download`` then fetches the zip a download job names
(``/theme-downloads/{store_hash}/{job_id}.zip``, see
:mod:`reconciler.sandbox.resources.themes`). The served host is every store's URL
(``GET /v2/store`` reports it as ``secure_url``), so the store a storefront request is for is
the one whose hash is the first label of its ``Host`` (``shop.localhost:8765``), else the only
store in the file. None of these paths takes an access token, as on BigCommerce.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from reconciler.sandbox.http import ApiProblem, json_response
from reconciler.sandbox.resources.themes import DOWNLOAD_PREFIX, bundle_download
from reconciler.sandbox.storage import SandboxDB

STORE_HASH_PATH = "/admin/oauth/info"
VERSION_CHECK_PATH = "/stencil-version-check"
_DOWNLOAD = re.compile(rf"^{re.escape(DOWNLOAD_PREFIX)}(?P<hash>[^/]+)/(?P<job>[^/]+)\.zip$")


def is_storefront_path(path: str) -> bool:
    """Whether ``path`` is one of the storefront paths this module answers."""
    return path in (STORE_HASH_PATH, VERSION_CHECK_PATH) or path.startswith(DOWNLOAD_PREFIX)


async def serve_storefront(db: SandboxDB, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one storefront request (``GET`` only; anything else is a 405)."""
    request = Request(scope, receive)
    try:
        response = _answer(db, request)
    except ApiProblem as problem:
        response = json_response(problem.body(), problem.status, problem.headers)
    await response(scope, receive, send)


def _answer(db: SandboxDB, request: Request) -> Response:
    if request.method not in ("GET", "HEAD"):
        raise ApiProblem(405, "Method not allowed", {"method": "storefront paths take GET"})
    db.refresh()
    path = request.url.path
    if path == VERSION_CHECK_PATH:
        return json_response({"status": "ok"})
    if path == STORE_HASH_PATH:
        return json_response({"store_hash": _store_for(db, request.headers.get("host", ""))})
    found = _DOWNLOAD.match(path)
    data = (
        bundle_download(db.store(found["hash"]), found["job"])
        if found is not None and db.has_store(found["hash"])
        else None
    )
    if data is None:
        raise ApiProblem(404, "Download not found", {"download": "no theme download here"})
    return Response(data, media_type="application/zip")


def _store_for(db: SandboxDB, host: str) -> str:
    """The store a storefront ``Host`` names (see the module docstring)."""
    label = host.split(".", 1)[0] if "." in host.split(":", 1)[0] else ""
    if label and db.has_store(label):
        return label
    hashes = db.store_hashes()
    if len(hashes) == 1:
        return hashes[0]
    raise ApiProblem(
        404,
        "Store not found",
        {
            "host": f"{len(hashes)} stores are served here: reach one as"
            f" http://<store_hash>.<host>:<port> (a name that resolves to this server)"
        },
    )
