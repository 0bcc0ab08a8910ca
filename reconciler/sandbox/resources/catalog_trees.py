"""Category trees V3: ``/v3/catalog/trees`` and ``/v3/catalog/trees/categories``
(category-trees_catalog.v3.yml).

Every category lives in one tree; each tree is bound to channels (a channel has at most one
tree). Tree 1, bound to channel 1, exists from the first catalogue request on
(:func:`ensure_default_tree`). Rules: ``name`` at most 50 characters and unique among
siblings (case-insensitively), depth at most 8, ``url.path`` unique store-wide (shared with
products and brands). Batch writes answer per item: all good → 201/200; some failed → 207
``{data, errors: {status, title, type, errors: {"<index>.<field>": message}}, meta: {total,
success, failed}}``; all failed → 422 with the same ``errors``/``meta``.

The legacy ``/v3/catalog/categories`` endpoints (:mod:`catalog_categories`) serve the same
documents through :func:`legacy_view`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import (
    ERROR_TYPE,
    ApiProblem,
    check_batch_size,
    csv_param,
    empty,
    int_list_param,
    json_response,
    list_response,
    read_array,
)
from reconciler.sandbox.resources._support import bool_param, like
from reconciler.sandbox.resources.catalog_common import (
    CATEGORIES,
    PRODUCTS,
    SCOPE,
    TREES,
    Field,
    delete_metafields,
    field_errors,
    field_selector,
    free_url,
    known,
    select_fields,
    slug,
    url_owner,
)
from reconciler.sandbox.storage import Collection, Document, Store

api = Api(scope=SCOPE)

MAX_TREES_PER_CALL = 50
MAX_DEPTH = 8
MAX_CATEGORIES = 16000

SORTS = (
    "use_store_settings",
    "featured",
    "newest",
    "best_selling",
    "alpha_asc",
    "alpha_desc",
    "avg_customer_review",
    "price_asc",
    "price_desc",
)
CATEGORY_FIELDS: dict[str, Field] = {
    "name": Field("str", min_len=1, max_len=50),
    "parent_id": Field("int", minimum=0),
    "tree_id": Field("int", minimum=1),
    "description": Field("str"),
    "views": Field("int", minimum=0),
    "sort_order": Field("int", minimum=-2147483648, maximum=2147483647),
    "page_title": Field("str", max_len=255),
    "meta_keywords": Field("strs"),
    "meta_description": Field("str", max_len=65535),
    "layout_file": Field("str", max_len=50),
    "image_url": Field("str"),
    "is_visible": Field("bool"),
    "search_keywords": Field("str", max_len=255),
    "default_product_sort": Field("enum", choices=SORTS),
    "url": Field("obj"),
}
READ_ONLY = ("category_uuid",)
TREE_FIELDS: dict[str, Field] = {
    "id": Field("int", minimum=1),
    "name": Field("str", min_len=1, max_len=255),
    "channels": Field("ints"),
}


# -- the tree model -------------------------------------------------------------------------------
def ensure_default_tree(store: Store) -> None:
    """Create tree 1 for channel 1 the first time the catalogue's categories are used."""
    if store.meta.get("catalog_default_tree"):
        return
    trees = store.collection(TREES)
    if not len(trees):
        tree_id = trees.new_id()
        trees.save({"id": tree_id, "name": "Default", "channels": [1]})
    store.set_meta("catalog_default_tree", True)


def categories(store: Store) -> Collection:
    return store.collection(CATEGORIES)


def depth_of(store: Store, category: Document) -> int:
    depth, parent = 1, category["parent_id"]
    coll = categories(store)
    while parent:
        depth += 1
        node = coll.get(parent)
        if node is None:
            break
        parent = node["parent_id"]
    return depth


def ancestors(store: Store, category: Document) -> list[int]:
    """Ids from the root down to the category's parent."""
    path: list[int] = []
    parent = category["parent_id"]
    coll = categories(store)
    while parent:
        path.append(parent)
        node = coll.get(parent)
        parent = node["parent_id"] if node else 0
    return list(reversed(path))


def subtree(store: Store, category_id: int) -> list[Document]:
    """The category and all its descendants."""
    coll = categories(store)
    root = coll.get(category_id)
    if root is None:
        return []
    out, queue = [root], [root]
    while queue:
        node = queue.pop()
        children = coll.lookup("siblings", (node["tree_id"], node["id"]))
        out.extend(children)
        queue.extend(children)
    return out


def subtree_height(store: Store, category_id: int) -> int:
    coll = categories(store)

    def height(cid: int, tree_id: int) -> int:
        children = coll.lookup("siblings", (tree_id, cid))
        return 1 + max((height(c["id"], tree_id) for c in children), default=0)

    node = coll.get(category_id)
    return height(category_id, node["tree_id"]) if node else 0


def sibling_named(
    store: Store, tree_id: int, parent_id: int, name: str, exclude: int | None = None
) -> Document | None:
    for doc in categories(store).lookup("siblings", (tree_id, parent_id)):
        if doc["name"].lower() == name.lower() and doc["id"] != exclude:
            return doc
    return None


def new_category(store: Store, item: dict[str, Any], tree_id: int, parent_id: int) -> Document:
    """Store a category from a checked item (see :func:`check_new`)."""
    coll = categories(store)
    doc: Document = {
        "id": coll.new_id(),
        "category_uuid": str(uuid.uuid4()),
        "tree_id": tree_id,
        "parent_id": parent_id,
        "name": item["name"],
        "description": "",
        "views": 0,
        "sort_order": 0,
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "layout_file": "category.html",
        "image_url": "",
        "is_visible": True,
        "search_keywords": "",
        "default_product_sort": "use_store_settings",
    }
    fields = known(item, CATEGORY_FIELDS)
    url = fields.pop("url", None)
    doc.update(fields)
    doc["tree_id"], doc["parent_id"] = tree_id, parent_id
    if url and url.get("path"):
        doc["url"] = {"path": url["path"], "is_customized": bool(url.get("is_customized", True))}
    else:
        doc["url"] = {
            "path": free_url(store, default_path(store, parent_id, item["name"])),
            "is_customized": False,
        }
    return coll.save(doc)


def default_path(store: Store, parent_id: int, name: str) -> str:
    parent = categories(store).get(parent_id) if parent_id else None
    base = parent["url"]["path"] if parent else "/"
    return f"{base.rstrip('/')}/{slug(name)}/"


def check_url(store: Store, item: dict[str, Any], me: int | None, claimed: set[str]) -> str | None:
    url = item.get("url")
    if url is None:
        return None
    path = url.get("path")
    if not isinstance(path, str) or not path.startswith("/") or len(path) > 255:
        return "url.path must be a path starting with '/' (<= 255 characters)"
    owner = url_owner(store, path)
    if (owner is not None and owner != ("category", me)) or path.lower() in claimed:
        return f"The URL {path!r} is already in use"
    claimed.add(path.lower())
    return None


def check_new(
    store: Store,
    item: dict[str, Any],
    claimed_names: set[tuple[int, int, str]],
    claimed_urls: set[str],
) -> tuple[dict[str, str], int, int]:
    """Problems of one new category (field → message), with its tree and parent ids."""
    errors = field_errors(item, CATEGORY_FIELDS, required=("name",), ignored=READ_ONLY)
    if errors:
        return errors, 0, 0
    parent_id = item.get("parent_id") or 0
    tree_id = item.get("tree_id")
    if parent_id:
        parent = categories(store).get(parent_id)
        if parent is None:
            return {"parent_id": f"category {parent_id} does not exist"}, 0, 0
        if tree_id is not None and tree_id != parent["tree_id"]:
            return {"tree_id": "the parent is in another tree"}, 0, 0
        tree_id = parent["tree_id"]
        if depth_of(store, parent) + 1 > MAX_DEPTH:
            return {"parent_id": f"categories nest at most {MAX_DEPTH} levels deep"}, 0, 0
    elif tree_id is None:
        return {"tree_id": "tree_id or parent_id is required"}, 0, 0
    if store.collection(TREES).get(tree_id) is None:
        return {"tree_id": f"tree {tree_id} does not exist"}, 0, 0
    key = (tree_id, parent_id, item["name"].lower())
    if sibling_named(store, tree_id, parent_id, item["name"]) or key in claimed_names:
        return {"name": f"a sibling category is already named {item['name']!r}"}, 0, 0
    problem = check_url(store, item, None, claimed_urls)
    if problem:
        return {"url": problem}, 0, 0
    if len(categories(store)) + 1 > MAX_CATEGORIES:
        return {"name": f"a store has at most {MAX_CATEGORIES} categories"}, 0, 0
    claimed_names.add(key)
    return {}, tree_id, parent_id


def check_update(
    store: Store,
    doc: Document,
    item: dict[str, Any],
    claimed_names: set[tuple[int, int, str]],
    claimed_urls: set[str],
) -> dict[str, str]:
    errors = field_errors(item, CATEGORY_FIELDS, ignored=(*READ_ONLY, "category_id", "id"))
    if errors:
        return errors
    if item.get("tree_id") not in (None, doc["tree_id"]):
        return {"tree_id": "a category cannot move to another tree"}
    parent_id = int(item["parent_id"] if "parent_id" in item else doc["parent_id"])
    if parent_id != doc["parent_id"] and parent_id:
        parent = categories(store).get(parent_id)
        if parent is None or parent["tree_id"] != doc["tree_id"]:
            return {"parent_id": f"category {parent_id} does not exist in this tree"}
        if parent_id in {d["id"] for d in subtree(store, doc["id"])}:
            return {"parent_id": "a category cannot move under itself"}
        if depth_of(store, parent) + subtree_height(store, doc["id"]) > MAX_DEPTH:
            return {"parent_id": f"categories nest at most {MAX_DEPTH} levels deep"}
    name = str(item.get("name", doc["name"]))
    key = (int(doc["tree_id"]), parent_id, name.lower())
    if (
        sibling_named(store, doc["tree_id"], parent_id, name, exclude=doc["id"])
        or key in claimed_names
    ):
        return {"name": f"a sibling category is already named {name!r}"}
    problem = check_url(store, item, doc["id"], claimed_urls)
    if problem:
        return {"url": problem}
    claimed_names.add(key)
    return {}


def apply_update(store: Store, doc: Document, item: dict[str, Any]) -> Document:
    fields = known(item, CATEGORY_FIELDS)
    url = fields.pop("url", None)
    fields.pop("tree_id", None)
    doc.update(fields)
    if url is not None:
        doc["url"] = {"path": url["path"], "is_customized": bool(url.get("is_customized", True))}
    return categories(store).save(doc)


def delete_categories(store: Store, roots: list[Document]) -> int:
    """Delete categories with their descendants and their metafields, and unassign their
    products; the count."""
    doomed: dict[int, Document] = {}
    for root in roots:
        for node in subtree(store, root["id"]):
            doomed[node["id"]] = node
    products = store.collection(PRODUCTS)
    for category_id in doomed:
        for product in products.lookup("category", category_id):
            product["categories"] = [c for c in product["categories"] if c not in doomed]
            products.save(product)
    delete_metafields(store, "category", doomed)
    coll = categories(store)
    for category_id in doomed:
        coll.delete(category_id)
    return len(doomed)


def tree_view(doc: Document) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k != "id"}
    out["category_id"] = doc["id"]
    return out


def legacy_view(doc: Document) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in ("url", "tree_id", "category_uuid")}
    out["custom_url"] = {"url": doc["url"]["path"], "is_customized": doc["url"]["is_customized"]}
    return out


def batch_result(
    status_ok: int, data: list[dict[str, Any]], errors: dict[str, str], total: int, title: str
) -> Response:
    meta = {"total": total, "success": len(data), "failed": total - len(data)}
    if not errors:
        return json_response({"data": data, "meta": meta}, status_ok)
    problem = {"status": 422, "title": title, "type": ERROR_TYPE, "errors": errors}
    if not data:
        return json_response({"errors": problem, "meta": meta}, 422)
    return json_response({"data": data, "errors": problem, "meta": meta}, 207)


def batch_problem(title: str, errors: dict[str, str], total: int = 0) -> Response:
    """The tree endpoints' 422: the problem nested under ``errors``, with ``meta`` counts."""
    problem = {"status": 422, "title": title, "type": ERROR_TYPE, "errors": errors}
    meta = {"total": total, "success": 0, "failed": total}
    return json_response({"errors": problem, "meta": meta}, 422)


# -- tree categories ------------------------------------------------------------------------------
def _member(key: str, values: set[Any], inside: bool) -> Callable[[Document], bool]:
    return lambda doc: (doc[key] in values) is inside


def _filtered(request: Request, store: Store) -> list[Document]:
    coll = categories(store)
    trees = int_list_param(request, "tree_id:in")
    if trees is not None:
        found = {d["id"]: d for t in trees for d in coll.lookup("tree", t)}
        docs = [found[k] for k in sorted(found)]
    else:
        docs = list(coll)
    tests: list[Callable[[Document], bool]] = []
    for param, key in (("category_id", "id"), ("parent_id", "parent_id"), ("tree_id", "tree_id")):
        values = int_list_param(request, f"{param}:in")
        if values is not None:
            tests.append(_member(key, set(values), True))
        excluded = int_list_param(request, f"{param}:not_in")
        if excluded is not None:
            tests.append(_member(key, set(excluded), False))
    uuids = csv_param(request, "category_uuid:in")
    if uuids is not None:
        tests.append(_member("category_uuid", set(uuids), True))
    params = request.query_params
    if "name" in params:
        tests.append(lambda d: d["name"] == params["name"])
    if "name:like" in params:
        tests.append(lambda d: like(params["name:like"], d["name"]))
    if "page_title" in params:
        tests.append(lambda d: d["page_title"] == params["page_title"])
    if "keyword" in params:
        tests.append(
            lambda d: (
                like(params["keyword"], d["name"]) or like(params["keyword"], d["description"])
            )
        )
    visible = bool_param(request, "is_visible")
    if visible is not None:
        tests.append(lambda d: d["is_visible"] is visible)
    return [d for d in docs if all(t(d) for t in tests)]


@api.route("GET", "/v3/catalog/trees/categories")
async def list_tree_categories(request: Request, store: Store) -> Response:
    ensure_default_tree(store)
    include, exclude = field_selector(request)
    return list_response(
        _filtered(request, store),
        request,
        render=lambda d: select_fields(
            tree_view(d), include | {"category_id"} if include else None, exclude
        ),
    )


@api.route("POST", "/v3/catalog/trees/categories")
async def post_tree_categories(request: Request, store: Store) -> Response:
    ensure_default_tree(store)
    items = await read_array(request)
    names: set[tuple[int, int, str]] = set()
    urls: set[str] = set()
    created: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    # Items are created in order so that a later item may name an earlier one as parent.
    for i, item in enumerate(items):
        problems, tree_id, parent_id = check_new(store, item, names, urls)
        if problems:
            errors.update({f"{i}.{k}": v for k, v in problems.items()})
            continue
        created.append(tree_view(new_category(store, item, tree_id, parent_id)))
    return batch_result(201, created, errors, len(items), "Some categories were not created")


@api.route("PUT", "/v3/catalog/trees/categories")
async def put_tree_categories(request: Request, store: Store) -> Response:
    ensure_default_tree(store)
    items = await read_array(request)
    names: set[tuple[int, int, str]] = set()
    urls: set[str] = set()
    updated: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for i, item in enumerate(items):
        category_id = item.get("category_id")
        doc = categories(store).get(category_id) if isinstance(category_id, int) else None
        if doc is None:
            message = (
                "category_id is required"
                if category_id is None
                else f"category {category_id} does not exist"
            )
            errors[f"{i}.category_id"] = message
            continue
        problems = check_update(store, doc, item, names, urls)
        if problems:
            errors.update({f"{i}.{k}": v for k, v in problems.items()})
            continue
        updated.append(tree_view(apply_update(store, doc, item)))
    return batch_result(200, updated, errors, len(items), "Some categories were not updated")


@api.route("DELETE", "/v3/catalog/trees/categories")
async def delete_tree_categories(request: Request, store: Store) -> Response:
    filters = ("category_id:in", "tree_id:in", "parent_id:in", "category_uuid:in")
    if not any(f in request.query_params for f in filters):
        return batch_problem(
            "A filter is required",
            {"category_id:in": "give category_id:in, tree_id:in, parent_id:in or category_uuid:in"},
        )
    docs = _filtered(request, store)
    count = delete_categories(store, docs)
    return json_response({"meta": {"total": count, "success": count, "failed": 0}}, 202)


# -- trees ----------------------------------------------------------------------------------------
@api.route("GET", "/v3/catalog/trees")
async def list_trees(request: Request, store: Store) -> Response:
    ensure_default_tree(store)
    docs = list(store.collection(TREES))
    ids = int_list_param(request, "id:in")
    if ids is not None:
        docs = [d for d in docs if d["id"] in set(ids)]
    channels = int_list_param(request, "channel_id:in")
    if channels is not None:
        docs = [d for d in docs if set(d["channels"]) & set(channels)]
    return list_response(docs, request)


@api.route("PUT", "/v3/catalog/trees")
async def put_trees(request: Request, store: Store) -> Response:
    ensure_default_tree(store)
    items = await read_array(request)
    check_batch_size(len(items), MAX_TREES_PER_CALL)
    trees = store.collection(TREES)
    errors: dict[str, str] = {}
    bound: dict[int, int | None] = {}
    for tree in trees:
        for channel in tree["channels"]:
            bound[channel] = tree["id"]
    for i, item in enumerate(items):
        problems = field_errors(item, TREE_FIELDS, prefix=f"{i}.")
        if not problems and item.get("id") is None:
            problems = field_errors(
                item, TREE_FIELDS, required=("name", "channels"), prefix=f"{i}."
            )
        if not problems and item.get("id") is not None and trees.get(item["id"]) is None:
            problems = {f"{i}.id": f"tree {item['id']} does not exist"}
        if not problems:
            for channel in item.get("channels") or ():
                owner = bound.get(channel)
                if owner is not None and owner != item.get("id"):
                    problems[f"{i}.channels"] = f"channel {channel} already has tree {owner}"
                bound[channel] = item.get("id") if item.get("id") is not None else -1 - i
        errors.update(problems)
    if errors:
        raise ApiProblem(422, "JSON data is missing or invalid", errors)
    saved: list[Document] = []
    for item in items:
        if item.get("id") is not None:
            doc = trees.get(item["id"])
            assert doc is not None
            doc.update({k: v for k, v in item.items() if k in ("name", "channels")})
        else:
            doc = {"id": trees.new_id(), "name": item["name"], "channels": item["channels"]}
        saved.append(trees.save(doc))
    meta = {"total": len(items), "success": len(items), "failed": 0}
    return json_response({"data": saved, "meta": meta})


@api.route("DELETE", "/v3/catalog/trees")
async def delete_trees(request: Request, store: Store) -> Response:
    ensure_default_tree(store)
    ids = int_list_param(request, "id:in")
    if not ids:
        return batch_problem("A filter is required", {"id:in": "id:in is required"})
    trees = store.collection(TREES)
    for tree_id in ids:
        if trees.get(tree_id) is None:
            continue
        delete_categories(store, categories(store).lookup("siblings", (tree_id, 0)))
        trees.delete(tree_id)
    return empty(204)


@api.route("GET", "/v3/catalog/trees/{tree_id:int}/categories", concurrency=1)
async def get_tree(request: Request, store: Store) -> Response:
    ensure_default_tree(store)
    tree_id = request.path_params["tree_id"]
    if store.collection(TREES).get(tree_id) is None:
        raise ApiProblem(404, "The tree was not found.", {"tree_id": f"no tree {tree_id}"})
    raw_depth = request.query_params.get("depth")
    try:
        max_depth = int(raw_depth) if raw_depth else MAX_DEPTH
    except ValueError:
        raise ApiProblem(422, "Invalid query parameter", {"depth": "must be an integer"}) from None
    coll = categories(store)

    def nodes(parent_id: int, depth: int, path: list[int]) -> list[dict[str, Any]]:
        out = []
        children = sorted(
            coll.lookup("siblings", (tree_id, parent_id)), key=lambda d: (d["sort_order"], d["id"])
        )
        for child in children:
            out.append(
                {
                    "id": child["id"],
                    "parent_id": parent_id,
                    "depth": depth,
                    "path": path,
                    "name": child["name"],
                    "is_visible": child["is_visible"],
                    "url": child["url"]["path"],
                    "children": nodes(child["id"], depth + 1, [*path, child["id"]])
                    if depth < max_depth
                    else [],
                }
            )
        return out

    return json_response({"data": nodes(0, 1, []), "meta": {}})
