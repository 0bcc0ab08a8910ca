"""Scripts V3 in the sandbox: per-account visibility, kinds, enums and limits."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.sandbox.resources.scripts import MAX_PER_CLIENT
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import add_token
from tests.sandbox.conftest import StoreClient

SCRIPTS = "/v3/content/scripts"
SRC = {"name": "Analytics", "kind": "src", "src": "https://cdn.example.com/a.js"}


def test_defaults_and_uuid(store: StoreClient) -> None:
    script = store.create(SCRIPTS, SRC)
    assert len(script["uuid"]) == 36
    assert script["location"] == "head" and script["visibility"] == "storefront"
    assert script["load_method"] == "default" and script["enabled"] is True
    assert script["api_client_id"] == "sandbox-client"
    assert store.get(f"{SCRIPTS}/{script['uuid']}").json()["data"] == script


def test_only_the_creating_account_sees_and_edits(
    store: StoreClient, other_account: StoreClient
) -> None:
    mine = store.create(SCRIPTS, SRC)
    theirs = other_account.create(SCRIPTS, {**SRC, "name": "Theirs"})
    assert [s["uuid"] for s in store.get(SCRIPTS).json()["data"]] == [mine["uuid"]]
    assert [s["uuid"] for s in other_account.get(SCRIPTS).json()["data"]] == [theirs["uuid"]]
    assert other_account.get(f"{SCRIPTS}/{mine['uuid']}").status_code == 404
    assert other_account.put(f"{SCRIPTS}/{mine['uuid']}", json={"name": "x"}).status_code == 404
    assert other_account.delete(f"{SCRIPTS}/{mine['uuid']}").status_code == 404
    assert store.get(f"{SCRIPTS}/{mine['uuid']}").json()["data"]["name"] == "Analytics"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "src", "src": "https://x/a.js"}, "name"),
        ({"name": "n", "kind": "src"}, "src"),
        ({"name": "n", "kind": "script_tag"}, "html"),
        (
            {"name": "n", "kind": "src", "src": "https://x/a.js", "html": "<script></script>"},
            "html",
        ),
        (
            {
                "name": "n",
                "kind": "script_tag",
                "html": "<script></script>",
                "load_method": "async",
            },
            "load_method",
        ),
        ({**SRC, "location": "body"}, "location"),
        ({**SRC, "visibility": "everywhere"}, "visibility"),
        ({**SRC, "consent_category": "tracking"}, "consent_category"),
        ({**SRC, "kind": "inline"}, "kind"),
        ({**SRC, "enabled": "yes"}, "enabled"),
    ],
)
def test_validation(store: StoreClient, body: dict[str, Any], field: str) -> None:
    response = store.post(SCRIPTS, json=body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert store.get(SCRIPTS).json()["data"] == []


def test_account_limit(store: StoreClient, other_account: StoreClient) -> None:
    for n in range(MAX_PER_CLIENT):
        store.create(SCRIPTS, {**SRC, "name": f"s{n}"})
    response = store.post(SCRIPTS, json=SRC)
    assert response.status_code == 422
    other_account.create(SCRIPTS, SRC)


def test_update_and_delete(store: StoreClient) -> None:
    script = store.create(SCRIPTS, SRC)
    response = store.put(
        f"{SCRIPTS}/{script['uuid']}",
        json={"kind": "script_tag", "html": "<script>1</script>", "location": "footer"},
    )
    assert response.status_code == 200
    updated = response.json()["data"]
    assert (updated["kind"], updated["src"], updated["location"]) == ("script_tag", "", "footer")
    assert store.put(f"{SCRIPTS}/{script['uuid']}", json={"visibility": "x"}).status_code == 422
    assert store.delete(f"{SCRIPTS}/{script['uuid']}").status_code == 204
    assert store.get(f"{SCRIPTS}/{script['uuid']}").status_code == 404


def test_checkout_scripts_need_the_checkout_scope(
    store: StoreClient, sandbox_db: SandboxDB
) -> None:
    add_token(sandbox_db, "teststore", "content-only", {"store_v2_content": "modify"})
    content_only = store.with_token("content-only")
    response = content_only.post(SCRIPTS, json={**SRC, "visibility": "checkout"})
    assert response.status_code == 403
    assert "store_content_checkout" in response.json()["title"]
    script = content_only.create(SCRIPTS, {**SRC, "visibility": "storefront"})
    moved = content_only.put(f"{SCRIPTS}/{script['uuid']}", json={"visibility": "all_pages"})
    assert moved.status_code == 403
    add_token(
        sandbox_db,
        "teststore",
        "with-checkout",
        {"store_v2_content": "modify", "store_content_checkout": "modify"},
    )
    store.with_token("with-checkout").create(SCRIPTS, {**SRC, "visibility": "checkout"})
