"""Multipart uploads through the live client (theme bundles, image files)."""

from __future__ import annotations

import io
import zipfile

import pytest

from reconciler.errors import ApiError
from reconciler.live import LiveClient
from tests.live.conftest import Sandbox

pytestmark = pytest.mark.anyio


def _bundle() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        config = (
            '{"name": "Up", "version": "1.0.0", "meta": {"author_name": "Someone"},'
            ' "variations": [{"name": "A", "id": "a"}]}'
        )
        archive.writestr("config.json", config)
        archive.writestr("templates/pages/home.html", "<p>home</p>")
    return buffer.getvalue()


async def test_files_are_sent_as_multipart_form_data(client: LiveClient, sandbox: Sandbox) -> None:
    answer = await client.send(
        "POST", "/v3/themes", files={"file": ("theme.zip", _bundle(), "application/zip")}
    )
    assert answer.status == 201
    job = await client.get(f"/v3/themes/jobs/{answer.body['job_id']}")
    assert job["data"]["status"] == "COMPLETED"
    assert client.stats.bytes_sent > len(_bundle())


async def test_json_body_on_the_multipart_endpoint_is_refused(client: LiveClient) -> None:
    with pytest.raises(ApiError) as caught:
        await client.post("/v3/themes", json={"file": "not a zip"})
    assert caught.value.detail is not None and caught.value.detail.status == 415
