"""Themes V3 (themes.v3.yml and the upload/activate flow in DIGEST.md section 5).

* Every store starts with the stock **Cornerstone** theme (not private) active on channel 1;
  its uuids are derived from the store hash so that it is the same theme on every read.
* ``POST /v3/themes`` takes a multipart ``file`` (a Stencil bundle zip) and answers
  ``201 {job_id}``. ``GET /v3/themes/jobs/{job_id}`` reads ``QUEUED``, then ``WORKING``,
  for the app's ``theme_job_s`` (0 in process, a moment when served), then ``COMPLETED``
  with ``result.theme_id``, or ``FAILED`` with ``errors[]`` carrying BigCommerce's upload
  error codes (TR-300 not a zip, TR-400 a ``.php``/``.exe`` file, TR-500 over 50 MB,
  TR-600 no ``templates/pages/home.html``, TR-601 a non-``.html`` file under
  ``templates/``, TR-800 ``config.json`` missing or without name/version/variations,
  TR-901/902 variation ids missing/duplicated, TR-900 no ``meta.author_name``). A name
  already taken is kept as ``"Name (1)"``, ``"Name (2)"``… (stencil-cli's edit → push loop
  pushes one name and version again and again). A store holds at most 20 custom themes:
  one more upload is a 409 "You have reached your upload limit", as stencil-cli expects.
* Variations come from ``config.json``'s ``variations[]`` (``name``; ``id`` → ``external_id``;
  ``meta.description``). The uploaded settings (global ``settings`` overlaid with the
  variation's) are kept per variation as its *original* configuration. Configurations
  carry ``variation_id`` (the spec) and ``variation_uuid`` (what stencil-cli reads).
* The uploaded zip is kept; ``POST /v3/themes/{uuid}/actions/download`` answers a job whose
  ``download_url`` is on the host that served the request
  (:mod:`reconciler.sandbox.storefront` serves it).
* ``POST /v3/themes/actions/activate`` (``variation_id``, ``which`` = ``original`` |
  ``last_activated`` | ``last_created``; ``channel_id`` in the query, or in the body as
  stencil-cli sends it) makes a variation live on a channel: 204. The active theme cannot
  be deleted.
"""

from __future__ import annotations

import base64
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
from reconciler.sandbox.limits import Clock, SystemClock
from reconciler.sandbox.resources._support import new_uuid
from reconciler.sandbox.storage import Document, Store, define_collection, define_index

api = Api(scope="store_themes_manage")

THEMES = "themes"
CONFIGURATIONS = "theme_configurations"
JOBS = "theme_jobs"
ACTIVATIONS = "theme_activations"
BUNDLES = "theme_bundles"
"""The uploaded zip of each custom theme (base64), served again by the download action."""

MAX_CUSTOM_THEMES = 20
MAX_BUNDLE_BYTES = 50 * 1024 * 1024
HOME_TEMPLATE = "templates/pages/home.html"
FORBIDDEN_SUFFIXES = (".php", ".exe")
WHICH = ("original", "last_activated", "last_created")
DOWNLOAD_PREFIX = "/theme-downloads/"
"""Where ``download_url`` points: ``{served host}/theme-downloads/{store_hash}/{job_id}.zip``."""
LIMIT_TITLE = (
    "You have reached your upload limit. "
    "In order to proceed, you'll need to delete at least one theme."
)

define_collection(THEMES, id_field="uuid")
define_collection(CONFIGURATIONS, id_field="uuid")
define_collection(JOBS, id_field="id")
define_collection(ACTIVATIONS, id_field="channel_id")
define_collection(BUNDLES, id_field="theme_uuid")
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
        _check_files([n[len(prefix) :] for n in names if n.startswith(prefix)])
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
    meta = config.get("meta")
    if not isinstance(meta, dict) or not isinstance(meta.get("author_name"), str) or not (
        meta["author_name"].strip()
    ):
        raise BundleError("TR-900", "config.json has no meta.author_name: name the theme's author.")
    return config


def _check_files(names: list[str]) -> None:
    """The file rules of an upload (paths relative to the bundle root): TR-400, TR-600, TR-601."""
    for name in names:
        if name.lower().endswith(FORBIDDEN_SUFFIXES):
            raise BundleError("TR-400", f"{name}: .php and .exe files are not allowed in a theme.")
    if HOME_TEMPLATE not in names:
        raise BundleError("TR-600", f"The zip file is missing {HOME_TEMPLATE}.")
    for name in names:
        if name.startswith("templates/") and not name.endswith("/") and not name.endswith(".html"):
            raise BundleError("TR-601", f"{name}: every file under templates/ must be .html.")


def _bundle_root(names: list[str]) -> str:
    """``""`` for a bundle with files at the root, else its single top folder (``theme/``)."""
    if "config.json" in names:
        return ""
    tops = {n.split("/", 1)[0] + "/" for n in names if "/" in n}
    if len(tops) == 1:
        return tops.pop()
    return ""


def _install(store: Store, config: dict[str, Any], name: str) -> Document:
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
            "name": name,
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


def _job(
    request: Request,
    store: Store,
    *,
    errors: list[dict[str, str]],
    result: dict[str, Any],
    job_id: str | None = None,
    of: str | None = None,
) -> Document:
    """A theme job; it reads QUEUED, then WORKING, until its processing time has passed.
    ``of``: the theme a download job serves the bundle of."""
    clock: Clock = request.scope.get("sandbox.clock") or SystemClock()
    return store.collection(JOBS).save(
        {
            "id": job_id or new_uuid(),
            "download_of": of,
            "status": "FAILED" if errors else "COMPLETED",
            "percent_complete": 100,
            "errors": errors,
            "warnings": [],
            "result": result,
            "time": now_iso(),
            "queued_at": clock.now(),
            "takes_s": float(request.scope.get("sandbox.theme_job_s", 0.0)),
        }
    )


_INTERNAL_JOB_FIELDS = ("queued_at", "takes_s", "download_of")


def _job_as_seen(job: Document, now: float) -> dict[str, Any]:
    """The job as a poll at ``now`` sees it: QUEUED for the first third of its processing
    time, then WORKING, then its outcome (at once when its time is 0). A clock reading
    before ``queued_at`` (the store file came from another boot) counts as finished."""
    seen = {k: v for k, v in job.items() if k not in _INTERNAL_JOB_FIELDS}
    elapsed = now - float(job.get("queued_at", now))
    takes = float(job.get("takes_s", 0.0))
    if 0 <= elapsed < takes:
        queued = elapsed < takes / 3
        seen.update(
            status="QUEUED" if queued else "WORKING",
            percent_complete=0 if queued else int(100 * elapsed / takes),
            errors=[],
            result={},
        )
    return seen


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
        job = _job(
            request, store, errors=[{"error": error.code, "message": error.message}], result={}
        )
        return json_response({"job_id": job["id"]}, 201)
    theme = _install(store, config, _free_name(store, str(config["name"])))
    store.collection(BUNDLES).save(
        {"theme_uuid": theme["uuid"], "zip": base64.b64encode(data).decode("ascii")}
    )
    job = _job(request, store, errors=[], result={"theme_id": theme["uuid"]})
    return json_response({"job_id": job["id"]}, 201)


def _free_name(store: Store, name: str) -> str:
    """``name``, or ``"name (1)"``, ``"name (2)"``…: BigCommerce keeps a re-upload of a
    theme whose name is taken (same version or not) under the first free numbered name."""
    taken = {t["name"] for t in store.collection(THEMES)}
    copy = 0
    candidate = name
    while candidate in taken:
        copy += 1
        candidate = f"{name} ({copy})"
    return candidate


@api.route("GET", "/v3/themes/jobs/{job_id}")
async def get_job(request: Request, store: Store) -> Response:
    job = store.collection(JOBS).get(request.path_params["job_id"])
    if job is None:
        raise ApiProblem(404, "Job not found", {"job_id": "no job with this id"})
    clock: Clock = request.scope.get("sandbox.clock") or SystemClock()
    return json_response({"data": _job_as_seen(job, clock.now()), "meta": {}})


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
    store.collection(BUNDLES).delete(doc["uuid"])
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
    if doc["uuid"] not in store.collection(BUNDLES):
        message = f"The sandbox keeps no bundle of {doc['name']!r}: only uploaded themes download."
        job = _job(request, store, errors=[{"error": "no_bundle", "message": message}], result={})
        return json_response({"job_id": job["id"]})
    job_id = new_uuid()
    # Every revision is the uploaded bundle: the sandbox does not rebuild zips from settings.
    base = f"{request.url.scheme}://{request.headers.get('host', 'localhost')}"
    url = f"{base}{DOWNLOAD_PREFIX}{store.hash}/{job_id}.zip"
    _job(request, store, errors=[], result={"download_url": url}, job_id=job_id, of=doc["uuid"])
    return json_response({"job_id": job_id})


def bundle_download(store: Store, job_id: str) -> bytes | None:
    """The zip a download job's ``download_url`` serves, or ``None`` for no such download."""
    job = store.collection(JOBS).get(job_id)
    theme_uuid = job.get("download_of") if job is not None else None
    kept = store.collection(BUNDLES).get(theme_uuid) if isinstance(theme_uuid, str) else None
    return base64.b64decode(kept["zip"]) if kept is not None else None


@api.route("POST", "/v3/themes/actions/activate")
async def activate_theme(request: Request, store: Store) -> Response:
    from reconciler.sandbox.resources.channels import DEFAULT_CHANNEL_ID, channel

    _ensure_stock(store)
    body = await read_object(request)
    # The spec puts channel_id in the query; stencil-cli sends it in the body. The query wins.
    raw_channel: Any = request.query_params.get("channel_id") or body.get("channel_id")
    try:
        channel_id = DEFAULT_CHANNEL_ID if raw_channel in (None, "") else _integer(raw_channel)
    except ValueError:
        raise ApiProblem(422, "Invalid channel_id", {"channel_id": "must be an integer"}) from None
    if channel(store, channel_id) is None:
        raise ApiProblem(404, "Channel not found", {"channel_id": f"no channel {channel_id}"})
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
    # The spec names the field variation_id; stencil-cli (pull) reads variation_uuid: both.
    data = [
        {**{k: v for k, v in c.items() if k != "seq"}, "variation_uuid": c["variation_id"]}
        for c in found
    ]
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


def _integer(value: Any) -> int:
    """``value`` as an integer id (``7`` or ``"7"``); ``ValueError`` for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(value)
    return int(value)


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
