"""Storefront scripts: ``content/scripts``, matched by name (``scripts.v3.yml``).

BigCommerce lets an API account see only the scripts it created, so every script
StagingPro manages is one it creates from this declaration. ``src`` and ``html`` may
name secrets (an API key in a widget's tag) as ``{env: VARIABLE}``
(:mod:`reconciler.kinds.secret_refs`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from reconciler.kinds.base import ItemModel, Kind
from reconciler.kinds.fields import ChannelId, Name255
from reconciler.kinds.secret_refs import HttpsUrlWithSecrets

IntegrityHash = Annotated[
    str, StringConstraints(pattern=r"^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$")
]
"""A subresource-integrity hash: ``sha384-<base64>``."""


class Script(ItemModel):
    """A script. ``kind`` is required, with exactly the one of ``src`` (``kind: src``)
    or ``html`` (``kind: script_tag``) it names. ``load_method`` async or defer applies to
    src scripts only: scripts.v3.yml says a script_tag's "load_method must be default"."""

    name: Name255
    description: str | None = None
    kind: Literal["src", "script_tag"]
    src: HttpsUrlWithSecrets | None = None
    html: Annotated[str, StringConstraints(max_length=65536)] | None = None
    location: Literal["head", "footer"] | None = None
    visibility: Literal["storefront", "all_pages", "checkout", "order_confirmation"] | None = None
    load_method: Literal["default", "async", "defer"] | None = None
    consent_category: Literal["essential", "functional", "analytics", "targeting"] | None = None
    enabled: bool | None = None
    auto_uninstall: bool | None = None
    channel_id: ChannelId | None = None
    integrity_hashes: Annotated[list[IntegrityHash], Field(min_length=1)] | None = None

    @field_validator("load_method")
    @classmethod
    def _load_method_fits_kind(cls, method: str | None, info: ValidationInfo) -> str | None:
        if method not in (None, "default") and info.data.get("kind") == "script_tag":
            raise ValueError(
                f"load_method {method} applies to src scripts only: BigCommerce adds a"
                " script_tag's html to the page as written and refuses any load_method but"
                " default; remove it, or use kind src with the script's URL"
            )
        return method

    @model_validator(mode="after")
    def _content_matches_kind(self) -> Script:
        if self.kind == "src":
            if self.src is None or self.html is not None:
                raise ValueError("a script of kind src needs src (an https:// URL) and no html")
        else:
            if self.html is None or self.src is not None:
                raise ValueError(
                    "a script of kind script_tag needs html (one <script> tag) and no src"
                )
            tags = len(re.findall(r"<script\b", self.html, flags=re.IGNORECASE))
            if tags != 1:
                raise ValueError(
                    f"html must contain exactly one <script> tag (found {tags});"
                    " split it into several scripts"
                )
            if self.integrity_hashes is not None:
                raise ValueError("integrity_hashes apply to src scripts only")
        return self


class ScriptKind(Kind[Script]):
    name = "script"
    plural = "scripts"
    directory = "content/scripts"
    model = Script
    can_mark_owned = True
    key_fields = ("name",)
    secret_fields = ("src", "html")
