"""The sub-resource arrays kept inside a product document, served under its path.

Custom fields, bulk pricing rules, images, variant options and modifiers are arrays of the
product document (``product["custom_fields"]``...) with endpoints
``/v3/catalog/products/{product_id}/<array>[/{id}]``. This module registers no endpoints of
its own: :class:`ProductArray` says where one array lives and how its paths name an item;
it finds the product and item a path names (404 otherwise), removes items and serves the
two reads (list and get), which behave alike for every array. Writes differ per array and
stay in their modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import data_response, list_response
from reconciler.sandbox.resources.catalog_common import find_item
from reconciler.sandbox.resources.catalog_documents import get_product
from reconciler.sandbox.storage import Document, Store


@dataclass(frozen=True)
class ProductArray:
    """One sub-resource array of a product and its paths."""

    key: str
    """The product's array, e.g. ``custom_fields``."""
    noun: str
    """How messages name one item, e.g. ``custom field``."""
    base: str
    """The collection path, e.g. ``/v3/catalog/products/{product_id:int}/custom-fields``."""
    id_param: str
    """The item path's parameter, e.g. ``field_id``."""

    @property
    def item_path(self) -> str:
        return f"{self.base}/{{{self.id_param}:int}}"

    def item(self, request: Request, store: Store) -> tuple[Document, Document]:
        """The product and the item the path names, or a 404."""
        product = get_product(store, request.path_params["product_id"])
        return product, find_item(product[self.key], request.path_params[self.id_param], self.noun)

    def remove(self, product: Document, item_id: int) -> bool:
        """Drop item ``item_id`` from ``product``; whether it was there."""
        if not any(o["id"] == item_id for o in product[self.key]):
            return False
        product[self.key] = [o for o in product[self.key] if o["id"] != item_id]
        return True

    def serve_reads(self, api: Api) -> None:
        """Register ``GET`` of the array (paginated) and of one item."""

        @api.route("GET", self.base)
        async def list_items(request: Request, store: Store) -> Response:
            product = get_product(store, request.path_params["product_id"])
            return list_response(product[self.key], request)

        @api.route("GET", self.item_path)
        async def get_item(request: Request, store: Store) -> Response:
            return data_response(self.item(request, store)[1])
