"""Small helpers for the kind tests: validate and look at the errors."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from reconciler.kinds.base import ItemModel


def rejected(model: type[ItemModel], data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """The (location, message) pairs of a model refusing ``data``; fails if it accepts."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [(tuple(e["loc"]), str(e["msg"])) for e in caught.value.errors()]


def assert_rejected(
    model: type[ItemModel], data: dict[str, Any], loc: tuple[Any, ...], fragment: str
) -> None:
    """``data`` is refused with an error at ``loc`` whose message contains ``fragment``."""
    errors = rejected(model, data)
    assert any(where[: len(loc)] == loc and fragment in message for where, message in errors), (
        f"expected {fragment!r} at {loc}, got {errors}"
    )
