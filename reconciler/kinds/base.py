"""The contract every kind of resource fulfils.

A *kind* is one BigCommerce resource type as StagingPro manages it: brand, category,
product, price list, page, redirect, script, webhook, customer group, theme. A kind is
one module under ``reconciler/kinds/`` defining a pydantic model (unknown fields
forbidden) and a :class:`Kind` subclass that says

* where its YAML lives (``directory`` under ``store-state/``) and how a file holds it:
  every file matching ``file_glob`` there (``**/*.yaml`` unless the kind says otherwise)
  is either one item (a mapping) or a list of items under the kind's plural name
  (``brands: [...]``);
* how an item is matched across stores (its *natural key*, never an ID);
* which other items it refers to (:meth:`Kind.references`), so dangling references are
  caught before any request, and so apply can order work;
* which values must be unique across the whole declared state (:meth:`Kind.unique_values`;
  namespaces in use: ``"SKU"``, ``"product name"``, ``"page name"``, ``"custom URL"``,
  ``"contact form email"``, ``"category name"`` (among siblings), ``"price list name"``,
  ``"customer group name"``, ``"redirect from_path"``);
* which repository files it needs (:meth:`Kind.files`), e.g. product images.

The plan and apply layers extend kinds with their API mapping; nothing here talks HTTP.
Adding a kind is one module plus one entry in :mod:`reconciler.kinds.registry`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

FieldPath = tuple[str | int, ...]
"""A path to a value inside one item, e.g. ``("variants", 2, "sku")``."""


class DeclaredModel(BaseModel):
    """Base of every declared model, items and their nested parts: strict about unknown
    fields, immutable once loaded.

    Fields a user leaves out stay unset (``model_fields_set``): StagingPro only manages
    the fields a YAML file declares, so "absent" must never be confused with a default.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)

    def model_post_init(self, context: Any, /) -> None:
        # Thousands of items of a kind declare the same few fields, and a set of them per
        # model instance was ~40% of a large catalogue's memory (3 KB a product). Frozen
        # models never change it, so equal sets are shared, as one read-only set.
        fields = frozenset(self.__pydantic_fields_set__)
        shared = _FIELD_SETS.get(fields)
        if shared is None:
            shared = _FIELD_SETS[fields] = _SharedFieldSet(fields)
        object.__setattr__(self, "__pydantic_fields_set__", shared)


def _read_only(*_: Any, **__: Any) -> Any:
    raise TypeError("the fields set of a declared model is shared between models: read only")


class _SharedFieldSet(set[str]):
    """A set of field names shared by many models (pydantic wants a ``set``, not a
    ``frozenset``); every way of changing it in place raises :class:`TypeError`. Copies
    (``model_copy``, ``deepcopy``, pickling) are plain sets of their own, so
    ``model_copy(update=...)`` works as pydantic documents it."""

    __slots__ = ()
    add = discard = remove = pop = clear = update = _read_only
    difference_update = intersection_update = symmetric_difference_update = _read_only
    __ior__ = __iand__ = __isub__ = __ixor__ = _read_only

    def __copy__(self) -> set[str]:
        return set(self)

    def __deepcopy__(self, memo: Any) -> set[str]:
        return set(self)

    def __reduce__(self) -> tuple[type[set[str]], tuple[list[str]]]:
        return (set, (list(self),))


_FIELD_SETS: dict[frozenset[str], _SharedFieldSet] = {}


class ItemModel(DeclaredModel):
    """Base of every declared item (see :class:`DeclaredModel`)."""


ItemT = TypeVar("ItemT", bound=ItemModel)


@dataclass(frozen=True)
class Reference:
    """A reference from one item to another by natural key (``kind`` ``key``).

    ``kind`` names a kind (``"brand"``) or a :class:`UniqueValue` namespace (``"SKU"``,
    which holds product *and* variant SKUs); the reference resolves when that kind has an
    item with this key, or the namespace holds this value. ``path`` is where the reference
    is written inside the referring item, so an unknown target is reported at its exact
    line and column.
    """

    kind: str
    key: str
    path: FieldPath
    match: str = ""
    """For a namespace reference: the value in the namespace's normalised form, compared
    with :attr:`UniqueValue.value` (``"trail-01"`` for SKU ``TRAIL-01``). Empty for a
    reference to a kind, which resolves through that kind's :meth:`Kind.match_key`."""


@dataclass(frozen=True)
class UniqueValue:
    """A value that must be unique in ``namespace`` across every declared item.

    Namespaces are shared across kinds on purpose: product SKUs and variant SKUs live in
    one ``"SKU"`` namespace because BigCommerce enforces that (case-insensitively).
    ``value`` is already normalised for comparison; ``shown`` is what the user wrote.
    """

    namespace: str
    value: str
    shown: str
    path: FieldPath
    why: str = ""
    """Where the rule comes from and what to do, added to the duplicate's message."""


@dataclass(frozen=True)
class FileRef:
    """A repository file or directory an item needs, relative to the declaring YAML file."""

    relative_path: str
    path: FieldPath
    directory: bool = False


class Kind(Generic[ItemT]):
    """One resource type. Subclasses set the class attributes and override the hooks."""

    name: ClassVar[str]
    """Singular, lower case, used in messages and ``--only``: ``"product"``."""
    plural: ClassVar[str]
    """The list key in multi-item files and the CLI's plural: ``"products"``."""
    directory: ClassVar[str]
    """Where its YAML lives, relative to ``store-state/``: ``"catalog/products"``."""
    file_glob: ClassVar[str] = "**/*.yaml"
    """Which files under ``directory`` hold items (``Path.glob`` pattern). Themes use
    ``"*/theme.yaml"``: only that file in each theme folder is an item, the rest of the
    folder is the theme's source."""
    model: ClassVar[type[ItemModel]]
    key_fields: ClassVar[tuple[str, ...]]
    """Fields forming the natural key, in display order."""
    case_insensitive_key: ClassVar[bool] = False
    """Whether keys match regardless of case (SKUs, brand names, e-mail addresses)."""
    depends_on: ClassVar[tuple[str, ...]] = ()
    """Kinds that must exist in a store before this one (apply order)."""
    can_mark_owned: ClassVar[bool] = False
    """Whether StagingPro can mark the live items it creates as its own, so that prune
    mode ``owned`` can tell them apart (products, brands, categories: a metafield; scripts
    and webhooks: only the creating API account sees them). Kinds without a marker accept
    ``off`` or ``all``."""
    secret_fields: ClassVar[tuple[str, ...]] = ()
    """Fields whose values may name secrets as ``{env: NAME}``
    (:mod:`reconciler.kinds.secret_refs`); anywhere else that text is just text."""
    secrets_by_declaration: ClassVar[bool] = False
    """Whether live secret-bearing values are compared by the text around their references
    only (:mod:`reconciler.kinds.secret_refs`)."""
    merge_keys: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """List fields whose entries an overlay patch merges by a key: the fields that together
    name an entry (``{"variants": ("sku",)}``, ``{"records": ("sku", "currency")}``); their
    values must be unique within the list. Other lists in a patch replace the declared list
    whole."""

    def key(self, item: ItemT) -> str:
        """The natural key as the user writes it (``"Footwear/Trail"``, ``"TRAIL-01"``)."""
        return " ".join(str(getattr(item, f)) for f in self.key_fields)

    def match_key(self, key: str) -> str:
        """The form of a key used for matching (case-folded where the API ignores case)."""
        return key.casefold() if self.case_insensitive_key else key

    def references(self, item: ItemT) -> Iterable[Reference]:
        """Other items this one refers to by natural key."""
        return ()

    def unique_values(self, item: ItemT) -> Iterable[UniqueValue]:
        """Values besides the key that must be unique across the declared state."""
        return ()

    def files(self, item: ItemT) -> Iterable[FileRef]:
        """Repository files or directories this item needs."""
        return ()
