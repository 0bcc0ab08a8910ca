"""The ``lifecycle`` settings of ``stagingpro.yaml``: fields StagingPro leaves alone.

Some values are changed by the store itself: a sale lowers a product's stock. Declaring
such a value says what it is when the item is created, not what it must be forever, so
(like Terraform's ``ignore_changes`` and Argo CD's ``ignoreDifferences``) each kind can
name fields to leave alone, in ``defaults`` or per environment::

    defaults:
      lifecycle:
        product:
          create_only: [inventory_level, variants.*.inventory_level]
          ignore: [inventory_warning_level]

* ``create_only``: sent when an item (or a list entry, such as a variant) is created,
  never compared or written afterwards;
* ``ignore``: never sent, never compared.

Paths are dotted field names of the kind's model, ``*`` standing for every entry of a
list; they are checked against the model (:mod:`reconciler.kinds.field_paths`).

:data:`BUILT_IN` holds the defaults: stock levels are ``create_only``. The store's
other counters (``total_sold``, ``view_count``, ratings, dates) cannot be declared at
all. Each list replaces the one of the layer below it (built in, then ``defaults``, then
the environment), so ``create_only: []`` turns the built-in default off; a field in both
lists of the merged result is ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
    model_validator,
)

from reconciler.kinds.base import Kind
from reconciler.kinds.field_paths import field_paths, path_problem, required_paths
from reconciler.kinds.registry import KINDS


@dataclass(frozen=True)
class FieldLifecycle:
    """One kind's effective rules: dotted paths to leave alone after create, or always."""

    create_only: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.create_only or self.ignore)


BUILT_IN: Mapping[str, FieldLifecycle] = {
    # The store lowers stock on every sale and raises it on returns and restocks: the
    # declared level is the opening stock. inventory_warning_level is the merchant's
    # threshold, which the store never changes by itself, so it stays managed. A webhook's
    # is_active is switched off by the store after 90 days without deliveries
    # (webhooks.v3.yml), but turning it back on is what a declared `is_active: true`
    # asks for, so it stays managed too.
    "product": FieldLifecycle(create_only=("inventory_level", "variants.*.inventory_level")),
}
"""The rules every environment starts from (module docstring)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_CREATE_ONLY = "Fields sent when an item is created and never compared afterwards."
_IGNORE = "Fields never sent and never compared."


class KindLifecycleSettings(_Strict):
    """One kind's lifecycle lists as written (absent: inherit the layer below)."""

    create_only: list[str] | None = Field(None, description=_CREATE_ONLY)
    ignore: list[str] | None = Field(None, description=_IGNORE)

    @model_validator(mode="after")
    def _each_path_once(self) -> KindLifecycleSettings:
        create_only, ignore = self.create_only or [], self.ignore or []
        for name, paths in (("create_only", create_only), ("ignore", ignore)):
            repeated = sorted({p for p in paths if paths.count(p) > 1})
            if repeated:
                raise ValueError(f"{name} lists {', '.join(repeated)} more than once")
        both = sorted(set(create_only) & set(ignore))
        if both:
            raise ValueError(
                f"{', '.join(both)} is in both create_only and ignore; keep it in one:"
                " ignore is never sent, create_only is sent on create"
            )
        return self


def _check_path(kind: Kind[Any], for_ignore: bool, path: str) -> str:
    problem = path_problem(kind, path)
    if problem is not None:
        raise ValueError(problem)
    if for_ignore and path in required_paths(kind):
        raise ValueError(
            f"{path!r} is required to create a {kind.name}, so it cannot be ignored;"
            " make it create_only to send it on create only"
        )
    return path


def _path_type(kind: Kind[Any], *, for_ignore: bool) -> Any:
    required = required_paths(kind) if for_ignore else frozenset()
    return Annotated[
        str,
        AfterValidator(partial(_check_path, kind, for_ignore)),
        WithJsonSchema({
            "type": "string", "enum": [p for p in field_paths(kind) if p not in required]
        }),
    ]


def _kind_model(kind: Kind[Any]) -> type[KindLifecycleSettings]:
    camel = "".join(part.title() for part in kind.name.split("_"))
    create_only: Any = list[_path_type(kind, for_ignore=False)] | None  # type: ignore[misc]
    ignore: Any = list[_path_type(kind, for_ignore=True)] | None  # type: ignore[misc]
    return create_model(
        f"{camel}Lifecycle",
        __base__=KindLifecycleSettings,
        __doc__=f"Lifecycle rules of {kind.plural.replace('_', ' ')} (paths into its model).",
        create_only=(create_only, Field(None, description=_CREATE_ONLY)),
        ignore=(ignore, Field(None, description=_IGNORE)),
    )


class _LifecycleBase(_Strict):
    """Per kind (by name): which of its fields to leave alone."""

    @model_validator(mode="before")
    @classmethod
    def _known_kinds(cls, data: Any) -> Any:
        # Said here, not as pydantic's "extra inputs are not permitted": name the kinds.
        if isinstance(data, dict):
            for key in data:
                if key not in cls.model_fields:
                    close = difflib.get_close_matches(str(key), list(cls.model_fields), n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    raise ValueError(
                        f"{key!r} is not a kind; {hint}lifecycle takes the kinds' singular"
                        f" names: {', '.join(cls.model_fields)}"
                    )
        return data

    def rules(self) -> dict[str, KindLifecycleSettings]:
        """The kinds this layer sets rules for."""
        return {
            name: value for name in type(self).model_fields
            if isinstance(value := getattr(self, name), KindLifecycleSettings)
        }


if TYPE_CHECKING:
    Lifecycle = _LifecycleBase
else:
    Lifecycle = create_model(
        "Lifecycle",
        __base__=_LifecycleBase,
        __doc__=_LifecycleBase.__doc__,
        **{kind.name: (_kind_model(kind) | None, None) for kind in KINDS},
    )


def merged_lifecycle(*layers: Lifecycle | None) -> dict[str, FieldLifecycle]:
    """The rules per kind after putting ``layers`` (lowest first) over :data:`BUILT_IN`;
    only kinds with a rule."""
    merged: dict[str, FieldLifecycle] = {}
    for kind in KINDS:
        base = BUILT_IN.get(kind.name, FieldLifecycle())
        create_only, ignore = base.create_only, base.ignore
        for layer in layers:
            rules = layer.rules().get(kind.name) if layer is not None else None
            if rules is None:
                continue
            if rules.create_only is not None:
                create_only = tuple(rules.create_only)
            if rules.ignore is not None:
                ignore = tuple(rules.ignore)
        effective = FieldLifecycle(
            create_only=tuple(p for p in create_only if p not in ignore), ignore=ignore
        )
        if effective:
            merged[kind.name] = effective
    return merged
