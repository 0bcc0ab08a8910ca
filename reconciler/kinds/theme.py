"""Stencil themes: ``themes/<name>/theme.yaml``, matched by name.

The theme's source (``config.json``, ``templates/``, ``assets/`` …) sits beside
``theme.yaml`` in the same folder, or in ``directory`` (relative to ``theme.yaml``) when
given; :meth:`ThemeKind.files` yields that folder so a missing one is reported before any
upload.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import JsonValue, StringConstraints, field_validator

from reconciler.kinds.base import FileRef, ItemModel, Kind
from reconciler.kinds.fields import ChannelId, Name255, RelativeFile

SEMVER = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)


class Theme(ItemModel):
    """A theme to upload and the variation to activate on a channel."""

    name: Name255
    version: Annotated[str, StringConstraints(pattern=SEMVER)] | None = None
    """The version in the theme's ``config.json`` (semantic versioning: ``1.4.0``)."""
    variation: Name255 | None = None
    """The name of the variation to activate (from ``config.json`` ``variations``)."""
    channel_id: ChannelId | None = None
    settings: dict[str, JsonValue] | None = None
    """Theme setting overrides applied on top of ``config.json``'s ``settings``; a value
    may name a secret as ``{env: VARIABLE}``, alone or inside a string."""
    directory: RelativeFile | None = None
    """The theme's source folder relative to ``theme.yaml`` (default: the same folder)."""

    @field_validator("settings")
    @classmethod
    def _finite_numbers_only(cls, settings: Any) -> Any:
        # YAML's .nan and .inf are floats JSON cannot carry: they would end every plan.
        if _has_non_finite(settings):
            raise ValueError("a setting is .nan or .inf, which JSON cannot carry: use a number")
        return settings


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_non_finite(v) for v in value)
    return False


def config_mismatches(theme: Theme, theme_dir: Path) -> list[str]:
    """What ``theme.yaml`` says that the theme's ``config.json`` contradicts (empty: none).

    A convenience check for the validator: the version and variation must exist there.
    """
    config_path = theme_dir / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"cannot read {config_path}: {exc}"]
    problems: list[str] = []
    if theme.version is not None and config.get("version") != theme.version:
        problems.append(
            f"version {theme.version} does not match config.json's {config.get('version')!r}"
        )
    names = [v.get("name") for v in config.get("variations", []) if isinstance(v, dict)]
    if theme.variation is not None and theme.variation not in names:
        problems.append(
            f"variation {theme.variation!r} is not in config.json"
            f" (it has {', '.join(map(str, names))})"
        )
    return problems


class ThemeKind(Kind[Theme]):
    name = "theme"
    plural = "themes"
    directory = "themes"
    file_glob = "*/theme.yaml"
    model = Theme
    key_fields = ("name",)
    secret_fields = ("settings",)
    secrets_by_declaration = True

    def files(self, item: Theme) -> Iterable[FileRef]:
        yield FileRef(item.directory or ".", ("directory",), directory=True)
