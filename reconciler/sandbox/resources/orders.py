"""Orders V2 (orders.v2.oas2.yml): ``/v2/orders``, its products and shipping addresses (lists
and single items), its coupons, taxes, shipments and messages (always empty: not modelled),
``/v2/orders/count`` and ``/v2/order_statuses``.

V2 conventions: bare arrays (204 on an empty page), money as decimal strings with four
places, dates in RFC 2822 (``Wed, 10 Jan 2018 21:05:30 +0000``), errors as
``[{"status", "message"}]`` with 400 for an invalid body and 404 for an unknown order.

* POST requires ``billing_address`` (with ``zip``) and ``products``. A line item is either a
  catalogue product (``product_id``, optionally ``variant_id``; name, SKU and price come
  from the catalogue unless given) or a custom item (``name``, ``quantity``,
  ``price_ex_tax``, ``price_inc_tax``). Totals are computed: subtotals from the lines, plus
  shipping, handling and wrapping, minus ``discount_amount``; tax is inc minus ex.
* DELETE archives: the order keeps its id, reads back with ``is_deleted: true`` and leaves
  lists and counts. ``DELETE /v2/orders`` archives every order.
* ``consignments`` (pickup orders) are not modelled: a POST with them is a 400 naming them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import (
    V2Problem,
    empty,
    json_response,
    page_and_limit,
    read_v2_object,
)
from reconciler.sandbox.storage import Document, Store, define_collection, define_index

api = Api(scope="store_v2_orders")

ORDERS = "orders"
PRODUCTS = "catalog_products"  # the catalogue's collection, read only
FOUR = Decimal("0.0001")

STATUSES: tuple[tuple[int, str, str], ...] = (
    (
        0,
        "Incomplete",
        "A shopper reached the payment page, but did not complete the transaction.",
    ),
    (1, "Pending", "Customer started the checkout process, but did not complete it."),
    (
        2,
        "Shipped",
        "Order has been shipped, but receipt has not been confirmed.",
    ),
    (
        3,
        "Partially Shipped",
        "Only some items in the order have been shipped.",
    ),
    (4, "Refunded", "Seller has used the Refund action."),
    (
        5,
        "Cancelled",
        "Seller has cancelled an order, due to a stock inconsistency or other reasons.",
    ),
    (
        6,
        "Declined",
        "Seller has marked the order as declined for lack of manual payment, or other reasons.",
    ),
    (
        7,
        "Awaiting Payment",
        "Customer has completed checkout process, but payment has yet to be confirmed.",
    ),
    (
        8,
        "Awaiting Pickup",
        "Order has been pulled, and is awaiting customer pickup from a seller-specified location.",
    ),
    (
        9,
        "Awaiting Shipment",
        "Order has been pulled and packaged, and is awaiting collection from a shipping provider.",
    ),
    (
        10,
        "Completed",
        "Client has paid for their digital product and their file(s) are available for download.",
    ),
    (
        11,
        "Awaiting Fulfillment",
        "Customer has completed the checkout process and payment has been confirmed.",
    ),
    (
        12,
        "Manual Verification Required",
        "Order is on hold while some aspect needs to be manually confirmed.",
    ),
    (
        13,
        "Disputed",
        "Customer has initiated a dispute resolution process for the payment.",
    ),
    (14, "Partially Refunded", "Seller has partially refunded the order."),
)
STATUS_NAMES = {sid: name for sid, name, _ in STATUSES}
SORT_FIELDS = (
    "id",
    "customer_id",
    "date_created",
    "date_modified",
    "status_id",
    "channel_id",
    "external_id",
)

ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "street_1",
    "street_2",
    "city",
    "state",
    "zip",
    "country",
    "country_iso2",
    "phone",
    "email",
)
MONEY_INPUTS = (
    "base_handling_cost",
    "base_shipping_cost",
    "base_wrapping_cost",
    "discount_amount",
    "handling_cost_ex_tax",
    "handling_cost_inc_tax",
    "shipping_cost_ex_tax",
    "shipping_cost_inc_tax",
    "wrapping_cost_ex_tax",
    "wrapping_cost_inc_tax",
    "store_credit_amount",
    "gift_certificate_amount",
    "refunded_amount",
)
TEXT_INPUTS = (
    "customer_message",
    "staff_notes",
    "payment_method",
    "external_order_id",
    "external_source",
    "external_merchant_id",
    "ebay_order_id",
    "geoip_country",
    "geoip_country_iso2",
    "ip_address",
    "ip_address_v6",
    "order_source",
    "customer_locale",
    "tax_provider_id",
    "cart_id",
    "default_currency_code",
)
OTHER_INPUTS = (
    "billing_address",
    "products",
    "shipping_addresses",
    "status_id",
    "customer_id",
    "channel_id",
    "is_email_opt_in",
    "date_created",
    "payment_provider_id",
    "order_is_digital",
    "items_shipped",
    "items_total",
    "fees",
    "consignments",
    "subtotal_ex_tax",
    "subtotal_inc_tax",
    "total_ex_tax",
    "total_inc_tax",
    "external_id",
)

define_collection(ORDERS)
define_index(ORDERS, "customer", lambda d: [d["customer_id"]])
define_index(
    ORDERS, "external", lambda d: [d["external_order_id"]] if d.get("external_order_id") else []
)


def _bad(message: str) -> V2Problem:
    return V2Problem(400, message)


def _money(value: Any, name: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _bad(f"{name} must be a decimal amount, got {value!r}") from None
    if not amount.is_finite():
        raise _bad(f"{name} must be a decimal amount, got {value!r}")
    return amount


def _fmt(amount: Decimal) -> str:
    return str(amount.quantize(FOUR))


def rfc2822(moment: datetime | None = None) -> str:
    return format_datetime((moment or datetime.now(UTC)).replace(microsecond=0))


def _utc(moment: datetime) -> str:
    """A sortable UTC ISO 8601 stamp."""
    return moment.astimezone(UTC).isoformat()


def _stamped(doc: dict[str, Any]) -> dict[str, Any]:
    """Keep sortable copies of the RFC 2822 dates so date filters need no parsing per order."""
    doc["_date_created"] = _utc(parsedate_to_datetime(doc["date_created"]))
    doc["_date_modified"] = _utc(parsedate_to_datetime(doc["date_modified"]))
    return doc


def _parse_date(raw: str, name: str) -> datetime:
    """Dates in filters: RFC 2822 or ISO 8601 (a bare date is midnight UTC)."""
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        pass
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"{name} must be an RFC 2822 or ISO 8601 date, got {raw!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# -- line items ---------------------------------------------------------------------------------
def _catalog_line(store: Store, item: dict[str, Any], index: int) -> dict[str, Any]:
    product_id = item.get("product_id")
    if not isinstance(product_id, int) or isinstance(product_id, bool):
        raise _bad(f"products[{index}].product_id must be an integer")
    product = store.collection(PRODUCTS).get(product_id)
    if product is None:
        raise _bad(f"products[{index}]: product {product_id} does not exist")
    variants = product.get("variants") or []
    variant_id = item.get("variant_id")
    if variant_id is not None:
        variant = next((v for v in variants if v["id"] == variant_id), None)
        if variant is None:
            raise _bad(
                f"products[{index}]: variant {variant_id} is not a variant of product {product_id}"
            )
    elif len(variants) == 1:
        variant = variants[0]
    else:
        raise _bad(f"products[{index}]: product {product_id} has variants; give variant_id")
    catalogue_price = (
        variant.get("calculated_price") or variant.get("price") or product.get("price") or 0
    )
    price_ex = _money(item.get("price_ex_tax", catalogue_price), f"products[{index}].price_ex_tax")
    price_inc = _money(item.get("price_inc_tax", price_ex), f"products[{index}].price_inc_tax")
    return {
        "product_id": product_id,
        "variant_id": variant["id"],
        "name": item.get("name") or product.get("name", ""),
        "sku": variant.get("sku") or product.get("sku", ""),
        "type": product.get("type", "physical"),
        "upc": item.get("upc") or variant.get("upc") or "",
        "weight": variant.get("calculated_weight") or product.get("weight") or 0,
        "brand": "",
        "price_ex": price_ex,
        "price_inc": price_inc,
        "product_options": item.get("product_options") or [],
    }


def _custom_line(item: dict[str, Any], index: int) -> dict[str, Any]:
    missing = [
        k
        for k in ("name", "quantity", "price_inc_tax", "price_ex_tax")
        if item.get(k) in (None, "")
    ]
    if missing:
        raise _bad(f"products[{index}] needs {', '.join(missing)} (or a product_id)")
    if len(str(item["name"])) > 250:
        raise _bad(f"products[{index}].name must be at most 250 characters")
    return {
        "product_id": 0,
        "variant_id": 0,
        "name": str(item["name"]),
        "sku": str(item.get("sku", "")),
        "type": "physical",
        "upc": str(item.get("upc", "")),
        "weight": 0,
        "brand": "",
        "price_ex": _money(item["price_ex_tax"], f"products[{index}].price_ex_tax"),
        "price_inc": _money(item["price_inc_tax"], f"products[{index}].price_inc_tax"),
        "product_options": [],
    }


def _lines(store: Store, products: Any) -> list[dict[str, Any]]:
    if not isinstance(products, list) or not products:
        raise _bad("The field 'products' is required and must be a non-empty array.")
    lines: list[dict[str, Any]] = []
    for index, item in enumerate(products):
        if not isinstance(item, dict):
            raise _bad(f"products[{index}] must be an object")
        line = (
            _catalog_line(store, item, index) if "product_id" in item else _custom_line(item, index)
        )
        quantity = item.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise _bad(f"products[{index}].quantity must be a positive integer")
        line["quantity"] = quantity
        line["name_customer"] = item.get("name_customer", line["name"])
        line["name_merchant"] = item.get("name_merchant", line["name"])
        lines.append(line)
    return lines


def _product_doc(
    order_id: int, line_id: int, line: dict[str, Any], address_id: int
) -> dict[str, Any]:
    qty = Decimal(line["quantity"])
    ex, inc = line["price_ex"], line["price_inc"]
    return {
        "id": line_id,
        "order_id": order_id,
        "product_id": line["product_id"],
        "order_pickup_method_id": 0,
        "order_address_id": address_id,
        "name": line["name"],
        "sku": line["sku"],
        "type": line["type"],
        "base_price": _fmt(ex),
        "price_ex_tax": _fmt(ex),
        "price_inc_tax": _fmt(inc),
        "price_tax": _fmt(inc - ex),
        "base_total": _fmt(ex * qty),
        "total_ex_tax": _fmt(ex * qty),
        "total_inc_tax": _fmt(inc * qty),
        "total_tax": _fmt((inc - ex) * qty),
        "quantity": line["quantity"],
        "base_cost_price": "0.0000",
        "cost_price_inc_tax": "0.0000",
        "cost_price_ex_tax": "0.0000",
        "weight": line["weight"],
        "width": "0.0000",
        "height": "0.0000",
        "depth": "0.0000",
        "cost_price_tax": "0.0000",
        "is_refunded": False,
        "quantity_refunded": 0,
        "refund_amount": "0.0000",
        "return_id": 0,
        "wrapping_id": 0,
        "wrapping_name": None,
        "base_wrapping_cost": "0.0000",
        "wrapping_cost_ex_tax": "0.0000",
        "wrapping_cost_inc_tax": "0.0000",
        "wrapping_cost_tax": "0.0000",
        "wrapping_message": "",
        "quantity_shipped": 0,
        "event_name": None,
        "event_date": None,
        "fixed_shipping_cost": "0.0000",
        "ebay_item_id": "",
        "ebay_transaction_id": "",
        "option_set_id": None,
        "parent_order_product_id": None,
        "is_bundled_product": False,
        "bin_picking_number": "",
        "external_id": None,
        "brand": line["brand"],
        "applied_discounts": [],
        "product_options": [],
        "configurable_fields": [],
        "upc": line["upc"],
        "variant_id": line["variant_id"],
        "name_customer": line["name_customer"],
        "name_merchant": line["name_merchant"],
        "gift_certificate_id": None,
    }


def _address(raw: Any, name: str, *, require_zip: bool) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise _bad(f"The field '{name}' is required and must be an object.")
    unknown = sorted(set(raw) - set(ADDRESS_FIELDS) - {"shipping_method", "form_fields"})
    if unknown:
        raise _bad(f"{name} has unknown field(s): {', '.join(unknown)}")
    if require_zip and not raw.get("zip"):
        raise _bad(f"The field '{name}.zip' is required.")
    address = {k: str(raw.get(k, "") or "") for k in ADDRESS_FIELDS}
    if address["country_iso2"] and not address["country"]:
        address["country"] = address["country_iso2"]
    return address


# -- orders ---------------------------------------------------------------------------------------
def _build(store: Store, body: dict[str, Any], current: Document | None) -> dict[str, Any]:
    """Validate ``body`` (a whole order, or changes to ``current``) and return the new order."""
    unknown = sorted(set(body) - set(MONEY_INPUTS) - set(TEXT_INPUTS) - set(OTHER_INPUTS) - {"id"})
    if unknown:
        raise _bad(f"Unknown field(s) for an order: {', '.join(unknown)}")
    if body.get("consignments") is not None:
        raise _bad("consignments (pickup orders) are not supported by the sandbox; send products")
    order: dict[str, Any] = dict(current) if current else {}
    if current is None or "billing_address" in body:
        order["billing_address"] = {
            **_address(body.get("billing_address"), "billing_address", require_zip=True),
            "form_fields": [],
        }
    if current is None or "products" in body:
        order["_lines"] = _lines(store, body.get("products"))
    if current is None or "shipping_addresses" in body:
        raw = body.get("shipping_addresses") or []
        if not isinstance(raw, list):
            raise _bad("shipping_addresses must be an array")
        order["_shipping"] = [
            {
                **_address(a, f"shipping_addresses[{i}]", require_zip=False),
                "shipping_method": str(a.get("shipping_method", "") if isinstance(a, dict) else ""),
            }
            for i, a in enumerate(raw)
        ]
    status_id = body.get("status_id", order.get("status_id", 1))
    if status_id not in STATUS_NAMES:
        raise _bad(f"status_id must be one of {sorted(STATUS_NAMES)}, got {status_id!r}")
    order["status_id"] = status_id
    customer_id = body.get("customer_id", order.get("customer_id", 0))
    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        raise _bad("customer_id must be an integer")
    if customer_id and store.collection("customers").get(customer_id) is None:
        raise _bad(f"customer {customer_id} does not exist")
    order["customer_id"] = customer_id
    channel_id = body.get("channel_id", order.get("channel_id", 1))
    from reconciler.sandbox.resources.channels import channel

    if not isinstance(channel_id, int) or channel(store, channel_id) is None:
        raise _bad(f"channel {channel_id!r} does not exist")
    order["channel_id"] = channel_id
    for name in MONEY_INPUTS:
        if name in body:
            order[name] = _fmt(_money(body[name], name))
        else:
            order.setdefault(name, "0.0000")
    for name in TEXT_INPUTS:
        if name in body:
            if not isinstance(body[name], str):
                raise _bad(f"{name} must be a string")
            order[name] = body[name]
    if "is_email_opt_in" in body:
        order["is_email_opt_in"] = bool(body["is_email_opt_in"])
    if "payment_provider_id" in body:
        order["payment_provider_id"] = body["payment_provider_id"]
    if "date_created" in body:
        order["date_created"] = rfc2822(_parse_date(str(body["date_created"]), "date_created"))
    return order


def _totals(order: dict[str, Any]) -> None:
    lines = order["_lines"]
    sub_ex = sum((line["price_ex"] * line["quantity"] for line in lines), Decimal(0))
    sub_inc = sum((line["price_inc"] * line["quantity"] for line in lines), Decimal(0))
    cost = {n: Decimal(order[n]) for n in MONEY_INPUTS}
    ex = (
        sub_ex
        + cost["shipping_cost_ex_tax"]
        + cost["handling_cost_ex_tax"]
        + cost["wrapping_cost_ex_tax"]
        - cost["discount_amount"]
    )
    inc = (
        sub_inc
        + cost["shipping_cost_inc_tax"]
        + cost["handling_cost_inc_tax"]
        + cost["wrapping_cost_inc_tax"]
        - cost["discount_amount"]
    )
    order["subtotal_ex_tax"] = _fmt(sub_ex)
    order["subtotal_inc_tax"] = _fmt(sub_inc)
    order["subtotal_tax"] = _fmt(sub_inc - sub_ex)
    order["total_ex_tax"] = _fmt(ex)
    order["total_inc_tax"] = _fmt(inc)
    order["total_tax"] = _fmt(inc - ex)
    order["shipping_cost_tax"] = _fmt(cost["shipping_cost_inc_tax"] - cost["shipping_cost_ex_tax"])
    order["handling_cost_tax"] = _fmt(cost["handling_cost_inc_tax"] - cost["handling_cost_ex_tax"])
    order["wrapping_cost_tax"] = _fmt(cost["wrapping_cost_inc_tax"] - cost["wrapping_cost_ex_tax"])
    order["items_total"] = sum(line["quantity"] for line in lines)
    order["order_is_digital"] = all(line["type"] == "digital" for line in lines)


def _store_lines(store: Store, order: dict[str, Any]) -> None:
    """Turn validated lines and addresses into the stored sub-documents (with ids)."""
    shipping = []
    for address in order.pop("_shipping", None) or order.get("shipping_addresses_docs", []):
        shipping.append(address)
    address_ids: list[int] = []
    docs: list[dict[str, Any]] = []
    for address in shipping:
        address_id = address.get("id") or store.next_counter("order_shipping_addresses")
        address_ids.append(address_id)
        docs.append(address | {"id": address_id})
    order["shipping_addresses_docs"] = docs
    first_address = address_ids[0] if address_ids else 0
    if "_lines" in order:
        lines = order.pop("_lines")
        order["products_docs"] = [
            _product_doc(order["id"], store.next_counter("order_products"), line, first_address)
            for line in lines
        ]


def render_order(store: Store, doc: Document) -> dict[str, Any]:
    base = store.meta.get("info", {}).get("secure_url", "") + "/api/v2"
    hidden = {"products_docs", "shipping_addresses_docs", "_date_created", "_date_modified"}
    out = {k: v for k, v in doc.items() if k not in hidden}
    out["status"] = STATUS_NAMES[doc["status_id"]]
    out["shipping_address_count"] = len(doc["shipping_addresses_docs"])
    for name in ("products", "shipping_addresses", "coupons"):
        url = f"{base}/orders/{doc['id']}/{name}"
        out[name] = {"url": url, "resource": f"/orders/{doc['id']}/{name}"}
    out["consignments"] = {
        "url": f"{base}/orders/{doc['id']}/consignments",
        "resource": f"/orders/{doc['id']}/consignments",
    }
    out["fees"] = {
        "url": f"{base}/orders/{doc['id']}/fees",
        "resource": f"/orders/{doc['id']}/fees",
    }
    return out


def _new_order_defaults(store: Store, order_id: int) -> dict[str, Any]:
    currency = str(store.meta.get("info", {}).get("currency", "USD"))
    now = rfc2822()
    return {
        "id": order_id,
        "date_created": now,
        "date_modified": now,
        "date_shipped": "",
        "cart_id": "",
        "shipping_cost_tax_class_id": 0,
        "handling_cost_tax_class_id": 0,
        "wrapping_cost_tax_class_id": 0,
        "payment_status": "",
        "currency_id": 1,
        "currency_code": currency,
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": currency,
        "store_default_currency_code": currency,
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "coupon_discount": "0.0000",
        "is_deleted": False,
        "is_tax_inclusive_pricing": False,
        "is_email_opt_in": False,
        "order_source": "external",
        "customer_message": "",
        "ebay_order_id": "0",
        "external_id": None,
        "external_merchant_id": None,
        "external_source": None,
        "geoip_country": "",
        "geoip_country_iso2": "",
        "ip_address": "",
        "ip_address_v6": "",
        "items_shipped": 0,
        "payment_method": "Manual",
        "payment_provider_id": "",
        "staff_notes": "",
        "tax_provider_id": "",
        "customer_locale": "en",
        "external_order_id": "",
    }


def _order(request: Request, store: Store) -> Document:
    doc = store.collection(ORDERS).get(request.path_params["order_id"])
    if doc is None:
        raise V2Problem(404, "The requested order was not found.")
    return doc


def _filtered(request: Request, store: Store) -> list[Document]:
    coll = store.collection(ORDERS)
    params = request.query_params
    if "customer_id" in params:
        docs = coll.lookup("customer", _int(params["customer_id"], "customer_id"))
    elif params.get("external_order_id"):
        docs = coll.lookup("external", params["external_order_id"])
    else:
        docs = list(coll)
    docs = [d for d in docs if not d["is_deleted"]]
    checks: list[tuple[str, Any]] = []
    for name in ("min_id", "max_id", "status_id", "channel_id", "customer_id"):
        if name in params:
            checks.append((name, _int(params[name], name)))
    for name in ("min_total", "max_total"):
        if name in params:
            checks.append((name, _money(params[name], name)))
    for name in ("min_date_created", "max_date_created", "min_date_modified", "max_date_modified"):
        if name in params:
            checks.append((name, _parse_date(params[name], name)))
    for name, value in checks:
        if name == "min_id":
            docs = [d for d in docs if d["id"] >= value]
        elif name == "max_id":
            docs = [d for d in docs if d["id"] <= value]
        elif name in ("status_id", "channel_id", "customer_id"):
            docs = [d for d in docs if d[name] == value]
        elif name == "min_total":
            docs = [d for d in docs if Decimal(d["total_inc_tax"]) >= value]
        elif name == "max_total":
            docs = [d for d in docs if Decimal(d["total_inc_tax"]) <= value]
        else:
            field = "date_created" if "created" in name else "date_modified"
            if name.startswith("min"):
                docs = [d for d in docs if d[f"_{field}"] >= _utc(value)]
            else:
                docs = [d for d in docs if d[f"_{field}"] <= _utc(value)]
    if "email" in params:
        email = params["email"].lower()
        docs = [d for d in docs if d["billing_address"]["email"].lower() == email]
    for name in ("cart_id", "payment_method", "external_order_id"):
        if params.get(name):
            docs = [d for d in docs if d.get(name) == params[name]]
    return docs


def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise _bad(f"{name} must be an integer, got {raw!r}") from None


def _page(items: list[Any], request: Request) -> Response:
    page, limit = page_and_limit(request, default_limit=50, max_limit=250)
    chunk = items[(page - 1) * limit : page * limit]
    if not chunk:
        return empty(204)
    return json_response(chunk)


@api.route("GET", "/v2/orders")
async def list_orders(request: Request, store: Store) -> Response:
    docs = _filtered(request, store)
    sort = request.query_params.get("sort")
    if sort:
        field, _, direction = sort.partition(":")
        if field not in SORT_FIELDS or direction not in ("", "asc", "desc"):
            raise _bad(f"sort must be one of {', '.join(SORT_FIELDS)} with :asc or :desc")

        def key(d: Document) -> Any:
            value = d.get(field)
            if field.startswith("date_"):
                return d[f"_{field}"]
            return (value is not None, value or 0, d["id"])

        docs = sorted(docs, key=key, reverse=direction == "desc")
    page, limit = page_and_limit(request, default_limit=50, max_limit=250)
    chunk = docs[(page - 1) * limit : page * limit]
    if not chunk:
        return empty(204)
    return json_response([render_order(store, d) for d in chunk])


@api.route("GET", "/v2/orders/count")
async def count_orders(request: Request, store: Store) -> Response:
    docs = _filtered(request, store)
    counts = dict.fromkeys(STATUS_NAMES, 0)
    for doc in docs:
        counts[doc["status_id"]] += 1
    statuses = [
        {
            "id": sid,
            "name": name,
            "system_label": name,
            "custom_label": name,
            "system_description": text,
            "count": counts[sid],
            "sort_order": sid,
        }
        for sid, name, text in STATUSES
    ]
    return json_response({"statuses": statuses, "count": len(docs)})


@api.route("POST", "/v2/orders")
async def create_order(request: Request, store: Store) -> Response:
    body = await read_v2_object(request)
    if "billing_address" not in body:
        raise _bad("The field 'billing_address' is required.")
    if "products" not in body and "consignments" not in body:
        raise _bad("The field 'products' is required.")
    order = _build(store, body, None)
    coll = store.collection(ORDERS)
    doc = {**_new_order_defaults(store, coll.new_id()), **order}
    _totals(doc)
    _store_lines(store, doc)
    coll.save(_stamped(doc))
    return json_response(render_order(store, doc))


@api.route("GET", "/v2/orders/{order_id:int}")
async def get_order(request: Request, store: Store) -> Response:
    return json_response(render_order(store, _order(request, store)))


@api.route("PUT", "/v2/orders/{order_id:int}")
async def update_order(request: Request, store: Store) -> Response:
    current = _order(request, store)
    body = await read_v2_object(request)
    order = _build(store, body, current)
    if "_lines" not in order:
        # keep the stored lines; recompute totals from them
        order["_lines"] = [
            {
                "price_ex": Decimal(p["price_ex_tax"]),
                "price_inc": Decimal(p["price_inc_tax"]),
                "quantity": p["quantity"],
                "type": p["type"],
            }
            for p in current["products_docs"]
        ]
        _totals(order)
        order.pop("_lines")
    else:
        _totals(order)
    if "_shipping" not in order:
        order["_shipping"] = current["shipping_addresses_docs"]
    _store_lines(store, order)
    order["date_modified"] = rfc2822()
    store.collection(ORDERS).save(_stamped(order))
    return json_response(render_order(store, order))


@api.route("DELETE", "/v2/orders/{order_id:int}")
async def archive_order(request: Request, store: Store) -> Response:
    doc = _order(request, store)
    store.collection(ORDERS).save(_stamped({**doc, "is_deleted": True, "date_modified": rfc2822()}))
    return empty(204)


@api.route("DELETE", "/v2/orders")
async def archive_orders(request: Request, store: Store) -> Response:
    coll = store.collection(ORDERS)
    now = rfc2822()
    for doc in list(coll):
        if not doc["is_deleted"]:
            coll.save(_stamped({**doc, "is_deleted": True, "date_modified": now}))
    return empty(204)


@api.route("GET", "/v2/orders/{order_id:int}/products")
async def order_products(request: Request, store: Store) -> Response:
    return _page(list(_order(request, store)["products_docs"]), request)


@api.route("GET", "/v2/orders/{order_id:int}/shipping_addresses")
async def order_shipping_addresses(request: Request, store: Store) -> Response:
    doc = _order(request, store)
    addresses = [_shipping_doc(doc, a) for a in doc["shipping_addresses_docs"]]
    return _page(addresses, request)


@api.route("GET", "/v2/orders/{order_id:int}/products/{product_id:int}")
async def order_product(request: Request, store: Store) -> Response:
    wanted = request.path_params["product_id"]
    for line in _order(request, store)["products_docs"]:
        if line["id"] == wanted:
            return json_response(line)
    raise V2Problem(404, "The requested order product was not found.")


@api.route("GET", "/v2/orders/{order_id:int}/shipping_addresses/{address_id:int}")
async def order_shipping_address(request: Request, store: Store) -> Response:
    doc = _order(request, store)
    wanted = request.path_params["address_id"]
    for address in doc["shipping_addresses_docs"]:
        if address["id"] == wanted:
            return json_response(_shipping_doc(doc, address))
    raise V2Problem(404, "The requested shipping address was not found.")


# Coupons, taxes by class, shipments and messages are not modelled: an order has none, so
# each list is an empty page (204), after the order itself was found (404 otherwise).
@api.route("GET", "/v2/orders/{order_id:int}/coupons")
@api.route("GET", "/v2/orders/{order_id:int}/taxes")
@api.route("GET", "/v2/orders/{order_id:int}/shipments")
@api.route("GET", "/v2/orders/{order_id:int}/messages")
async def order_unmodelled_list(request: Request, store: Store) -> Response:
    _order(request, store)
    return _page([], request)


@api.route("GET", "/v2/orders/{order_id:int}/shipments/count")
async def order_shipments_count(request: Request, store: Store) -> Response:
    _order(request, store)
    return json_response({"count": 0})


def _shipping_doc(order: Document, address: dict[str, Any]) -> dict[str, Any]:
    items = sum(
        p["quantity"] for p in order["products_docs"] if p["order_address_id"] == address["id"]
    )
    return {
        "id": address["id"],
        "order_id": order["id"],
        "items_total": items,
        "items_shipped": 0,
        "base_cost": order["base_shipping_cost"],
        "cost_ex_tax": order["shipping_cost_ex_tax"],
        "cost_inc_tax": order["shipping_cost_inc_tax"],
        "cost_tax": order["shipping_cost_tax"],
        "cost_tax_class_id": 0,
        "base_handling_cost": order["base_handling_cost"],
        "handling_cost_ex_tax": order["handling_cost_ex_tax"],
        "handling_cost_inc_tax": order["handling_cost_inc_tax"],
        "handling_cost_tax": order["handling_cost_tax"],
        "handling_cost_tax_class_id": 0,
        "shipping_zone_id": 1,
        "shipping_zone_name": "Default",
        "form_fields": [],
        "shipping_quotes": {
            "url": f"/orders/{order['id']}/shipping_addresses/{address['id']}/shipping_quotes",
            "resource": f"/orders/{order['id']}/shipping_addresses/{address['id']}/shipping_quotes",
        },
        **{k: address.get(k, "") for k in (*ADDRESS_FIELDS, "shipping_method")},
    }


@api.route("GET", "/v2/order_statuses")
async def order_statuses(request: Request, store: Store) -> Response:
    return json_response(
        [
            {
                "id": sid,
                "name": name,
                "system_label": name,
                "custom_label": name,
                "system_description": text,
            }
            for sid, name, text in STATUSES
        ]
    )
