from __future__ import annotations

from typing import Any

import pytest

from reconciler.kinds.webhook import Webhook, WebhookKind
from tests.kinds.helpers import assert_rejected

KIND = WebhookKind()
HOOK = {"scope": "store/order/*", "destination": "https://hooks.example.com/orders"}


def test_a_webhook_validates_with_headers_from_the_environment() -> None:
    hook = Webhook.model_validate(
        HOOK | {"is_active": True, "headers": {"X-Signature": {"env": "ORDER_HOOK_SECRET"}}}
    )
    assert hook.headers is not None and hook.headers["X-Signature"].env == "ORDER_HOOK_SECRET"
    assert KIND.key(hook) == "store/order/* https://hooks.example.com/orders"
    assert KIND.key_fields == ("scope", "destination")


@pytest.mark.parametrize(
    "scope",
    [
        "store/product/updated",
        "store/cart/lineItem/*",
        "store/order/*",
        "store/sku/inventory/order/updated",
    ],
)
def test_scopes_from_the_spec_validate(scope: str) -> None:
    assert Webhook.model_validate(HOOK | {"scope": scope}).scope == scope


@pytest.mark.parametrize(
    ("data", "loc", "fragment"),
    [
        (HOOK | {"scope": "product/updated"}, ("scope",), "pattern"),
        (HOOK | {"scope": "store/order/*/x"}, ("scope",), "pattern"),
        (HOOK | {"destination": "http://hooks.example.com/x"}, ("destination",), "https://"),
        (
            HOOK | {"destination": "https://hooks.example.com:8443/x"},
            ("destination",),
            "only to port 443",
        ),
        (
            HOOK | {"headers": {"X-Key": "s3cret"}},
            ("headers",),
            "header 'X-Key' has a literal value",
        ),
        (
            HOOK | {"headers": {"X-Key": {"env": "lower"}}},
            ("headers", "X-Key", "env"),
            "not an environment variable name",
        ),
        (HOOK | {"headers": {"X Key": {"env": "A"}}}, ("headers", "X Key", "[key]"), "pattern"),
        (HOOK | {"headers": {"X-Key": {"value": "s"}}}, ("headers", "X-Key"), ""),
        ({"scope": "store/order/*"}, ("destination",), "Field required"),
    ],
)
def test_rules(data: dict[str, Any], loc: tuple[Any, ...], fragment: str) -> None:
    assert_rejected(Webhook, data, loc, fragment)


def test_literal_header_message_says_what_to_do() -> None:
    from tests.kinds.helpers import rejected

    [(_, message)] = rejected(Webhook, HOOK | {"headers": {"X-Key": "s3cret"}})
    assert "{env: VARIABLE_NAME}" in message and "must not be in git" in message
    assert "s3cret" not in message


def test_a_destination_may_carry_a_secret_reference() -> None:
    url = "https://hooks.example.com/orders?token={env: ORDERS_HOOK_TOKEN}"
    hook = Webhook.model_validate(HOOK | {"destination": url})
    assert KIND.key(hook) == f"store/order/* {url}"
    assert_rejected(Webhook, HOOK | {"destination": "http://h.example/?t={env: T}"},
                    ("destination",), "https://")
    assert_rejected(Webhook, HOOK | {"destination": "https://h.example:8443/?t={env: T}"},
                    ("destination",), "port 8443")
