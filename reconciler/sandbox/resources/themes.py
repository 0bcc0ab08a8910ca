"""Themes V3 (themes.v3.yml and the upload/activate flow in DIGEST.md section 5).

* Every store starts with the stock **Cornerstone** theme (not private) active on channel 1;
  its uuids are derived from the store hash so that it is the same theme on every read.
* ``POST /v3/themes`` takes a multipart ``file`` (a Stencil bundle zip) and answers
  ``201 {job_id}``. The job is processed at once: ``GET /v3/themes/jobs/{job_id}`` reports
  ``COMPLETED`` with ``result.theme_id``, or ``FAILED`` with ``errors[]`` carrying
  BigCommerce's upload error codes (TR-300 not a zip, TR-500 over 50 MB, TR-600 no
  ``templates/``, TR-800 ``config.json`` missing or without name/version/variations,
  TR-901/902 variation ids missing/duplicated). A store holds at most 20 custom themes:
  one more upload is a 409 "You have reached your upload limit", as stencil-cli expects.
* Variations come from ``config.json``'s ``variations[]`` (``name``; ``id`` → ``external_id``;
  ``meta.description``). The uploaded settings (global ``settings`` overlaid with the
  variation's) are kept per variation as its *original* configuration.
* ``POST /v3/themes/actions/activate`` (``variation_id``, ``which`` = ``original`` |
  ``last_activated`` | ``last_created``) makes a variation live on a channel: 204. The
  active theme cannot be deleted.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import (
    ApiProblem,
    csv_param,
    empty,
    json_response,
    now_iso,
    read_form,
    read_object,
)
from reconciler.sandbox.resources._support import new_uuid
from reconciler.sandbox.storage import Document, Store, define_collection, define_index

api = Api(scope="store_themes_manage")

THEMES = "themes"
CONFIGURATIONS = "theme_configurations"
JOBS = "theme_jobs"
ACTIVATIONS = "theme_activations"

MAX_CUSTOM_THEMES = 20
MAX_BUNDLE_BYTES = 50 * 1024 * 1024
WHICH = ("original", "last_activated", "last_created")
LIMIT_TITLE = (
    "You have reached your upload limit. "
    "In order to proceed, you'll need to delete at least one theme."
)

define_collection(THEMES, id_field="uuid")
define_collection(CONFIGURATIONS, id_field="uuid")
define_collection(JOBS, id_field="id")
define_collection(ACTIVATIONS, id_field="channel_id")
define_index(CONFIGURATIONS, "variation", lambda doc: [doc["variation_id"]])
define_index(THEMES, "variation", lambda doc: [v["uuid"] for v in doc["variations"]])

_STOCK_VARIATIONS = (
    ("Light", "theme-light", "A clean, bright look."),
    ("Bold", "theme-bold", "High contrast and strong colours."),
    ("Warm", "theme-warm", "Soft, warm tones."),
)


class BundleError(Exception):
    """A Stencil bundle BigCommerce would reject; ``code`` is its TR-xxx error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- the stock theme ------------------------------------------------------------------------------
def _stable_uuid(store: Store, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"stagingpro-sandbox:{store.hash}:{name}"))


def _ensure_stock(store: Store) -> None:
    """Create the stock Cornerstone theme and its configurations once per store."""
    theme_uuid = _stable_uuid(store, "cornerstone")
    themes = store.collection(THEMES)
    if theme_uuid in themes or store.meta.get("stock_theme_deleted"):
        return
    created = str(store.meta.get("info", {}).get("created_at") or now_iso())
    settings = {"color-primary": "#444444", "fontSize-root": 14, "show_powered_by": True}
    variations: list[dict[str, Any]] = []
    for name, external_id, description in _STOCK_VARIATIONS:
        variation_uuid = _stable_uuid(store, f"cornerstone/{name}")
        variations.append(
            {
                "uuid": variation_uuid,
                "name": name,
                "external_id": external_id,
                "description": description,
            }
        )
        config_uuid = _stable_uuid(store, f"cornerstone/{name}/original")
        store.collection(CONFIGURATIONS).save(
            {
                "uuid": config_uuid,
                "theme_uuid": theme_uuid,
                "variation_id": variation_uuid,
                "settings": settings,
                "date_created": created,
                "site_id": _site_id(store),
                "seq": 0,
            }
        )
    themes.save(
        {
            "uuid": theme_uuid,
            "name": "Cornerstone",
            "version": "6.15.0",
            "is_private": False,
            "updated_at": created,
            "variations": variations,
            "configs": {
                v["uuid"]: {
                    "original": _stable_uuid(store, f"cornerstone/{v['name']}/original"),
                    "last_activated": None,
                }
                for v in variations
            },
        }
    )


def _site_id(store: Store) -> int:
    return int(store.meta.get("info", {}).get("default_site_id", 1000))


def _activation(store: Store, channel_id: int) -> dict[str, Any]:
    """The live theme of ``channel_id``: the stock theme's first variation until activated."""
    _ensure_stock(store)
    found = store.collection(ACTIVATIONS).get(channel_id)
    if found is not None:
        return found
    stock = store.collection(THEMES).get(_stable_uuid(store, "cornerstone"))
    if stock is None:  # the stock theme was deleted while another theme was active
        return {
            "channel_id": channel_id,
            "theme_uuid": "",
            "variation_uuid": "",
            "configuration_uuid": "",
        }
    variation = stock["variations"][0]["uuid"]
    return {
        "channel_id": channel_id,
        "theme_uuid": stock["uuid"],
        "variation_uuid": variation,
        "configuration_uuid": stock["configs"][variation]["original"],
    }


def active_theme(store: Store, channel_id: int) -> dict[str, str]:
    """``GET /v3/channels/{id}/active-theme``'s data for ``channel_id``."""
    live = _activation(store, channel_id)
    return {
        "active_theme_uuid": live["theme_uuid"],
        "active_theme_configuration_uuid": live["configuration_uuid"],
        "active_theme_version_uuid": live["variation_uuid"],
        "saved_theme_configuration_uuid": live["configuration_uuid"],
    }


def _active_theme_uuids(store: Store) -> set[str]:
    from reconciler.sandbox.resources.channels import channels

    return {_activation(store, c["id"])["theme_uuid"] for c in channels(store)}


def _render(doc: Document, active: set[str]) -> dict[str, Any]:
    return {
        "variations": [dict(v) for v in doc["variations"]],
        "uuid": doc["uuid"],
        "name": doc["name"],
        "is_private": doc["is_private"],
        "is_active": doc["uuid"] in active,
        "updated_at": doc["updated_at"],
    }


def _theme(store: Store, theme_uuid: str) -> Document:
    _ensure_stock(store)
    doc = store.collection(THEMES).get(theme_uuid)
    if doc is None:
        raise ApiProblem(404, "Theme not found", {"uuid": f"no theme {theme_uuid}"})
    return doc


# -- bundles -----------------------------------------------------------------------------------
def read_bundle(data: bytes) -> dict[str, Any]:
    """The ``config.json`` of a Stencil bundle, checked as BigCommerce checks uploads.

    Raises :class:`BundleError` with the TR-xxx code BigCommerce reports.
    """
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleError("TR-500", "The zip file is larger than the 50 MB limit.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BundleError("TR-300", "Invalid zip file.") from None
    with archive:
        names = archive.namelist()
        prefix = _bundle_root(names)
        if prefix + "config.json" not in names:
            raise BundleError("TR-800", "The zip file has no config.json.")
        if not any(n.startswith(prefix + "templates/") for n in names):
            raise BundleError("TR-600", "The zip file is missing the templates/ directory.")
        try:
            config = json.loads(archive.read(prefix + "config.json"))
        except (ValueError, zipfile.BadZipFile, RuntimeError) as error:
            raise BundleError("TR-800", f"config.json is not valid JSON: {error}") from None
    if not isinstance(config, dict):
        raise BundleError("TR-800", "config.json must be a JSON object.")
    missing = [
        k for k in ("name", "version") if not isinstance(config.get(k), str) or not config[k]
    ]
    variations = config.get("variations")
    if not isinstance(variations, list) or not variations:
        missing.append("variations")
        variations = []
    if missing:
        raise BundleError("TR-800", f"config.json is missing required keys: {', '.join(missing)}")
    seen: set[str] = set()
    for variation in variations:
        if not isinstance(variation, dict) or not variation.get("name"):
            raise BundleError("TR-800", "every variation in config.json needs a name.")
        external_id = variation.get("id")
        if not isinstance(external_id, str) or not external_id:
            raise BundleError(
                "TR-901", f"Variation {variation['name']!r} is missing its required external ID."
            )
        if external_id in seen:
            raise BundleError("TR-902", f"Two variations share the external ID {external_id!r}.")
        seen.add(external_id)
    return config


def _bundle_root(names: list[str]) -> str:
    """``""`` for a bundle with files at the root, else its single top folder (``theme/``)."""
    if "config.json" in names:
        return ""
    tops = {n.split("/", 1)[0] + "/" for n in names if "/" in n}
    if len(tops) == 1:
        return tops.pop()
    return ""


def _install(store: Store, config: dict[str, Any]) -> Document:
    theme_uuid = new_uuid()
    now = now_iso()
    base_settings: dict[str, Any] = (
        config["settings"] if isinstance(config.get("settings"), dict) else {}
    )
    variations: list[dict[str, Any]] = []
    configs: dict[str, dict[str, Any]] = {}
    for variation in config["variations"]:
        meta = variation.get("meta") if isinstance(variation.get("meta"), dict) else {}
        variation_uuid = new_uuid()
        variations.append(
            {
                "uuid": variation_uuid,
                "name": str(variation["name"]),
                "external_id": str(variation["id"]),
                "description": str(meta.get("description") or meta.get("desc") or ""),
            }
        )
        own: dict[str, Any] = (
            variation["settings"] if isinstance(variation.get("settings"), dict) else {}
        )
        original = _new_configuration(store, theme_uuid, variation_uuid, {**base_settings, **own})
        configs[variation_uuid] = {"original": original["uuid"], "last_activated": None}
    return store.collection(THEMES).save(
        {
            "uuid": theme_uuid,
            "name": config["name"],
            "version": config["version"],
            "is_private": True,
            "updated_at": now,
            "variations": variations,
            "configs": configs,
        }
    )


def _new_configuration(
    store: Store, theme_uuid: str, variation_uuid: str, settings: dict[str, Any]
) -> Document:
    coll = store.collection(CONFIGURATIONS)
    return coll.save(
        {
            "uuid": new_uuid(),
            "theme_uuid": theme_uuid,
            "variation_id": variation_uuid,
            "settings": settings,
            "date_created": now_iso(),
            "site_id": _site_id(store),
            "seq": store.next_counter(CONFIGURATIONS),
        }
    )


def _job(store: Store, *, errors: list[dict[str, str]], result: dict[str, Any]) -> Document:
    return store.collection(JOBS).save(
        {
            "id": new_uuid(),
            "status": "FAILED" if errors else "COMPLETED",
            "percent_complete": 100,
            "errors": errors,
            "warnings": [],
            "result": result,
            "time": now_iso(),
        }
    )


# -- endpoints -----------------------------------------------------------------------------------
@api.route("GET", "/v3/themes")
async def list_themes(request: Request, store: Store) -> Response:
    _ensure_stock(store)
    active = _active_theme_uuids(store)
    data = [_render(doc, active) for doc in store.collection(THEMES)]
    return json_response({"data": data, "meta": {}})


@api.route("POST", "/v3/themes")
async def upload_theme(request: Request, store: Store) -> Response:
    _ensure_stock(store)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise ApiProblem(
            415, "Unsupported Media Type", {"file": "upload the bundle as multipart/form-data"}
        )
    form = await read_form(request, "file")
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiProblem(422, "Missing theme file", {"file": "a multipart file is required"})
        data = await upload.read()
    finally:
        await form.close()
    custom = [t for t in store.collection(THEMES) if t["is_private"]]
    if len(custom) >= MAX_CUSTOM_THEMES:
        raise ApiProblem(409, LIMIT_TITLE, {"themes": f"at most {MAX_CUSTOM_THEMES} custom themes"})
    try:
        config = read_bundle(data)
    except BundleError as error:
        job = _job(store, errors=[{"error": error.code, "message": error.message}], result={})
        return json_response({"job_id": job["id"]}, 201)
    duplicate = next(
        (t for t in custom if (t["name"], t["version"]) == (config["name"], config["version"])),
        None,
    )
    if duplicate is not None:
        message = f"A theme named {config['name']!r} version {config['version']} already exists."
        job = _job(store, errors=[{"error": "duplicate_theme", "message": message}], result={})
        return json_response({"job_id": job["id"]}, 201)
    theme = _install(store, config)
    job = _job(store, errors=[], result={"theme_id": theme["uuid"]})
    return json_response({"job_id": job["id"]}, 201)


@api.route("GET", "/v3/themes/jobs/{job_id}")
async def get_job(request: Request, store: Store) -> Response:
    job = store.collection(JOBS).get(request.path_params["job_id"])
    if job is None:
        raise ApiProblem(404, "Job not found", {"job_id": "no job with this id"})
    return json_response({"data": job, "meta": {}})


@api.route("GET", "/v3/themes/{theme_uuid}")
async def get_theme(request: Request, store: Store) -> Response:
    doc = _theme(store, request.path_params["theme_uuid"])
    return json_response({"data": _render(doc, _active_theme_uuids(store)), "meta": {}})


@api.route("DELETE", "/v3/themes/{theme_uuid}")
async def delete_theme(request: Request, store: Store) -> Response:
    doc = _theme(store, request.path_params["theme_uuid"])
    if doc["uuid"] in _active_theme_uuids(store):
        raise ApiProblem(
            422, "The active theme cannot be deleted", {"uuid": "activate another theme first"}
        )
    configs = store.collection(CONFIGURATIONS)
    for variation in doc["variations"]:
        for config in configs.lookup("variation", variation["uuid"]):
            configs.delete(config["uuid"])
    store.collection(THEMES).delete(doc["uuid"])
    if not doc["is_private"]:
        store.set_meta("stock_theme_deleted", True)
    return empty(204)


@api.route("POST", "/v3/themes/{theme_uuid}/actions/download")
async def download_theme(request: Request, store: Store) -> Response:
    doc = _theme(store, request.path_params["theme_uuid"])
    body = await _optional_object(request)
    which = body.get("which", "last_activated")
    if which not in WHICH:
        raise ApiProblem(422, "Invalid which", {"which": f"must be one of {', '.join(WHICH)}"})
    url = f"{_site_url(store)}/_sandbox/themes/{doc['uuid']}/{which}.zip"
    job = _job(store, errors=[], result={"download_url": url})
    return json_response({"job_id": job["id"]})


@api.route("POST", "/v3/themes/actions/activate")
async def activate_theme(request: Request, store: Store) -> Response:
    from reconciler.sandbox.resources.channels import DEFAULT_CHANNEL_ID, channel

    _ensure_stock(store)
    raw_channel = request.query_params.get("channel_id")
    try:
        channel_id = int(raw_channel) if raw_channel else DEFAULT_CHANNEL_ID
    except ValueError:
        raise ApiProblem(422, "Invalid channel_id", {"channel_id": "must be an integer"}) from None
    if channel(store, channel_id) is None:
        raise ApiProblem(404, "Channel not found", {"channel_id": f"no channel {channel_id}"})
    body = await read_object(request)
    variation_id = body.get("variation_id")
    which = body.get("which", "original")
    errors: dict[str, str] = {}
    if not isinstance(variation_id, str) or not variation_id:
        errors["variation_id"] = "variation_id is required"
    if which not in WHICH:
        errors["which"] = f"which must be one of {', '.join(WHICH)}"
    if errors:
        raise ApiProblem(422, "JSON data is missing or invalid", errors)
    themes = store.collection(THEMES).lookup("variation", variation_id)
    if not themes:
        raise ApiProblem(
            404, "Variation not found", {"variation_id": f"no variation {variation_id}"}
        )
    theme = themes[0]
    slots = theme["configs"][variation_id]
    if which == "last_activated":
        config_uuid = slots.get("last_activated") or slots["original"]
    elif which == "last_created":
        newest = max(
            store.collection(CONFIGURATIONS).lookup("variation", variation_id),
            key=lambda c: c["seq"],
        )
        config_uuid = newest["uuid"]
    else:
        config_uuid = slots["original"]
    store.collection(ACTIVATIONS).save(
        {
            "channel_id": channel_id,
            "theme_uuid": theme["uuid"],
            "variation_uuid": variation_id,
            "configuration_uuid": config_uuid,
        }
    )
    slots["last_activated"] = config_uuid
    store.collection(THEMES).save(theme)
    return empty(204)


@api.route("GET", "/v3/themes/{theme_uuid}/configurations")
async def list_configurations(request: Request, store: Store) -> Response:
    doc = _theme(store, request.path_params["theme_uuid"])
    uuids = csv_param(request, "uuid:in")
    variation = request.query_params.get("variation_uuid")
    channel_ids = csv_param(request, "channel_id:in")
    if uuids is None and variation is None and channel_ids is None:
        raise ApiProblem(
            422,
            "A filter is required",
            {"filter": "give at least one of uuid:in, variation_uuid, channel_id:in"},
        )
    coll = store.collection(CONFIGURATIONS)
    found = [c for v in doc["variations"] for c in coll.lookup("variation", v["uuid"])]
    if uuids is not None:
        found = [c for c in found if c["uuid"] in uuids]
    if variation is not None:
        found = [c for c in found if c["variation_id"] == variation]
    if channel_ids is not None:
        try:
            live = {_activation(store, int(c))["configuration_uuid"] for c in channel_ids}
        except ValueError:
            raise ApiProblem(
                422, "Invalid channel_id:in", {"channel_id:in": "must be integers"}
            ) from None
        found = [c for c in found if c["uuid"] in live]
    found.sort(key=lambda c: c["seq"])
    data = [{k: v for k, v in c.items() if k != "seq"} for c in found]
    return json_response({"data": data, "meta": {}})


@api.route("POST", "/v3/themes/{theme_uuid}/configurations/validate")
async def validate_configuration(request: Request, store: Store) -> Response:
    doc = _theme(store, request.path_params["theme_uuid"])
    body = await read_object(request)
    variation_id = body.get("variation_id")
    settings = body.get("settings")
    errors: dict[str, str] = {}
    if not isinstance(settings, dict):
        errors["settings"] = "settings must be an object"
    known = {v["uuid"] for v in doc["variations"]}
    if variation_id is not None and variation_id not in known:
        errors["variation_id"] = f"{variation_id!r} is not a variation of this theme"
    if errors:
        raise ApiProblem(422, "Theme configuration is invalid", errors)
    assert isinstance(settings, dict)
    variation = variation_id or doc["variations"][0]["uuid"]
    original = store.collection(CONFIGURATIONS).get(doc["configs"][variation]["original"])
    schema: dict[str, Any] = original["settings"] if original else {}
    for key, value in settings.items():
        if key not in schema:
            errors[key] = "is not a setting of this theme"
        elif schema[key] is not None and not _same_json_type(schema[key], value):
            errors[key] = f"must be a {type(schema[key]).__name__} like the theme's default"
    if errors:
        raise ApiProblem(422, "Theme configuration is invalid", errors)
    return json_response({})


def _same_json_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return type(default) is type(value)


async def _optional_object(request: Request) -> dict[str, Any]:
    if not await request.body():
        return {}
    return await read_object(request)


def _site_url(store: Store) -> str:
    from reconciler.sandbox.resources.sites import site_url

    return site_url(store, _site_id(store))
