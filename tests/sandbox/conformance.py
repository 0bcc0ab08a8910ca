"""OpenAPI conformance of the sandbox: every exchange checked against BigCommerce's own specs.

:class:`ConformanceChecker` takes one request/response pair exchanged with the sandbox
(``/stores/{hash}/v2|v3/...``) and checks it against the official OpenAPI file that
declares the path:

* the path and method exist in the spec (an undeclared path must be answered 404/405);
* the status is declared for that operation, or is one of :data:`PLATFORM_STATUSES`,
  which BigCommerce may answer on any endpoint (then the body must be BigCommerce's
  generic error shape); a V2 ``GET`` may also answer 204 with no body (an empty page);
* the response body validates against the schema of that status and media type (a 204
  has no body, whatever the spec's ``content`` says: RFC 9110 §15.3.5).

Request bodies are not validated: tests send invalid requests on purpose to check the
sandbox's 422s.

The spec files are read from ``../shared/bigcommerce-openapi`` beside the repository
(``STAGINGPRO_OPENAPI_DIR`` overrides it). A path → spec index is built once per process
from all files (their parsed YAML is cached between runs, see :func:`_parsed_specs`); each
file's OpenAPI object is built lazily on first use and cached. Spec validation of the files
themselves is left to ``test_conformance.py`` (once per run) so that each xdist worker pays
only for loading.

Where an official spec is wrong or contradicts itself, :data:`DEVIATIONS` patches the
loaded spec at one JSON pointer, each entry citing ``file:line`` and why. One correction is
general: every ``oneOf`` is read as ``anyOf`` (see :func:`_one_of_as_any_of`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
OPENAPI_DIR_ENV = "STAGINGPRO_OPENAPI_DIR"
REQUIRE_ENV = "STAGINGPRO_REQUIRE_OPENAPI"
SPEC_HOST = "https://api.bigcommerce.com"

UNVALIDATED_SPECS = frozenset({"customers.v2.yml", "store_content.v2.yml"})
"""Files openapi-core's spec validator rejects as they are: both use the OpenAPI 3.0 (draft-4
style) ``exclusiveMinimum``/``exclusiveMaximum`` booleans without ``minimum``/``maximum``.
They are used with spec validation off; their schemas still validate responses."""

PLATFORM_STATUSES = frozenset({400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 502, 503, 504})
"""Statuses BigCommerce answers on any endpoint whether or not an operation lists them: bad
input (400 on V2, 422), authentication (401/403), unknown store, route or id (404/405),
duplicates (409), batches over the limit (413), rate limiting (429) and platform errors (5xx),
as the "API status codes" page every error body links to describes (summarised in the
specs' DIGEST.md §4). Undeclared, they must carry BigCommerce's generic error body."""

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_STORE_PATH = re.compile(r"^/stores/(?P<hash>[^/]+)(?P<rest>/v[23])(?P<path>/.*)$")


@dataclass(frozen=True)
class Deviation:
    """A documented correction of an official spec: the node at ``pointer`` becomes
    ``fix(node)``.

    ``line`` is where the wrong text is in ``spec`` so a reader can check it; ``why`` says what
    BigCommerce really does or how the spec contradicts itself.
    """

    spec: str
    line: int
    pointer: str
    """An RFC 6901 JSON pointer (``~1`` stands for ``/``)."""
    fix: Callable[[Any], Any]
    why: str

    def path_keys(self) -> list[str]:
        return [k.replace("~1", "/").replace("~0", "~") for k in self.pointer.split("/")[1:]]


_PAGE_TYPES = [
    {"$ref": f"#/components/schemas/{name}"}
    for name in ("typePage", "typeBlog", "typeContactForm", "typeRaw", "typeLink")
]

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        spec="pages.v3.yml",
        line=1078,
        pointer="/components/responses/HTTP201CreatePages/content/application~1json/schema"
        "/properties/data",
        fix=lambda _: {"anyOf": [*_PAGE_TYPES, {"type": "array", "items": {"anyOf": _PAGE_TYPES}}]},
        why="the response's own description (line 1068) says an array of pages in the request "
        "returns an array in `data`, but the schema only allows a single page object",
    ),
    Deviation(
        spec="webhooks.v3.yml",
        line=392,
        pointer="/components/responses/webhooks_Resp/content/application~1json/schema"
        "/properties/data/minItems",
        fix=lambda _: 0,
        why="`GET /hooks` lists the account's hooks; with none it answers an empty `data` "
        "(and meta.pagination total 0), which `minItems: 1` forbids",
    ),
    Deviation(
        spec="products_catalog.v3.yml",
        line=3426,
        pointer="/paths/~1catalog~1products~1{product_id}~1bulk-pricing-rules/get/responses/200"
        "/content/application~1json/schema/properties/data",
        fix=lambda rule: {"type": "array", "items": rule},
        why="'Get all Bulk Pricing Rules' answers a list with meta.pagination "
        "(metaCollection_Full), but `data` is described as one rule object",
    ),
)
"""Corrections applied to the loaded specs, each citing the spec line it corrects."""


class ConformanceError(AssertionError):
    """An exchange does not match BigCommerce's OpenAPI description."""


class SpecsMissingError(RuntimeError):
    """The OpenAPI folder is absent (a failure only when ``STAGINGPRO_REQUIRE_OPENAPI=1``)."""


def openapi_dir() -> Path:
    """The folder holding BigCommerce's OpenAPI files."""
    configured = os.environ.get(OPENAPI_DIR_ENV)
    if configured:
        return Path(configured)
    return REPO_ROOT.parent / "shared" / "bigcommerce-openapi"


def conformance_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


@dataclass(frozen=True)
class Exchange:
    """One request/response pair as seen on the wire."""

    method: str
    path: str
    """The sandbox path with its ``/stores/{hash}`` prefix, without the query string."""
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Template:
    spec: str
    template: str
    """The path as the spec writes it, e.g. ``/catalog/products/{product_id}``."""
    version: str
    pattern: re.Pattern[str]
    params: int
    methods: frozenset[str]


def _compile(template: str) -> tuple[re.Pattern[str], int]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}/?$"), sum(1 for p in parts if p.startswith("{"))


class _Request:
    """openapi-core's request protocol over an :class:`Exchange`."""

    def __init__(self, exchange: Exchange) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = SPEC_HOST
        self.path = exchange.path
        self.method = exchange.method.lower()
        self.body: bytes | None = None
        self.content_type = "application/json"
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(), header=Headers(), cookie=ImmutableMultiDict()
        )


class _Response:
    """openapi-core's response protocol over an :class:`Exchange`."""

    def __init__(self, exchange: Exchange) -> None:
        from werkzeug.datastructures import Headers

        self.status_code = exchange.status
        self.content_type = exchange.content_type
        self.data = exchange.body
        self.headers = Headers(dict(exchange.headers))


class ConformanceChecker:
    """Checks exchanges against the OpenAPI files in ``folder`` (see the module docstring)."""

    def __init__(self, folder: Path, deviations: tuple[Deviation, ...] = DEVIATIONS) -> None:
        if not folder.is_dir():
            raise SpecsMissingError(
                f"BigCommerce's OpenAPI folder {folder} does not exist; set {OPENAPI_DIR_ENV} "
                "to the folder holding the official *.yml files"
            )
        self.folder = folder
        self.deviations = deviations
        self._documents: dict[str, dict[str, Any]] = {}
        self._apis: dict[str, Any] = {}
        self._templates: list[_Template] = []
        self._lock = threading.Lock()
        self.checked = 0
        self.seconds = 0.0
        started = time.perf_counter()
        self._index()
        self.load_seconds = time.perf_counter() - started

    # -- index ------------------------------------------------------------------------------
    def _index(self) -> None:
        for name, document in _parsed_specs(self.folder).items():
            if not isinstance(document, dict) or "paths" not in document:
                continue
            for deviation in self.deviations:
                if deviation.spec == name:
                    _patch(document, deviation)
            _one_of_as_any_of(document)
            self._documents[name] = document
            server = str(document["servers"][0]["url"])
            version = server.rsplit("/", 1)[-1]
            for template, item in document["paths"].items():
                methods = frozenset(m for m in item if m in _METHODS)
                pattern, params = _compile(template)
                self._templates.append(_Template(name, template, version, pattern, params, methods))
        # Literal paths win over templated ones (``/catalog/products/category-assignments``
        # before ``/catalog/products/{product_id}``), as OpenAPI path matching requires.
        self._templates.sort(key=lambda t: (t.params, -len(t.template)))

    @property
    def spec_names(self) -> list[str]:
        return sorted(self._documents)

    def find(self, method: str, path: str) -> tuple[_Template | None, bool]:
        """The spec path matching the sandbox ``path`` and whether it declares ``method``."""
        match = _STORE_PATH.match(path)
        if match is None:
            return None, False
        version = match["rest"].lstrip("/")
        rest = match["path"]
        found: _Template | None = None
        for template in self._templates:
            if template.version == version and template.pattern.match(rest):
                if method.lower() in template.methods:
                    return template, True
                found = found or template
        return found, False

    def query_parameters(self, method: str, path: str) -> list[str]:
        """The names of the query parameters the spec's operation for the sandbox ``path``
        declares (path-level ones too), in the spec's order, each once."""
        template, declared = self.find(method, path)
        if template is None or not declared:
            return []
        document = self._documents[template.spec]
        item = document["paths"][template.template]
        names: list[str] = []
        for raw in [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]:
            parameter = _resolve(document, raw)
            if parameter.get("in") == "query" and parameter["name"] not in names:
                names.append(parameter["name"])
        return names

    def api(self, spec: str) -> Any:
        """The openapi-core object for ``spec``, built once."""
        with self._lock:
            built = self._apis.get(spec)
            if built is None:
                from openapi_core import OpenAPI
                from openapi_core.configurations import Config
                from openapi_core.deserializing.media_types.util import json_loads

                config = Config(
                    spec_validator_cls=None,
                    # Pages answer errors as RFC 7807 problem documents (pages.v3.yml).
                    extra_media_type_deserializers={"application/problem+json": json_loads},
                )
                built = OpenAPI.from_dict(self._documents[spec], config=config)
                self._apis[spec] = built
            return built

    # -- checking ---------------------------------------------------------------------------
    def check(self, exchange: Exchange) -> None:
        """Raise :class:`ConformanceError` when ``exchange`` does not match the spec."""
        started = time.perf_counter()
        try:
            self._check(exchange)
        finally:
            self.checked += 1
            self.seconds += time.perf_counter() - started

    def _check(self, exchange: Exchange) -> None:
        template, declared = self.find(exchange.method, exchange.path)
        where = f"{exchange.method} {exchange.path} → {exchange.status}"
        if template is None or not declared:
            # Authentication and rate limiting come before routing, as on BigCommerce.
            if exchange.status in (401, 403, 404, 405, 429):
                return
            what = (
                f"{template.spec} declares {template.template} without {exchange.method}"
                if template
                else "no BigCommerce spec declares this path"
            )
            raise ConformanceError(f"{where}: {what}, yet the sandbox answered it")
        api = self.api(template.spec)
        operation = self._documents[template.spec]["paths"][template.template][
            exchange.method.lower()
        ]
        responses: dict[str, Any] = operation.get("responses", {})
        declared_status = str(exchange.status) in responses or (
            f"{str(exchange.status)[0]}XX" in responses
        )
        if exchange.status == 204 and not exchange.body:
            if declared_status or (template.version == "v2" and exchange.method == "GET"):
                return  # no content to validate; a V2 list answers an empty page so
            raise ConformanceError(
                f"{where}: {template.spec} {exchange.method} {template.template} "
                f"declares statuses {sorted(responses)}, not 204"
            )
        if not declared_status:
            if exchange.status in PLATFORM_STATUSES:
                self._check_generic_error(exchange, template, where)
                return
            if "default" not in responses:
                raise ConformanceError(
                    f"{where}: {template.spec} {exchange.method} {template.template} "
                    f"declares statuses {sorted(responses)}, not {exchange.status}"
                )
        try:
            api.validate_response(_Request(exchange), _Response(exchange))
        except Exception as error:  # openapi-core raises a family of unrelated classes
            raise ConformanceError(
                f"{where}: does not match {template.spec} "
                f"{exchange.method} {template.template} {exchange.status}:\n"
                + "\n".join(_describe(error))
                + f"\nbody: {_excerpt(exchange.body)}"
            ) from None

    @staticmethod
    def _check_generic_error(exchange: Exchange, template: _Template, where: str) -> None:
        import json

        try:
            body = json.loads(exchange.body) if exchange.body else None
        except ValueError:
            body = None
        if template.version == "v2":
            ok = isinstance(body, list) and all(
                isinstance(e, dict) and "status" in e and "message" in e for e in body
            )
        else:
            ok = isinstance(body, dict) and "status" in body and "title" in body
        if not ok:
            shape = (
                "V2 [{status, message}]"
                if template.version == "v2"
                else "V3 {status, title, type, errors}"
            )
            raise ConformanceError(
                f"{where}: an undeclared {exchange.status} must carry BigCommerce's {shape} "
                f"error body; got {_excerpt(exchange.body)}"
            )


def _parsed_specs(folder: Path) -> dict[str, Any]:
    """Every ``*.yml`` file in ``folder`` as parsed YAML, by file name.

    Parsing the 2.2 MB of YAML is most of what a test process pays for the harness, so
    the result is cached as a pickle in the system's temporary folder, keyed by the files'
    names, sizes and modification times (any change re-parses). Corrections are applied
    after loading, so the cache holds the files exactly as they are.
    """
    files = sorted(folder.glob("*.yml"))
    stamp = "\n".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
    key = hashlib.sha256(f"{folder.resolve()}\n{stamp}".encode()).hexdigest()[:24]
    cache = Path(tempfile.gettempdir()) / "stagingpro-openapi-cache" / f"{key}.pickle"
    try:
        with cache.open("rb") as handle:
            cached: dict[str, Any] = pickle.load(handle)
        return cached
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    parsed = {
        p.name: yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) for p in files
    }
    with contextlib.suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(parsed, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cache)  # atomic: parallel test workers never read half a file
    return parsed


def _resolve(document: dict[str, Any], node: Any) -> Any:
    """``node`` with its local ``$ref`` chain followed."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for key in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[key.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _patch(document: dict[str, Any], deviation: Deviation) -> None:
    keys = deviation.path_keys()
    node: Any = document
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = deviation.fix(node[keys[-1]])


def _one_of_as_any_of(node: Any) -> Any:
    """Read every ``oneOf`` as ``anyOf``, in place.

    BigCommerce's specs use ``oneOf`` for alternatives that overlap, so correct documents
    match more than one and ``oneOf`` rejects them: the product image (with or without
    ``image_file``, products_catalog.v3.yml:1363), customer-group ``discount_rules`` (two
    array shapes that both accept ``[]``, customers.v2.yml:1427), an order's
    ``consignments`` (orders.v2.oas2.yml:4423). ``anyOf`` still requires a match with at
    least one alternative.
    """
    if isinstance(node, dict):
        if "oneOf" in node:
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _one_of_as_any_of(value)
    elif isinstance(node, list):
        for value in node:
            _one_of_as_any_of(value)
    return node


def _describe(error: BaseException) -> Iterator[str]:
    """Readable lines for an openapi-core error: the message and each schema error's path."""
    yield f"  {type(error).__name__}: {_short(str(error))}"
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for schema_error in getattr(current, "schema_errors", None) or ():
            yield from _schema_lines(schema_error, "  ")
        current = current.__cause__ or current.__context__


def _schema_lines(error: Any, indent: str) -> Iterator[str]:
    instance_path = "/".join(str(p) for p in getattr(error, "absolute_path", ()))
    schema_path = "/".join(str(p) for p in getattr(error, "absolute_schema_path", ()))
    message = _short(str(getattr(error, "message", error)))
    yield f"{indent}- at /{instance_path}: {message} (schema: {schema_path})"
    for child in (getattr(error, "context", None) or ())[:5]:
        yield from _schema_lines(child, indent + "    ")


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _excerpt(body: bytes, limit: int = 600) -> str:
    text = body.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"


_checker: ConformanceChecker | None = None
_checker_error: SpecsMissingError | None = None
_checker_lock = threading.Lock()


def session_checker() -> ConformanceChecker | None:
    """The process-wide checker, or ``None`` when the specs are absent and not required.

    Raises :class:`SpecsMissingError` when the folder is absent and
    ``STAGINGPRO_REQUIRE_OPENAPI=1``.
    """
    global _checker, _checker_error
    with _checker_lock:
        if _checker is None and _checker_error is None:
            try:
                _checker = ConformanceChecker(openapi_dir())
            except SpecsMissingError as error:
                _checker_error = error
        if _checker_error is not None and conformance_required():
            raise SpecsMissingError(
                f"{_checker_error} ({REQUIRE_ENV}=1: the conformance checks must run)"
            )
        return _checker
