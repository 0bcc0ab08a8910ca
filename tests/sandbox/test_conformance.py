"""The OpenAPI conformance harness itself: it catches responses BigCommerce's spec rejects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.sandbox.conformance import (
    DEVIATIONS,
    UNVALIDATED_SPECS,
    ConformanceChecker,
    ConformanceError,
    Exchange,
    SpecsMissingError,
    conformance_required,
    openapi_dir,
    session_checker,
)
from tests.sandbox.conftest import StoreClient

SPECS = openapi_dir()
needs_specs = pytest.mark.skipif(
    not SPECS.is_dir() and not conformance_required(),
    reason=f"BigCommerce's OpenAPI folder {SPECS} is absent",
)


def _fake_bigcommerce(time_body: object, status: int = 200) -> TestClient:
    """A server that answers ``GET /stores/s/v2/time`` with ``time_body`` and 200 for any path."""

    async def time(request: Request) -> Response:
        return JSONResponse(time_body, status_code=status)

    async def anything(request: Request) -> Response:
        return JSONResponse({"data": []})

    app = Starlette(
        routes=[
            Route("/stores/s/v2/time", time),
            Route("/stores/s/v3/not/a/bigcommerce/path", anything),
        ]
    )
    return TestClient(app)


@needs_specs
def test_a_correct_response_passes() -> None:
    response = StoreClient(_fake_bigcommerce({"time": 1700000000}), "s").get("/v2/time")
    assert response.status_code == 200


@needs_specs
def test_a_wrong_response_body_is_caught() -> None:
    client = StoreClient(_fake_bigcommerce({"time": "noon"}), "s")
    with pytest.raises(ConformanceError) as caught:
        client.get("/v2/time")
    message = str(caught.value)
    assert "store_information.v2.yml" in message
    assert "at /time" in message
    assert "'noon' is not of type 'integer'" in message


@needs_specs
def test_an_undeclared_status_is_caught() -> None:
    client = StoreClient(_fake_bigcommerce({"time": 1}, status=207), "s")
    with pytest.raises(ConformanceError, match="not 207"):
        client.get("/v2/time")


@needs_specs
def test_no_content_rules() -> None:
    """A 204 carries no body even where a spec gives it one; V2 lists answer an empty page
    with 204; a V3 endpoint that does not declare 204 may not answer it."""
    checker = session_checker()
    assert checker is not None

    def exchange(method: str, path: str) -> Exchange:
        return Exchange(method, f"/stores/s{path}", 204, "", b"")

    checker.check(exchange("DELETE", "/v3/catalog/brands/1"))
    checker.check(exchange("GET", "/v2/customer_groups"))
    with pytest.raises(ConformanceError, match="not 204"):
        checker.check(exchange("GET", "/v3/catalog/brands"))


@needs_specs
def test_overlapping_one_of_alternatives_are_accepted() -> None:
    """customers.v2.yml gives discount_rules two array shapes under oneOf; ``[]`` fits both."""
    checker = session_checker()
    assert checker is not None
    group = {"id": 1, "name": "Trade", "is_default": False, "discount_rules": []}
    body = json.dumps(group).encode()
    checker.check(Exchange("GET", "/stores/s/v2/customer_groups/1", 200, "application/json", body))
    wrong = json.dumps({**group, "discount_rules": "none"}).encode()
    with pytest.raises(ConformanceError, match="discount_rules"):
        checker.check(
            Exchange("GET", "/stores/s/v2/customer_groups/1", 200, "application/json", wrong)
        )


@needs_specs
def test_an_undeclared_platform_status_needs_bigcommerce_error_body() -> None:
    client = StoreClient(_fake_bigcommerce({"oops": True}, status=503), "s")
    with pytest.raises(ConformanceError, match="V2"):
        client.get("/v2/time")
    ok = StoreClient(_fake_bigcommerce([{"status": 503, "message": "down"}], status=503), "s")
    assert ok.get("/v2/time").status_code == 503


@needs_specs
def test_a_path_no_spec_declares_must_not_be_served() -> None:
    client = StoreClient(_fake_bigcommerce({}), "s")
    with pytest.raises(ConformanceError, match="no BigCommerce spec declares this path"):
        client.get("/v3/not/a/bigcommerce/path")
    # Answering 404 for it is what BigCommerce does, and passes.
    assert client.get("/v3/not/declared/either").status_code == 404


@needs_specs
def test_literal_paths_win_over_templates() -> None:
    checker = session_checker()
    assert checker is not None
    template, declared = checker.find("PUT", "/stores/x/v3/catalog/products/category-assignments")
    assert template is not None and declared
    assert template.template == "/catalog/products/category-assignments"
    template, declared = checker.find("GET", "/stores/x/v3/catalog/products/12")
    assert template is not None and declared
    assert (template.spec, template.template) == (
        "products_catalog.v3.yml",
        "/catalog/products/{product_id}",
    )


@needs_specs
def test_specs_load_with_openapi_core() -> None:
    """19 files pass spec validation as they are; the 2 listed ones only load without it."""
    from openapi_core import OpenAPI

    failing = set()
    for path in sorted(SPECS.glob("*.yml")):
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        try:
            OpenAPI.from_dict(document)
        except Exception:
            failing.add(path.name)
    assert failing == UNVALIDATED_SPECS
    checker = ConformanceChecker(SPECS)
    for name in UNVALIDATED_SPECS:
        assert checker.api(name) is not None


@needs_specs
def test_every_deviation_points_at_the_line_it_cites() -> None:
    for deviation in DEVIATIONS:
        lines = (SPECS / deviation.spec).read_text(encoding="utf-8").splitlines()
        assert f"{deviation.path_keys()[-1]}:" in lines[deviation.line - 1], deviation
        document = yaml.load((SPECS / deviation.spec).read_text(), Loader=yaml.CSafeLoader)
        node = document
        for key in deviation.path_keys():
            node = node[key]  # the pointer exists in the unpatched spec
        assert deviation.why


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpecsMissingError, match="STAGINGPRO_OPENAPI_DIR"):
        ConformanceChecker(tmp_path / "absent")


def test_requirement_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGINGPRO_REQUIRE_OPENAPI", "1")
    assert conformance_required()
    monkeypatch.setenv("STAGINGPRO_REQUIRE_OPENAPI", "0")
    assert not conformance_required()
    monkeypatch.setenv("STAGINGPRO_OPENAPI_DIR", "/elsewhere/specs")
    assert openapi_dir() == Path("/elsewhere/specs")


@needs_specs
def test_parsed_specs_are_cached_until_a_file_changes(tmp_path: Path) -> None:
    from tests.sandbox.conformance import _parsed_specs

    folder = tmp_path / "specs"
    folder.mkdir()
    spec = folder / "store_information.v2.yml"
    spec.write_text((SPECS / spec.name).read_text(encoding="utf-8"), encoding="utf-8")
    first = _parsed_specs(folder)
    assert _parsed_specs(folder) == first
    changed = spec.read_text(encoding="utf-8").replace("'/time':", "'/clock':", 1)
    spec.write_text(changed, encoding="utf-8")
    paths = _parsed_specs(folder)[spec.name]["paths"]
    assert "/clock" in paths and "/time" not in paths
    assert ConformanceChecker(folder).find("GET", "/stores/s/v2/clock")[1]
