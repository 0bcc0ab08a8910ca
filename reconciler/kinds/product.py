"""Products: ``catalog/products`` (one product per file by convention), matched by SKU.

The SKU is *required* here although BigCommerce makes it optional: it is the only product
field that is unique store-wide (case-insensitively, together with variant SKUs), cannot
be confused with another product's after a rename, and can be looked up directly
(``GET /catalog/products?sku=``). A name-keyed product would turn every rename into a
delete and a create.

Sub-resources (options, variants, modifiers, images, custom fields, bulk pricing rules)
are declared inline. Cross-field rules are checked by field validators on the later
field; every entry that breaks one is reported at that entry (:class:`Problems`), and a
repeat also names the entry it repeats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import pairwise
from typing import Annotated, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from reconciler.kinds.base import FileRef, ItemModel, Kind, Reference, UniqueValue
from reconciler.kinds.category import CategoryKey
from reconciler.kinds.fields import (
    CatalogUrlPath,
    Code14,
    HttpUrl,
    Keywords,
    LongText,
    Measure,
    Money,
    Name255,
    Part,
    Problems,
    RelativeFile,
    SortOrder,
    StockLevel,
    Str255,
    check_relative_file,
    custom_url_value,
    is_url,
)

MAX_VARIANTS = 600  # product-variants_catalog.v3.yml: 600 SKUs per product
MAX_OPTION_VALUES = 250  # product-variant-options_catalog.v3.yml: 250 values per option
MAX_CUSTOM_FIELDS = 200  # products_catalog.v3.yml: 200 custom fields
MAX_CATEGORIES = 1000  # products_catalog.v3.yml: categories maximum 1000
MAX_IMAGES = 1000

Sku = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^\S(.*\S)?$")]
"""A SKU: 1-255 characters, no leading or trailing whitespace."""

OptionType = Literal[
    "radio_buttons", "rectangles", "dropdown", "product_list", "product_list_with_images", "swatch"
]
ModifierType = Literal[
    "date",
    "checkbox",
    "file",
    "text",
    "multi_line_text",
    "numbers_only_text",
    "radio_buttons",
    "rectangles",
    "dropdown",
    "product_list",
    "product_list_with_images",
    "swatch",
]
VALUED_MODIFIER_TYPES = frozenset(get_args(OptionType))
"""Modifier types whose choices are declared as ``values`` (a checkbox's are built in)."""
PRODUCT_LIST_TYPES = frozenset({"product_list", "product_list_with_images"})

HexColour = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]


def _check_image(value: str) -> str:
    if is_url(value):
        if len(value) > 255:
            raise ValueError("an image URL may be at most 255 characters")
        return value
    return check_relative_file(value)


ImageSource = Annotated[str, StringConstraints(min_length=1), AfterValidator(_check_image)]
"""A repository file (relative to the YAML file) or an ``http(s)://`` URL."""


class OptionValueData(Part):
    """Extra data of an option value: swatch colours or image, or a product-list product."""

    colors: Annotated[list[HexColour], Field(min_length=1, max_length=3)] | None = None
    image_url: HttpUrl | None = None
    product: Sku | None = None
    """For product-list options: the SKU of the product this value stands for."""

    @model_validator(mode="after")
    def _one_kind_of_data(self) -> OptionValueData:
        given = [name for name in ("colors", "image_url", "product") if getattr(self, name)]
        if len(given) > 1:
            raise ValueError(
                f"give only one of colors, image_url, product (got {', '.join(given)})"
            )
        return self


class OptionValue(Part):
    label: Name255
    is_default: bool | None = None
    sort_order: SortOrder | None = None
    value_data: OptionValueData | None = None


class Option(Part):
    """A variant option (``product-variant-options_catalog.v3.yml``); unique by display_name."""

    display_name: Name255
    type: OptionType
    sort_order: SortOrder | None = None
    values: Annotated[list[OptionValue], Field(min_length=1, max_length=MAX_OPTION_VALUES)]

    @model_validator(mode="after")
    def _values_consistent(self) -> Option:
        problems = Problems("Option")
        problems.repeats(
            self.values,
            lambda v: v.label.casefold(),
            lambda i: ("values", i, "label"),
            lambda v, _: f"option {self.display_name!r} lists value {v.label!r} more than"
            " once (ignoring case)",
        )
        problems.raise_any()
        defaults = [v.label for v in self.values if v.is_default]
        if len(defaults) > 1:
            raise ValueError(
                f"option {self.display_name!r} has {len(defaults)} default values"
                f" ({', '.join(defaults)}); mark at most one is_default"
            )
        for value in self.values:
            data = value.value_data
            if data is None:
                continue
            if (data.colors or data.image_url) and self.type != "swatch":
                raise ValueError(
                    f"value {value.label!r}: colors and image_url apply only to swatch options,"
                    f" not {self.type}"
                )
            if data.product and self.type not in PRODUCT_LIST_TYPES:
                raise ValueError(
                    f"value {value.label!r}: product applies only to product_list options"
                )
        return self


class Variant(Part):
    """One SKU of a product with options (``product-variants_catalog.v3.yml``)."""

    sku: Sku
    option_values: Annotated[dict[Name255, Name255], Field(min_length=1)]
    """Option display name → value label, one entry for every option of the product."""
    price: Money | None = None
    sale_price: Money | None = None
    retail_price: Money | None = None
    cost_price: Money | None = None
    weight: Measure | None = None
    width: Measure | None = None
    height: Measure | None = None
    depth: Measure | None = None
    inventory_level: StockLevel | None = None
    inventory_warning_level: StockLevel | None = None
    purchasing_disabled: bool | None = None
    upc: Code14 | None = None
    gtin: Code14 | None = None
    mpn: Str255 | None = None
    image: ImageSource | None = None


class Adjuster(Part):
    """A price or weight change when a modifier value is chosen."""

    adjuster: Literal["relative", "percentage"]
    adjuster_value: Annotated[Decimal, Field(max_digits=16, decimal_places=4)]


class PurchasingDisabled(Part):
    status: bool
    message: Str255 | None = None


class Adjusters(Part):
    price: Adjuster | None = None
    weight: Adjuster | None = None
    image_url: HttpUrl | None = None
    purchasing_disabled: PurchasingDisabled | None = None


class ModifierValue(Part):
    label: Name255
    is_default: bool | None = None
    sort_order: SortOrder | None = None
    adjusters: Adjusters | None = None


class Modifier(Part):
    """A product modifier (``product-modifiers_catalog.v3.yml``); unique by display_name."""

    display_name: Name255
    type: ModifierType
    required: bool
    sort_order: SortOrder | None = None
    values: Annotated[list[ModifierValue], Field(max_length=MAX_OPTION_VALUES)] | None = None

    @model_validator(mode="after")
    def _values_match_type(self) -> Modifier:
        if self.type in VALUED_MODIFIER_TYPES:
            if not self.values:
                raise ValueError(
                    f"modifier {self.display_name!r} of type {self.type} needs at least one value"
                )
        elif self.values is not None:
            raise ValueError(
                f"modifier {self.display_name!r} of type {self.type} takes no values; values"
                f" apply to {', '.join(sorted(VALUED_MODIFIER_TYPES))}"
            )
        values = self.values or []
        problems = Problems("Modifier")
        problems.repeats(
            values,
            lambda v: v.label.casefold(),
            lambda i: ("values", i, "label"),
            lambda v, _: f"modifier {self.display_name!r} lists value {v.label!r} more"
            " than once (ignoring case)",
        )
        problems.raise_any()
        if sum(1 for v in values if v.is_default) > 1:
            raise ValueError(
                f"modifier {self.display_name!r} has more than one default value;"
                " mark at most one is_default"
            )
        return self


class Image(Part):
    """A product image: a repository ``file`` (relative to the YAML file) or a ``url``."""

    file: RelativeFile | None = None
    url: HttpUrl | None = None
    description: LongText | None = None
    sort_order: SortOrder | None = None
    is_thumbnail: bool | None = None

    @model_validator(mode="after")
    def _file_xor_url(self) -> Image:
        if (self.file is None) == (self.url is None):
            raise ValueError(
                "give exactly one of file (a repository image, relative to this YAML file)"
                " or url (an http(s):// image)"
            )
        return self


class CustomField(Part):
    """A name and value shown on the product page; names are unique within a product
    (ignoring case) because overlays merge custom fields by name."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=250)]
    value: Annotated[str, StringConstraints(min_length=1, max_length=250)]


class BulkPricingRule(Part):
    """A quantity break (``bulk_pricing_rules``); ``quantity_max`` 0 means no upper bound."""

    quantity_min: Annotated[int, Field(ge=1)]
    quantity_max: Annotated[int, Field(ge=0)]
    type: Literal["price", "percent", "fixed"]
    amount: Money

    @model_validator(mode="after")
    def _valid_range(self) -> BulkPricingRule:
        if self.quantity_max != 0 and self.quantity_max < self.quantity_min:
            raise ValueError(
                f"quantity_max {self.quantity_max} is below quantity_min {self.quantity_min};"
                " use 0 for no upper bound"
            )
        if self.type == "percent" and self.amount > 100:
            raise ValueError(f"a percent discount of {self.amount} is over 100")
        return self

    @property
    def upper(self) -> float:
        """The highest quantity covered (infinite when unbounded)."""
        return float("inf") if self.quantity_max == 0 else float(self.quantity_max)


class Product(ItemModel):
    """A product (``products_catalog.v3.yml``). ``sku``, ``name``, ``type``, ``price`` and
    ``weight`` are required: BigCommerce needs the last four to create a product."""

    sku: Sku
    name: Annotated[str, StringConstraints(min_length=1, max_length=250)]
    type: Literal["physical", "digital"]
    price: Money
    weight: Measure
    sale_price: Money | None = None
    retail_price: Money | None = None
    cost_price: Money | None = None
    map_price: Money | None = None
    width: Measure | None = None
    height: Measure | None = None
    depth: Measure | None = None
    description: str | None = None
    brand: Name255 | None = None
    """The brand's name (case-insensitive)."""
    categories: Annotated[list[CategoryKey], Field(max_length=MAX_CATEGORIES)] | None = None
    """Category paths; order does not matter."""
    is_visible: bool | None = None
    is_featured: bool | None = None
    inventory_tracking: Literal["none", "product", "variant"] | None = None
    inventory_level: StockLevel | None = None
    inventory_warning_level: StockLevel | None = None
    availability: Literal["available", "disabled", "preorder"] | None = None
    availability_description: Str255 | None = None
    condition: Literal["New", "Used", "Refurbished"] | None = None
    is_condition_shown: bool | None = None
    search_keywords: LongText | None = None
    page_title: Str255 | None = None
    meta_description: LongText | None = None
    meta_keywords: Keywords | None = None
    custom_url: CatalogUrlPath | None = None
    gtin: Code14 | None = None
    upc: Code14 | None = None
    mpn: Str255 | None = None
    sort_order: SortOrder | None = None
    warranty: LongText | None = None
    options: list[Option] | None = None
    variants: Annotated[list[Variant], Field(max_length=MAX_VARIANTS)] | None = None
    modifiers: list[Modifier] | None = None
    images: Annotated[list[Image], Field(max_length=MAX_IMAGES)] | None = None
    custom_fields: Annotated[list[CustomField], Field(max_length=MAX_CUSTOM_FIELDS)] | None = None
    bulk_pricing_rules: list[BulkPricingRule] | None = None
    protect: bool | None = None
    """StagingPro's own flag: never delete this product, even when pruning. Not sent to the API."""

    @field_validator("categories")
    @classmethod
    def _categories_unique(cls, categories: list[str] | None) -> list[str] | None:
        problems = Problems("categories")
        problems.repeats(
            categories or [],
            lambda c: c,
            lambda i: (i,),
            lambda c, _: f"category {c!r} is listed more than once",
        )
        problems.raise_any()
        return categories

    @field_validator("inventory_level")
    @classmethod
    def _product_level_tracked(cls, level: int | None, info: ValidationInfo) -> int | None:
        # With tracking by variant the product's level is the sum of its variants' levels
        # (server-owned). With 'none' the spec only says the level takes no effect, not
        # that the store drops it (products_catalog.v3.yml, inventory_level), so a level
        # declared with 'none' is kept and compares equal: no rule for that case.
        if level is not None and info.data.get("inventory_tracking") == "variant":
            raise ValueError(
                "inventory_tracking is 'variant', so stock is counted per variant:"
                " set inventory_level on each variant instead"
            )
        return level

    @field_validator("options")
    @classmethod
    def _options_unique(cls, options: list[Option] | None) -> list[Option] | None:
        problems = Problems("options")
        problems.repeats(
            options or [],
            lambda o: o.display_name.casefold(),
            lambda i: (i, "display_name"),
            lambda o, _: f"option display_name {o.display_name!r} is used more than once"
            " (ignoring case)",
        )
        problems.raise_any()
        return options

    @field_validator("variants")
    @classmethod
    def _variants_match_options(
        cls, variants: list[Variant] | None, info: ValidationInfo
    ) -> list[Variant] | None:
        if not variants:
            return variants
        # A repeated variant SKU is left to the store-wide "SKU" check (unique_values),
        # which names the file, line and column of both places.
        problems = Problems("variants")
        if "options" in info.data:  # else the options are invalid and reported already
            options: list[Option] = info.data["options"] or []
            if not options:
                raise ValueError(
                    "variants need options: declare the options their option_values name"
                )
            _check_option_values(variants, options, problems)
        problems.raise_any()
        return variants

    @field_validator("modifiers")
    @classmethod
    def _modifiers_unique(
        cls, modifiers: list[Modifier] | None, info: ValidationInfo
    ) -> list[Modifier] | None:
        problems = Problems("modifiers")
        problems.repeats(
            modifiers or [],
            lambda m: m.display_name.casefold(),
            lambda i: (i, "display_name"),
            lambda m, _: f"modifier display_name {m.display_name!r} is used more than once"
            " (ignoring case)",
        )
        # BigCommerce keeps one name space for a product's options and modifiers (a 409
        # otherwise: product-modifiers_catalog.v3.yml, "in conflict with another modifier
        # or option"), so a clash would fail at apply; say so here, where it can be fixed.
        options = {o.display_name.casefold(): o for o in info.data.get("options") or []}
        for index, modifier in enumerate(modifiers or []):
            option = options.get(modifier.display_name.casefold())
            if option is not None:
                problems.add(
                    (index, "display_name"),
                    f"modifier {modifier.display_name!r} has the display_name of option"
                    f" {option.display_name!r}: BigCommerce requires the display names of a"
                    " product's options and modifiers to be unique across both (ignoring"
                    " case); rename the modifier or the option",
                    modifier.display_name,
                )
        problems.raise_any()
        return modifiers

    @field_validator("images")
    @classmethod
    def _one_thumbnail(cls, images: list[Image] | None) -> list[Image] | None:
        thumbnails = [i for i, image in enumerate(images or []) if image.is_thumbnail]
        if len(thumbnails) > 1:
            raise ValueError(
                f"images {', '.join(f'#{i + 1}' for i in thumbnails)} are all marked"
                " is_thumbnail; mark at most one"
            )
        return images

    @field_validator("custom_fields")
    @classmethod
    def _custom_fields_unique(cls, fields: list[CustomField] | None) -> list[CustomField] | None:
        # BigCommerce only needs name + value unique, but overlays (and the plan) match
        # custom fields by name: two fields of one name would make a patch ambiguous.
        problems = Problems("custom_fields")
        problems.repeats(
            fields or [],
            lambda f: f.name.casefold(),
            lambda i: (i, "name"),
            lambda f, _: f"custom field name {f.name!r} is used more than once (ignoring"
            " case): overlays merge custom fields by name, so each name may appear once per"
            " product; join the values into one field or give each its own name",
        )
        problems.raise_any()
        return fields

    @field_validator("bulk_pricing_rules")
    @classmethod
    def _rules_do_not_overlap(
        cls, rules: list[BulkPricingRule] | None
    ) -> list[BulkPricingRule] | None:
        ordered = sorted(rules or [], key=lambda r: r.quantity_min)
        for lower, higher in pairwise(ordered):
            if higher.quantity_min <= lower.upper:
                raise ValueError(
                    f"bulk pricing rules overlap: {_describe_range(lower)} and"
                    f" {_describe_range(higher)}; each quantity may fall in one rule only"
                )
        return rules


def _describe_range(rule: BulkPricingRule) -> str:
    upper = "and more" if rule.quantity_max == 0 else f"to {rule.quantity_max}"
    return f"{rule.quantity_min} {upper}"


def _check_option_values(
    variants: Sequence[Variant], options: Sequence[Option], problems: Problems
) -> None:
    """Every variant names every option once, with a declared value; no combination twice.
    Each variant's problem is reported at that variant."""
    labels = {o.display_name: {v.label for v in o.values} for o in options}
    for index, variant in enumerate(variants):
        where = (index, "option_values")
        unknown = [name for name in variant.option_values if name not in labels]
        missing = [name for name in labels if name not in variant.option_values]
        if unknown:
            problems.add(
                where,
                f"variant {variant.sku}: option {unknown[0]!r} is not declared;"
                f" options are {', '.join(repr(n) for n in labels)}",
            )
        elif missing:
            problems.add(where, f"variant {variant.sku}: no value for option {missing[0]!r}")
        for name, label in variant.option_values.items():
            if name in labels and label not in labels[name]:
                problems.add(
                    (*where, name),
                    f"variant {variant.sku}: {label!r} is not a value of option {name!r};"
                    f" its values are {', '.join(repr(v) for v in sorted(labels[name]))}",
                )
    problems.repeats(
        variants,
        lambda v: tuple(sorted(v.option_values.items())),
        lambda i: (i, "option_values"),
        lambda v, first: f"variant {v.sku} has the same option values as variant"
        f" {variants[first].sku}: "
        + ", ".join(f"{n}={lbl}" for n, lbl in sorted(v.option_values.items())),
    )


class ProductKind(Kind[Product]):
    """Products depend on brands and categories, and own the SKU namespace with variants."""

    name = "product"
    plural = "products"
    directory = "catalog/products"
    model = Product
    can_mark_owned = True
    key_fields = ("sku",)
    case_insensitive_key = True
    depends_on = ("brand", "category")
    merge_keys: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "variants": ("sku",),
        "options": ("display_name",),
        "modifiers": ("display_name",),
        "custom_fields": ("name",),
    }

    def references(self, item: Product) -> Iterable[Reference]:
        if item.brand is not None:
            yield Reference("brand", item.brand, ("brand",))
        for index, path in enumerate(item.categories or []):
            yield Reference("category", path, ("categories", index))
        for o_index, option in enumerate(item.options or []):
            for v_index, value in enumerate(option.values):
                if value.value_data is not None and value.value_data.product is not None:
                    yield Reference(
                        "product",
                        value.value_data.product,
                        ("options", o_index, "values", v_index, "value_data", "product"),
                    )

    def unique_values(self, item: Product) -> Iterable[UniqueValue]:
        yield UniqueValue("SKU", item.sku.casefold(), item.sku, ("sku",))
        for index, variant in enumerate(item.variants or []):
            where = ("variants", index, "sku")
            yield UniqueValue("SKU", variant.sku.casefold(), variant.sku, where)
        yield UniqueValue("product name", item.name.casefold(), item.name, ("name",))
        if item.custom_url is not None:
            yield custom_url_value(item.custom_url)

    def files(self, item: Product) -> Iterable[FileRef]:
        for index, image in enumerate(item.images or []):
            if image.file is not None:
                yield FileRef(image.file, ("images", index, "file"))
        for index, variant in enumerate(item.variants or []):
            if variant.image is not None and not is_url(variant.image):
                yield FileRef(variant.image, ("variants", index, "image"))
