"""Themes V3 in the sandbox: stock theme, bundle upload jobs, limits, activation, configurations."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.limits import ManualClock
from reconciler.sandbox.resources.themes import MAX_BUNDLE_BYTES, MAX_CUSTOM_THEMES
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import create_store
from tests.sandbox.conftest import StoreClient

THEMES = "/v3/themes"


def bundle(
    config: dict[str, Any] | None = None,
    *,
    templates: bool = True,
    with_config: bool = True,
    raw_config: bytes | None = None,
    extra: dict[str, str] | None = None,
) -> bytes:
    """A Stencil bundle zip built in memory; ``extra`` adds files (path → text)."""
    if config is None:
        config = {
            "name": "Trail",
            "version": "1.0.0",
            "meta": {"author_name": "Trail Outfitters"},
            "settings": {"color-primary": "#000000", "show_banner": True},
            "variations": [
                {
                    "name": "Day",
                    "id": "day",
                    "meta": {"description": "Bright"},
                    "settings": {"color-primary": "#ffffff"},
                },
                {"name": "Night", "id": "night", "meta": {"description": "Dark"}},
            ],
        }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if with_config:
            archive.writestr("config.json", raw_config or json.dumps(config).encode())
        if templates:
            archive.writestr("templates/pages/home.html", "<h1>home</h1>")
        archive.writestr("assets/scss/theme.scss", "body{}")
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def without_author() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(zipfile.ZipFile(io.BytesIO(bundle())).read("config.json"))
    del config["meta"]
    return config


def upload(store: StoreClient, data: bytes) -> dict[str, Any]:
    """Upload ``data`` and return the finished job."""
    response = store.post(THEMES, files={"file": ("theme.zip", data, "application/zip")})
    assert response.status_code == 201, response.text
    job_id = response.json()["job_id"]
    job = store.get(f"{THEMES}/jobs/{job_id}")
    assert job.status_code == 200
    return job.json()["data"]  # type: ignore[no-any-return]


def install(store: StoreClient, **changes: Any) -> dict[str, Any]:
    config = json.loads(zipfile.ZipFile(io.BytesIO(bundle())).read("config.json"))
    config.update(changes)
    job = upload(store, bundle(config))
    assert job["status"] == "COMPLETED", job
    return store.get(f"{THEMES}/{job['result']['theme_id']}").json()["data"]  # type: ignore[no-any-return]


def test_every_store_starts_with_cornerstone_active(store: StoreClient) -> None:
    themes = store.get(THEMES).json()["data"]
    assert [(t["name"], t["is_active"], t["is_private"]) for t in themes] == [
        ("Cornerstone", True, False)
    ]
    assert store.get(THEMES).json()["data"] == themes  # stable uuids across reads
    live = store.get("/v3/channels/1/active-theme").json()["data"]
    assert live["active_theme_uuid"] == themes[0]["uuid"]
    assert live["active_theme_version_uuid"] == themes[0]["variations"][0]["uuid"]


def test_upload_completes_with_variations_from_config(store: StoreClient) -> None:
    theme = install(store)
    assert theme["name"] == "Trail" and theme["is_private"] is True
    assert theme["is_active"] is False
    assert [(v["name"], v["external_id"], v["description"]) for v in theme["variations"]] == [
        ("Day", "day", "Bright"),
        ("Night", "night", "Dark"),
    ]


@pytest.mark.parametrize(
    "data, code",
    [
        (b"this is not a zip", "TR-300"),
        (bundle(with_config=False), "TR-800"),
        (bundle(raw_config=b"{not json"), "TR-800"),
        (bundle({"version": "1.0", "variations": [{"name": "A", "id": "a"}]}), "TR-800"),
        (bundle({"name": "X", "variations": [{"name": "A", "id": "a"}]}), "TR-800"),
        (bundle({"name": "X", "version": "1.0"}), "TR-800"),
        (bundle({"name": "X", "version": "1.0", "variations": [{"name": "A"}]}), "TR-901"),
        (
            bundle(
                {
                    "name": "X",
                    "version": "1.0",
                    "variations": [{"name": "A", "id": "a"}, {"name": "B", "id": "a"}],
                }
            ),
            "TR-902",
        ),
        (bundle(templates=False), "TR-600"),
        (bundle(templates=False, extra={"templates/pages/product.html": "<p></p>"}), "TR-600"),
        (bundle(extra={"templates/pages/notes.txt": "draft"}), "TR-601"),
        (bundle(extra={"templates/components/card.hbs": "{{x}}"}), "TR-601"),
        (bundle(extra={"assets/shell.php": "<?php ?>"}), "TR-400"),
        (bundle(extra={"tools/setup.EXE": "MZ"}), "TR-400"),
        (bundle(without_author()), "TR-900"),
    ],
)
def test_broken_bundles_fail_the_job(store: StoreClient, data: bytes, code: str) -> None:
    job = upload(store, data)
    assert job["status"] == "FAILED"
    assert job["errors"][0]["error"] == code and job["errors"][0]["message"]
    assert len(store.get(THEMES).json()["data"]) == 1


def test_bundle_over_50_mb_fails(store: StoreClient) -> None:
    job = upload(store, bytes(MAX_BUNDLE_BYTES + 1))
    assert job["status"] == "FAILED" and job["errors"][0]["error"] == "TR-500"


def test_a_theme_pushed_again_is_kept_under_a_numbered_name(store: StoreClient) -> None:
    first = install(store)
    again = install(store)
    newer = install(store, version="1.0.1")
    assert [first["name"], again["name"], newer["name"]] == ["Trail", "Trail (1)", "Trail (2)"]
    assert len({first["uuid"], again["uuid"], newer["uuid"]}) == 3


def test_twenty_custom_themes_at_most(store: StoreClient) -> None:
    for n in range(MAX_CUSTOM_THEMES):
        install(store, version=f"1.0.{n}")
    response = store.post(THEMES, files={"file": ("t.zip", bundle(), "application/zip")})
    assert response.status_code == 409
    assert "upload limit" in response.json()["title"]
    first = store.get(THEMES).json()["data"][1]
    assert store.delete(f"{THEMES}/{first['uuid']}").status_code == 204
    job = upload(store, bundle())
    assert job["status"] == "COMPLETED"


def test_activate_switches_the_channel_and_protects_the_active_theme(store: StoreClient) -> None:
    stock = store.get(THEMES).json()["data"][0]
    theme = install(store)
    night = theme["variations"][1]["uuid"]
    response = store.post(
        f"{THEMES}/actions/activate",
        params={"channel_id": 1},
        json={"variation_id": night, "which": "original"},
    )
    assert response.status_code == 204
    by_uuid = {t["uuid"]: t for t in store.get(THEMES).json()["data"]}
    assert by_uuid[theme["uuid"]]["is_active"] is True
    assert by_uuid[stock["uuid"]]["is_active"] is False
    live = store.get("/v3/channels/1/active-theme").json()["data"]
    assert (live["active_theme_uuid"], live["active_theme_version_uuid"]) == (theme["uuid"], night)
    assert store.delete(f"{THEMES}/{theme['uuid']}").status_code == 422
    assert store.delete(f"{THEMES}/{stock['uuid']}").status_code == 204


def test_activate_validation(store: StoreClient) -> None:
    theme = install(store)
    variation = theme["variations"][0]["uuid"]
    assert store.post(f"{THEMES}/actions/activate", json={"which": "original"}).status_code == 422
    bad_which = store.post(
        f"{THEMES}/actions/activate", json={"variation_id": variation, "which": "newest"}
    )
    assert bad_which.status_code == 422
    unknown = store.post(f"{THEMES}/actions/activate", json={"variation_id": "nope"})
    assert unknown.status_code == 404
    other_channel = store.post(
        f"{THEMES}/actions/activate", params={"channel_id": 9}, json={"variation_id": variation}
    )
    assert other_channel.status_code == 404


def test_which_picks_the_configuration(store: StoreClient) -> None:
    stock = store.get(THEMES).json()["data"][0]
    stock_variation = stock["variations"][0]["uuid"]
    theme = install(store)
    day = theme["variations"][0]["uuid"]
    original = store.get(
        f"{THEMES}/{theme['uuid']}/configurations", params={"variation_uuid": day}
    ).json()["data"]
    assert len(original) == 1
    assert original[0]["settings"] == {"color-primary": "#ffffff", "show_banner": True}

    def activate(variation: str, which: str) -> str:
        response = store.post(
            f"{THEMES}/actions/activate", json={"variation_id": variation, "which": which}
        )
        assert response.status_code == 204
        live = store.get("/v3/channels/1/active-theme").json()["data"]
        return str(live["active_theme_configuration_uuid"])

    assert activate(day, "original") == original[0]["uuid"]
    rollback = activate(stock_variation, "last_activated")
    assert (
        rollback
        == store.get(
            f"{THEMES}/{stock['uuid']}/configurations", params={"variation_uuid": stock_variation}
        ).json()["data"][0]["uuid"]
    )
    assert activate(day, "last_activated") == original[0]["uuid"]
    assert activate(day, "last_created") == original[0]["uuid"]


def test_configurations_need_a_filter_and_filter_by_channel(store: StoreClient) -> None:
    stock = store.get(THEMES).json()["data"][0]
    path = f"{THEMES}/{stock['uuid']}/configurations"
    assert store.get(path).status_code == 422
    live = store.get(path, params={"channel_id:in": "1"}).json()["data"]
    active = store.get("/v3/channels/1/active-theme").json()["data"]
    assert [c["uuid"] for c in live] == [active["active_theme_configuration_uuid"]]
    assert len(store.get(path, params={"uuid:in": live[0]["uuid"]}).json()["data"]) == 1


def test_validate_configuration(store: StoreClient) -> None:
    theme = install(store)
    path = f"{THEMES}/{theme['uuid']}/configurations/validate"
    variation = theme["variations"][0]["uuid"]
    ok = store.post(path, json={"variation_id": variation, "settings": {"show_banner": False}})
    assert ok.status_code == 200
    unknown = store.post(path, json={"variation_id": variation, "settings": {"nope": 1}})
    assert unknown.status_code == 422 and "nope" in unknown.json()["errors"]
    wrong = store.post(path, json={"variation_id": variation, "settings": {"show_banner": "y"}})
    assert wrong.status_code == 422


def test_download_job_and_unknown_theme(store: StoreClient) -> None:
    theme = install(store)
    response = store.post(f"{THEMES}/{theme['uuid']}/actions/download", json={"which": "original"})
    assert response.status_code == 200
    job = store.get(f"{THEMES}/jobs/{response.json()['job_id']}").json()["data"]
    assert job["status"] == "COMPLETED" and job["result"]["download_url"].endswith(".zip")
    assert store.get(f"{THEMES}/no-such-theme").status_code == 404
    assert store.get(f"{THEMES}/jobs/no-such-job").status_code == 404


def test_activation_reads_channel_id_from_the_body_as_stencil_cli_sends_it(
    store: StoreClient,
) -> None:
    theme = install(store)
    night = theme["variations"][1]["uuid"]
    activate = f"{THEMES}/actions/activate"
    unknown = store.post(activate, json={"variation_id": night, "channel_id": 9})
    assert unknown.status_code == 404 and "channel_id" in unknown.json()["errors"]
    assert store.post(activate, json={"variation_id": night, "channel_id": "x"}).status_code == 422
    live = store.get("/v3/channels/1/active-theme").json()["data"]
    assert live["active_theme_uuid"] != theme["uuid"]  # nothing was activated by the refusals
    ok = store.post(activate, json={"variation_id": night, "channel_id": 1, "which": "original"})
    assert ok.status_code == 204
    live = store.get("/v3/channels/1/active-theme").json()["data"]
    assert (live["active_theme_uuid"], live["active_theme_version_uuid"]) == (theme["uuid"], night)


def test_configurations_carry_variation_uuid_beside_variation_id(store: StoreClient) -> None:
    theme = install(store)
    day = theme["variations"][0]["uuid"]
    found = store.get(
        f"{THEMES}/{theme['uuid']}/configurations", params={"variation_uuid": day}
    ).json()["data"]
    assert [(c["variation_id"], c["variation_uuid"]) for c in found] == [(day, day)]


def test_download_serves_the_uploaded_bundle(store: StoreClient) -> None:
    uploaded = bundle(extra={"templates/pages/page.html": "<p>kept byte for byte</p>"})
    theme = store.get(f"{THEMES}/{upload(store, uploaded)['result']['theme_id']}").json()["data"]
    response = store.post(f"{THEMES}/{theme['uuid']}/actions/download", json={"which": "original"})
    job = store.get(f"{THEMES}/jobs/{response.json()['job_id']}").json()["data"]
    url = httpx.URL(job["result"]["download_url"])
    assert url.host == "sandbox.test"  # the host that served the API, not an invented one
    download = store.http.get(url.path)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert download.content == uploaded
    assert store.http.get(url.path.replace(".zip", "x.zip")).status_code == 404


def test_the_stock_theme_has_no_bundle_to_download(store: StoreClient) -> None:
    stock = store.get(THEMES).json()["data"][0]
    response = store.post(f"{THEMES}/{stock['uuid']}/actions/download", json={})
    job = store.get(f"{THEMES}/jobs/{response.json()['job_id']}").json()["data"]
    assert job["status"] == "FAILED" and job["errors"][0]["message"]


def test_jobs_pass_through_queued_and_working(sandbox_db: SandboxDB) -> None:
    clock = ManualClock()
    create_store(sandbox_db, "teststore")
    app = SandboxApp(sandbox_db, clock=clock, theme_job_s=3.0)
    with TestClient(app, base_url="https://sandbox.test") as http:
        store = StoreClient(http, "teststore")
        job_id = store.post(
            THEMES, files={"file": ("theme.zip", bundle(), "application/zip")}
        ).json()["job_id"]
        seen = []
        for _ in range(4):
            job = store.get(f"{THEMES}/jobs/{job_id}").json()["data"]
            seen.append((job["status"], job["percent_complete"], bool(job["result"])))
            clock.advance(1.0)
    assert seen == [
        ("QUEUED", 0, False),
        ("WORKING", 33, False),
        ("WORKING", 66, False),
        ("COMPLETED", 100, True),
    ]


def test_in_process_jobs_finish_at_once(store: StoreClient) -> None:
    assert upload(store, bundle())["status"] == "COMPLETED"
