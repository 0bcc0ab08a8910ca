"""Customer groups: ``customers/groups``, matched by name (``customers.v2.yml``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from pydantic import field_validator, model_validator

from reconciler.kinds.base import ItemModel, Kind, Reference, UniqueValue
from reconciler.kinds.category import CategoryKey
from reconciler.kinds.fields import Money, Name255, Part, Problems, repeats
from reconciler.kinds.product import Sku


class CategoryAccess(Part):
    """Which categories the group may see: all, none, or the listed ``categories``."""

    type: Literal["all", "specific", "none"]
    categories: list[CategoryKey] | None = None

    @model_validator(mode="after")
    def _categories_for_specific(self) -> CategoryAccess:
        if self.type == "specific":
            if not self.categories:
                raise ValueError("category_access of type specific needs categories (paths)")
            problems = Problems("CategoryAccess")
            problems.repeats(
                self.categories,
                lambda c: c,
                lambda i: ("categories", i),
                lambda c, _: f"category {c!r} is listed more than once",
            )
            problems.raise_any()
        elif self.categories is not None:
            raise ValueError(f"categories apply only to type specific, not {self.type}")
        return self


class DiscountRule(Part):
    """A group discount: store-wide (``all``), on a ``category`` or a ``product``, or the
    group's ``price_list`` (which must then be the only rule)."""

    type: Literal["all", "category", "product", "price_list"]
    method: Literal["percent", "fixed", "price"] | None = None
    amount: Money | None = None
    category: CategoryKey | None = None
    product: Sku | None = None
    """The product's SKU."""
    price_list: Name255 | None = None
    """The price list's name."""

    @model_validator(mode="after")
    def _fields_fit_type(self) -> DiscountRule:
        targets = {
            "category": self.category,
            "product": self.product,
            "price_list": self.price_list,
        }
        needed = self.type if self.type in targets else None
        for name, value in targets.items():
            if name == needed and value is None:
                raise ValueError(f"a {self.type} discount rule needs {name}")
            if name != needed and value is not None:
                raise ValueError(f"{name} does not apply to a discount rule of type {self.type}")
        if self.type == "price_list":
            if self.method is not None or self.amount is not None:
                raise ValueError("a price_list rule takes no method or amount")
        else:
            if self.method is None or self.amount is None:
                raise ValueError(f"a discount rule of type {self.type} needs method and amount")
            if self.method == "percent" and self.amount > Decimal(100):
                raise ValueError(f"a percent discount of {self.amount} is over 100")
        return self


class CustomerGroup(ItemModel):
    """A customer group."""

    name: Name255
    is_default: bool | None = None
    is_group_for_guests: bool | None = None
    category_access: CategoryAccess | None = None
    discount_rules: list[DiscountRule] | None = None

    @field_validator("discount_rules")
    @classmethod
    def _rules_combine(cls, rules: list[DiscountRule] | None) -> list[DiscountRule] | None:
        # customers.v2.yml: a price_list rule must be the only rule; at most one "all" rule;
        # any number of category and product rules.
        rules = rules or []
        if any(r.type == "price_list" for r in rules) and len(rules) > 1:
            raise ValueError("a price_list discount rule must be the group's only rule")
        if sum(1 for r in rules if r.type == "all") > 1:
            raise ValueError("at most one discount rule of type all")
        problems = Problems("discount_rules")
        for kind in ("category", "product"):
            targeted = [(i, str(getattr(r, kind))) for i, r in enumerate(rules) if r.type == kind]
            for at, first in repeats(targeted, lambda t: t[1].casefold()):
                index, target = targeted[at]
                problems.add(
                    (index, kind),
                    f"more than one discount rule for {kind} {target!r}",
                    target,
                    (targeted[first][0], kind),
                )
        problems.raise_any()
        return rules


class CustomerGroupKind(Kind[CustomerGroup]):
    """Groups refer to categories, products (by SKU) and price lists."""

    name = "customer_group"
    plural = "customer_groups"
    directory = "customers/groups"
    model = CustomerGroup
    key_fields = ("name",)
    depends_on = ("category", "product", "price_list")

    def unique_values(self, item: CustomerGroup) -> Iterable[UniqueValue]:
        # customers.v2.yml states no uniqueness, but the store refuses a second group of
        # the same name (ignoring case), and groups are matched by name.
        yield UniqueValue(
            "customer group name",
            item.name.casefold(),
            item.name,
            ("name",),
            "BigCommerce refuses two customer groups whose names differ only by case",
        )

    def references(self, item: CustomerGroup) -> Iterable[Reference]:
        if item.category_access is not None:
            for index, path in enumerate(item.category_access.categories or []):
                yield Reference("category", path, ("category_access", "categories", index))
        for index, rule in enumerate(item.discount_rules or []):
            if rule.category is not None:
                yield Reference("category", rule.category, ("discount_rules", index, "category"))
            if rule.product is not None:
                yield Reference("product", rule.product, ("discount_rules", index, "product"))
            if rule.price_list is not None:
                yield Reference(
                    "price_list", rule.price_list, ("discount_rules", index, "price_list")
                )
