"""Webhooks: ``webhooks``, matched by (scope, destination) (``webhooks.v3.yml``).

Header values are secrets more often than not (a shared key the receiver checks), so a
header's value comes only from an environment variable: ``{env: VARIABLE}``. The
destination may carry secrets too (``?token={env: VARIABLE}``); both follow
:mod:`reconciler.kinds.secret_refs`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints, field_validator

from reconciler.kinds.base import ItemModel, Kind
from reconciler.kinds.secret_refs import EnvValue, HttpsUrlWithSecrets, with_references_checked

Scope = Annotated[
    str,
    StringConstraints(pattern=r"^store/[a-z][A-Za-z_]*(/[a-z][A-Za-z_]*)*(/\*)?$"),
]
"""An event scope: ``store/product/updated``, ``store/cart/lineItem/*``, ``store/order/*``."""

HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]


def _port_443(url: str) -> str:
    port = urlsplit(url).port
    if port not in (None, 443):
        raise ValueError(f"uses port {port}; BigCommerce delivers webhooks only to port 443")
    return url


class Webhook(ItemModel):
    """A webhook subscription."""

    scope: Scope
    destination: Annotated[HttpsUrlWithSecrets, AfterValidator(with_references_checked(_port_443))]
    is_active: bool | None = None
    headers: dict[HeaderName, EnvValue] | None = None

    @field_validator("headers", mode="before")
    @classmethod
    def _no_literal_values(cls, headers: Any) -> Any:
        if isinstance(headers, dict):
            for name, value in headers.items():
                if not isinstance(value, dict):
                    raise ValueError(
                        f"header {name!r} has a literal value; header values are often secrets"
                        " and must not be in git: write {env: VARIABLE_NAME} and set that"
                        " environment variable where StagingPro runs"
                    )
        return headers


class WebhookKind(Kind[Webhook]):
    name = "webhook"
    plural = "webhooks"
    directory = "webhooks"
    model = Webhook
    can_mark_owned = True
    key_fields = ("scope", "destination")
    secret_fields = ("headers", "destination")
