"""One engine for the documented list filters of the V3 endpoints (``?price:min=10``).

An endpoint declares a :class:`FilterSet`: the query parameters its OpenAPI operation lists
(the filters, spelled as the spec spells them, and the other ``options`` such as ``page``)
and, per filtered field, how to read it from a stored document (:class:`Filterable`). The
spec's operators then mean the same everywhere (docs/start/about/common-query-params):

* ``name=v`` equal (a date given as a day: that day; a list field: contains ``v``);
* ``name:in=a,b`` / ``name:not_in=a,b`` one of / none of;
* ``name:min`` / ``name:max`` inclusive bounds, ``name:greater`` / ``name:less`` strict;
* ``name:like`` case-insensitive substring (``%`` a wildcard), ``name:not`` different.

A parameter the operation does not list is a 400 naming it and the filters there are,
never silently ignored (which would list, or delete, everything); a value of the wrong type
is a 422. Filters whose meaning is not a comparison of one field (``keyword``,
``out_of_stock``) are :class:`Predicate` entries. Endpoints register their set with
``api.route(..., filters=...)`` so a test can compare it with the spec files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from starlette.requests import Request

from reconciler.sandbox.http import ApiProblem
from reconciler.sandbox.resources._support import like
from reconciler.sandbox.storage import Document

Kind = Literal["int", "num", "bool", "str", "date"]
OPERATORS = ("in", "not_in", "min", "max", "greater", "less", "like", "not")
PAGING = ("page", "limit")
"""The offset paging options every V3 list takes."""
INVALID_QUERY = "Invalid query parameter"
ID_FILTERS = ("id", "id:in", "id:not_in", "id:min", "id:max", "id:greater", "id:less")
"""The id filters most V3 catalog lists take."""
DATE_FILTERS = tuple(
    f"{when}{op}" for when in ("date_created", "date_modified") for op in ("", ":min", ":max")
)
"""A day or instant, and its bounds, for both dates (customers, price lists)."""


@dataclass(frozen=True)
class Filterable:
    """How a filter reads one field: its ``kind`` and where it is in a document
    (``read``; by default the document's key of the filter's name). ``read`` may answer a
    list (``categories``): then equality means "contains" and ``:in`` "shares one"."""

    kind: Kind
    read: Callable[[Document], Any] | None = None
    casefold: bool = False
    """Text compared case-insensitively (SKUs, e-mail addresses)."""
    like_any: bool = False
    """``:like`` takes a comma-separated list (the spec's parameter is an array): any
    pattern may match."""


@dataclass(frozen=True)
class Predicate:
    """A filter that is not a comparison of one field: ``test(document, value)``, the
    value parsed as ``kind`` first (a bad one is a 422 like any other)."""

    test: Callable[[Document, Any], bool]
    kind: Kind = "str"


@dataclass(frozen=True)
class FilterSet:
    """The query parameters of one operation: ``filters`` (``price``, ``price:min``...)
    read through ``fields`` (keyed by the name before the colon), and ``options``, the
    other parameters the operation takes (paging, ``include``, ``sort``...)."""

    fields: Mapping[str, Filterable | Predicate]
    filters: Sequence[str]
    options: Sequence[str] = PAGING
    known: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        missing = sorted({f.partition(":")[0] for f in self.filters} - set(self.fields))
        if missing:
            raise ValueError(f"filters without a field: {', '.join(missing)}")
        odd = sorted(f for f in self.filters if f.partition(":")[2] not in ("", *OPERATORS))
        if odd:
            raise ValueError(f"filters with an unknown operator: {', '.join(odd)}")
        object.__setattr__(self, "known", frozenset(self.filters) | frozenset(self.options))

    def given(self, request: Request) -> bool:
        """Whether the request names any filter (a filtered DELETE needs one)."""
        return any(request.query_params.get(name, "") != "" for name in self.filters)

    def require(self, request: Request, field: str, hint: str) -> None:
        """A filtered DELETE: 400 for an unknown parameter, 422 without any filter (it
        would delete everything)."""
        self.check(request)
        if not self.given(request):
            raise ApiProblem(422, "A filter is required", {field: hint})

    def check(self, request: Request) -> None:
        """400 for a parameter the operation does not take."""
        unknown = sorted(set(request.query_params) - self.known)
        if unknown:
            listed = ", ".join(self.filters) or "none"
            message = f"is not a filter of this endpoint (its filters: {listed})"
            raise ApiProblem(400, "Bad Request", dict.fromkeys(unknown, message))

    def apply(self, request: Request, docs: Iterable[Document]) -> list[Document]:
        """The ``docs`` every filter of the request keeps (after :meth:`check`)."""
        self.check(request)
        kept = list(docs)
        for name in self.filters:
            raw = request.query_params.get(name)
            if raw is None or raw == "":
                continue
            base, _, operator = name.partition(":")
            test = self._test(base, operator, name, raw)
            kept = [doc for doc in kept if test(doc)]
        return kept

    def _test(self, base: str, operator: str, name: str, raw: str) -> Callable[[Document], bool]:
        spec = self.fields[base]
        if isinstance(spec, Predicate):
            value = _parse(spec.kind, name, raw)
            return lambda doc: spec.test(doc, value)
        plain = spec.read or (lambda doc: doc.get(base))
        read = _casefolded(plain) if spec.casefold else plain
        if spec.casefold:
            raw = raw.lower()
        if operator == "like":
            patterns = raw.split(",") if spec.like_any else [raw]
            return lambda doc: any(like(p, str(v)) for p in patterns for v in _values(read(doc)))
        if operator in ("in", "not_in"):
            wanted = [_parse(spec.kind, name, part) for part in raw.split(",") if part != ""]

            def hit(value: Any) -> bool:
                return any(_same(spec.kind, value, w) for w in wanted)

            if operator == "in":
                return lambda doc: any(hit(v) for v in _values(read(doc)))
            return lambda doc: not any(hit(v) for v in _values(read(doc)))
        bound = _parse(spec.kind, name, raw)
        if operator == "":
            return lambda doc: any(_same(spec.kind, v, bound) for v in _values(read(doc)))
        if operator == "not":
            return lambda doc: not any(_same(spec.kind, v, bound) for v in _values(read(doc)))
        compare = _COMPARISONS[operator]
        return lambda doc: any(
            v is not None and compare(_comparable(spec.kind, v), _comparable(spec.kind, bound))
            for v in _values(read(doc))
        )


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "min": lambda value, bound: value >= bound,
    "max": lambda value, bound: value <= bound,
    "greater": lambda value, bound: value > bound,
    "less": lambda value, bound: value < bound,
}


def _casefolded(read: Callable[[Document], Any]) -> Callable[[Document], Any]:
    return lambda doc: [str(v).lower() for v in _values(read(doc)) if v is not None]


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def _parse(kind: Kind, name: str, raw: str) -> Any:
    """The query text as a value of ``kind``; a 422 naming the parameter otherwise."""
    try:
        if kind == "int":
            return int(raw)
        if kind == "num":
            number = float(raw)
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError(raw)
            return number
        if kind == "bool":
            lowered = raw.lower()
            if lowered not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return lowered in ("true", "1")
        if kind == "date":
            return _when(raw)
    except ValueError:
        expected = {"int": "an integer", "num": "a number", "bool": "true or false"}
        wanted = expected.get(kind, "a date (2024-01-31), a date-time or a Unix timestamp")
        raise ApiProblem(422, INVALID_QUERY, {name: f"must be {wanted}, got {raw!r}"}) from None
    return raw


def _when(raw: str) -> datetime | date:
    """A day (``2024-01-31``) stays a day so that equality means "on that day"."""
    if raw.isdigit():
        return datetime.fromtimestamp(int(raw), UTC)
    if len(raw) == 10:
        return date.fromisoformat(raw)
    when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _comparable(kind: Kind, value: Any) -> Any:
    if kind == "date":
        when = value if isinstance(value, date) else _when(str(value))
        if not isinstance(when, datetime):
            return datetime(when.year, when.month, when.day, tzinfo=UTC)
        return when
    return value


def _same(kind: Kind, value: Any, wanted: Any) -> bool:
    if value is None:
        return False
    if kind == "date":
        when = value if isinstance(value, datetime) else _when(str(value))
        if isinstance(wanted, datetime):
            return bool(_comparable(kind, when) == wanted)
        day = when.astimezone(UTC).date() if isinstance(when, datetime) else when
        return bool(day == wanted)
    if kind == "num":
        return isinstance(value, int | float) and float(value) == wanted
    return bool(value == wanted)
