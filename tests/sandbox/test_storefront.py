"""The storefront paths stencil-cli calls: store-hash discovery, version check, downloads."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store
from tests.sandbox.conftest import StoreClient
from tests.sandbox.serving import served
from tests.sandbox.test_themes import bundle


def test_the_only_store_answers_the_store_hash_lookup(store: StoreClient) -> None:
    info = store.http.get("/admin/oauth/info")
    assert info.status_code == 200 and info.json() == {"store_hash": "teststore"}
    check = store.http.get("/stencil-version-check", params={"v": "10.0.0"})
    assert check.status_code == 200 and check.json()["status"] == "ok"


def test_with_several_stores_the_host_names_the_store(
    http: TestClient, sandbox_db: SandboxDB
) -> None:
    create_store(sandbox_db, "north")
    create_store(sandbox_db, "south")
    named = http.get("/admin/oauth/info", headers={"Host": "south.localhost:8765"})
    assert named.json() == {"store_hash": "south"}
    unnamed = http.get("/admin/oauth/info", headers={"Host": "127.0.0.1:8765"})
    assert unnamed.status_code == 404 and "<store_hash>" in unnamed.json()["errors"]["host"]
    assert http.post("/admin/oauth/info").status_code == 405


@pytest.fixture(scope="module")
def served_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A client of ``sandbox serve`` (a real process) with the one store ``shop``."""
    db = tmp_path_factory.mktemp("storefront") / "sandbox.db"
    setup = SandboxDB(db)
    create_store(setup, "shop")
    setup.close()
    with served(db) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_served_store_url_leads_to_its_store_hash(served_shop: httpx.Client) -> None:
    info = served_shop.get("/stores/shop/v2/store", headers={"X-Auth-Token": DEFAULT_TOKEN})
    store_url = info.json()["secure_url"]
    assert store_url == str(served_shop.base_url).rstrip("/")
    lookup = served_shop.get(f"{store_url}/admin/oauth/info")
    assert lookup.status_code == 200 and lookup.json() == {"store_hash": "shop"}


def test_served_theme_jobs_take_a_moment_then_download(served_shop: httpx.Client) -> None:
    headers = {"X-Auth-Token": DEFAULT_TOKEN}
    uploaded = bundle()
    files = {"file": ("theme.zip", uploaded, "application/zip")}
    job_id = served_shop.post("/stores/shop/v3/themes", files=files, headers=headers).json()[
        "job_id"
    ]
    statuses = []
    deadline = time.monotonic() + 20
    while not statuses or statuses[-1] not in ("COMPLETED", "FAILED"):
        assert time.monotonic() < deadline, statuses
        job = served_shop.get(f"/stores/shop/v3/themes/jobs/{job_id}", headers=headers)
        statuses.append(job.json()["data"]["status"])
        time.sleep(0.2)
    assert statuses[0] in ("QUEUED", "WORKING") and statuses[-1] == "COMPLETED", statuses
    theme_id = job.json()["data"]["result"]["theme_id"]
    download = served_shop.post(
        f"/stores/shop/v3/themes/{theme_id}/actions/download", json={}, headers=headers
    ).json()["job_id"]
    time.sleep(2)
    result = served_shop.get(f"/stores/shop/v3/themes/jobs/{download}", headers=headers)
    url = result.json()["data"]["result"]["download_url"]
    assert url.startswith(str(served_shop.base_url).rstrip("/"))
    assert served_shop.get(url).content == uploaded
