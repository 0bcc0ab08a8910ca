"""Stencil theme bundles: the content digest of a declared theme, the zip BigCommerce takes,
and the marker that tells which digest a live theme was uploaded from.

**Digest.** :func:`theme_digest` is a sha256 over every bundled file of the theme's folder
(sorted by relative POSIX path; each entry is the path, its byte length and its bytes, so
no two different trees hash alike) followed by the canonical JSON of the declared setting
overrides, cut to :data:`DIGEST_CHARS` hex characters (64 bits: plenty to tell versions of
one theme apart). It depends on nothing but the folder and the overrides — not on the
machine, the checkout path, file times or permissions.

**Marker.** ``GET /v3/themes`` returns a theme's ``name`` and its variations, but not its
version, and nothing else a bundle could carry (themes.v3.yml). So the bundle's
``config.json`` ``name`` carries both: ``"Ridgeline [1.3.0 sp-4f2a9c1b7d3e8a51]"``
(:func:`marked_name`, read back by :func:`parse_marked_name`). That survives across runs
and machines, costs no request beyond the theme list every plan reads anyway, tells
StagingPro's uploads apart from every other theme (the 20-theme limit may only ever remove
those), and lets an unchanged theme be re-activated instead of uploaded again. The
merchant sees the version and a short tag after the theme's name in the control panel.

**Bundle.** :func:`build_bundle` zips the folder as ``stencil bundle`` lays it out (files at
the root: ``config.json``, ``templates/``, ``assets/``, ``lang/`` …) with ``config.json``
rewritten: the marked name, and the declared setting overrides merged over the global
``settings`` and over every variation's ``settings`` (so they win on whichever variation is
activated). Entries are sorted and stamped with a fixed time, so the same input gives the
same bytes. Left out: ``theme.yaml`` (StagingPro's own file), dot files and folders,
``node_modules/`` and zips lying in the folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler import repo_files
from reconciler.errors import ConfigError

DIGEST_CHARS = 16
MAX_BUNDLE_BYTES = 50 * 1024 * 1024
"""BigCommerce refuses a bundle over 50 MB (upload error TR-500)."""
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_MARKER = re.compile(r"^(?P<name>.*\S) \[(?P<version>\S+) sp-(?P<digest>[0-9a-f]{16})\]$")


def theme_files(theme_dir: Path) -> list[tuple[str, Path]]:
    """The files a bundle holds: ``(relative POSIX path, real path)``, sorted by path.

    Raises :class:`UnsafeFileError` for a symlink leading outside ``theme_dir`` or a
    file that is no regular file (:func:`reconciler.repo_files.walk_files`); symlinks
    staying inside are bundled as the files they point to.
    """
    if not (theme_dir / "config.json").is_file():
        raise ConfigError(
            f"{theme_dir} has no config.json, so it is not a Stencil theme",
            hint="point the theme's directory at the folder holding config.json and templates/",
        )
    return [
        (relative, path)
        for relative, path in repo_files.walk_files(
            theme_dir, inside=f"the theme folder {theme_dir}"
        )
        if relative != "theme.yaml" and not _zip_at_top(relative)
    ]


def _zip_at_top(relative: str) -> bool:
    return "/" not in relative and relative.endswith(".zip")


def _read(theme_dir: Path, relative: str) -> bytes:
    return repo_files.read_bytes(theme_dir, relative, inside=f"the theme folder {theme_dir}")


def _settings_text(settings: Mapping[str, Any] | None) -> bytes:
    return json.dumps(
        dict(settings or {}), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
        allow_nan=False,
    ).encode()


def theme_digest(theme_dir: Path, settings: Mapping[str, Any] | None = None) -> str:
    """The content digest of a declared theme (module docstring)."""
    digest = hashlib.sha256()
    for relative, _ in theme_files(theme_dir):
        data = _read(theme_dir, relative)
        digest.update(relative.encode() + b"\0" + str(len(data)).encode() + b"\0")
        digest.update(data)
    digest.update(b"settings\0" + _settings_text(settings))
    return digest.hexdigest()[:DIGEST_CHARS]


def marked_name(name: str, version: str, digest: str) -> str:
    """The name a bundle is uploaded under: ``"Ridgeline [1.3.0 sp-<digest>]"``."""
    return f"{name} [{version} sp-{digest}]"


def parse_marked_name(text: str) -> tuple[str, str, str] | None:
    """``(name, version, digest)`` of a name :func:`marked_name` made, else ``None``."""
    found = _MARKER.match(text)
    if found is None:
        return None
    return found["name"], found["version"], found["digest"]


def read_config(theme_dir: Path) -> dict[str, Any]:
    """The theme's ``config.json``; :class:`ConfigError` naming the file when unreadable."""
    path = theme_dir / "config.json"
    try:
        config = json.loads(_read(theme_dir, "config.json").decode("utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"cannot read {path}: {error}", hint="config.json must be a JSON object"
        ) from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path} is not a JSON object", hint="see the Stencil config.json docs")
    return config


def bundle_config(
    config: Mapping[str, Any], name: str, settings: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``config.json`` as uploaded: the marked ``name`` and the overrides merged in."""
    result = dict(config)
    result["name"] = name
    if settings:
        result["settings"] = {**dict(config.get("settings") or {}), **settings}
        result["variations"] = [
            {**v, "settings": {**dict(v.get("settings") or {}), **settings}}
            if isinstance(v, Mapping)
            else v
            for v in config.get("variations") or []
        ]
    return result


def build_bundle(theme_dir: Path, name: str, settings: Mapping[str, Any] | None) -> bytes:
    """The Stencil bundle zip of ``theme_dir`` uploaded as ``name`` (module docstring).

    Raises :class:`ConfigError` when the folder is no theme or the zip exceeds 50 MB.
    """
    config = bundle_config(read_config(theme_dir), name, settings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative, _ in theme_files(theme_dir):
            data = _read(theme_dir, relative)
            if relative == "config.json":
                data = (json.dumps(config, indent=2, ensure_ascii=False) + "\n").encode()
            entry = zipfile.ZipInfo(relative, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    bundle = buffer.getvalue()
    if len(bundle) > MAX_BUNDLE_BYTES:
        raise ConfigError(
            f"the bundle of {theme_dir} is {len(bundle) / 1e6:.1f} MB;"
            " BigCommerce takes 50 MB at most",
            hint="leave build output and large media out of the theme folder",
        )
    return bundle
