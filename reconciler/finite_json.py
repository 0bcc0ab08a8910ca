"""JSON with finite numbers only, both ways.

Python's :mod:`json` writes ``NaN`` and ``Infinity`` (which are not JSON: other readers
refuse the whole document) and reads them back, and reads ``1e999`` as infinity. A price
of ``NaN`` from a hand-edited plan file or from a store's answer would then travel on into
requests, plans and records. :func:`loads` refuses such numbers where JSON comes in (plan
files, store answers); writers pass ``allow_nan=False`` to :func:`json.dumps`, so a
non-finite number that got in anyway stops at the first write instead of spreading.
"""

from __future__ import annotations

import json
import math
from typing import Any


class NonFiniteNumberError(ValueError):
    """The JSON text holds ``NaN``, ``Infinity`` or a number too large for a float."""


def _refuse_constant(name: str) -> Any:
    raise NonFiniteNumberError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NonFiniteNumberError(f"{text} is too large to be a number")
    return value


def loads(text: str | bytes) -> Any:
    """:func:`json.loads`, raising :class:`NonFiniteNumberError` for ``NaN``,
    ``Infinity``, ``-Infinity`` and numbers beyond a float's range (a
    :class:`ValueError`, like the :class:`json.JSONDecodeError` of malformed text)."""
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
