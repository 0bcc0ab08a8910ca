"""Loading and validating the declared state: the library entry points.

* :func:`load_state` — one environment's :class:`DeclaredState`, or :class:`StateError`
  carrying every problem found;
* :func:`validate_state` — a :class:`ValidationReport` for several environments at once
  (what ``stagingpro validate`` prints);
* :func:`load_file` — the validated items of one kind file (no cross-item checks).

Steps: classify files (:mod:`.documents`), parse them (:mod:`.reading`), validate each
item with its kind's model (messages from :mod:`.messages`), validate ``stagingpro.yaml``
with :class:`~reconciler.config.ProjectConfig`, then for each environment add its own
items, apply its overlay (:mod:`.overlays`) and run the cross-item checks
(:mod:`.references`). Nothing stops at the first problem.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from reconciler.config import ProjectConfig, secret_problems
from reconciler.errors import ConfigError, Problem, StateError
from reconciler.kinds.base import FieldPath, ItemModel, Kind
from reconciler.kinds.registry import KINDS
from reconciler.state import documents, messages, overlays, reading, secret_checks, yamlio
from reconciler.state.items import DeclaredItem, DeclaredState, Source, declared_at
from reconciler.state.positions import Positions
from reconciler.state.references import CrossChecker, did_you_mean, problem_at
from reconciler.state.report import ValidationReport


def load_state(root: Path, environment: str) -> DeclaredState:
    """The declared state of ``environment`` under ``root`` (``store-state/``).

    Raises :class:`StateError` with every problem of the base files, ``stagingpro.yaml``
    and that environment's overlay, or :class:`ConfigError` when ``stagingpro.yaml``
    declares no environment of that name.
    """
    loader = _Loader(root)
    states = loader.run([environment])
    if loader.problems:
        raise StateError(loader.problems)
    return states[environment]


def validate_state(root: Path, environments: Sequence[str] | None = None) -> ValidationReport:
    """Check the declared state for ``environments`` (default: all of stagingpro.yaml's).

    Reports every problem at once; a problem that shows in only some of the checked
    environments says which. Raises :class:`ConfigError` for an environment name that
    ``stagingpro.yaml`` does not declare.
    """
    loader = _Loader(root)
    states = loader.run(environments)
    counts = {name: state.counts() for name, state in states.items()}
    return ValidationReport(
        root=root,
        problems=tuple(loader.problems),
        environments=MappingProxyType(counts),
        timings=MappingProxyType(dict(loader.timings)),
    )


def load_file(root: Path, path: str) -> list[DeclaredItem]:
    """The items of one kind file (``path`` relative to ``root``), each validated by its
    kind's model but without the cross-item checks (references, duplicates), which need
    the whole state. Raises :class:`StateError` with every problem of the file.
    """
    loader = _Loader(root)
    kind = documents.kind_of(path, loader.kinds)
    if not isinstance(kind, Kind):
        raise StateError([Problem(path, 1, 1, "not a kind file")])
    data = reading.read_all(root, [path], workers=1)[0]
    items = loader._items(documents.KindFile(path, kind), data)
    if loader.problems:
        raise StateError(loader.problems)
    return items


@dataclass
class _Environment:
    """What one environment adds: its own items and its overlay."""

    name: str
    items: list[DeclaredItem] = field(default_factory=list)
    overlay: overlays.Overlay | None = None


class _Loader:
    """One load of a state tree; collects problems instead of raising them."""

    def __init__(self, root: Path, kinds: Sequence[Kind[Any]] = KINDS) -> None:
        if not root.is_dir():
            raise ConfigError(
                f"state directory {root} not found",
                hint="run from the repository root or pass --state DIR",
            )
        self.root = root
        self.kinds = tuple(kinds)
        self.positions = Positions(root)
        self.checker = CrossChecker(root, self.kinds)
        self.problems: list[Problem] = []
        self.timings: dict[str, float] = {}
        # Keys of items that failed validation: patches and references naming them are
        # not reported again as "matching nothing" or "unknown".
        self.invalid: dict[str, set[str]] = {kind.name: set() for kind in self.kinds}
        # Kinds with a file that could not be read (not YAML, a tab, refused): its items
        # are unknown, so nothing is reported as missing them — the file's error is the
        # root cause, and one message for it beats forty that follow from it.
        self.unreadable: set[str] = set()

    def _time(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[step] = self.timings.get(step, 0.0) + now - since
        return now

    def run(self, wanted: Sequence[str] | None) -> dict[str, DeclaredState]:
        """Load and check everything; the states of the environments ``wanted``
        (default: all declared). Problems accumulate in :attr:`problems`."""
        started = time.perf_counter()
        layout = documents.classify(self.root, self.kinds)
        self.problems.extend(layout.problems)
        # stagingpro.yaml and the overlays first: they say which environments (and so
        # which environment files) to load.
        head = [layout.config] if layout.config else []
        head += [overlay.path for overlay in layout.overlays]
        parsed = dict(zip(head, reading.read_all(self.root, head, workers=1), strict=True))
        config = self._config(layout.config, parsed)
        declared = list(config.environments) if config is not None else []
        names = self._environments(wanted, declared, config is not None)
        if config is not None:
            self._undeclared_environments(layout, declared)
        self._time("discover", started)

        with reading.paused_gc():
            extra = {name: _Environment(name) for name in names}
            base = self._load_kind_files(layout, extra)
            started = time.perf_counter()
            self._load_overlays(layout, parsed, extra)
            states: dict[str, DeclaredState] = {}
            per_environment: dict[str, set[Problem]] = {}
            for name in names or [""]:
                found: list[Problem] = []
                items = self._environment_items(base, extra.get(name), found)
                started = self._time("overlays", started)
                found.extend(self.checker.check(items, self.invalid, self.unreadable))
                if name and config is not None:
                    found.extend(secret_checks.check(items, config, name))
                started = self._time("cross-checks", started)
                per_environment[name] = set(found)
                if name and config is not None:
                    frozen = {kind: MappingProxyType(by_key) for kind, by_key in items.items()}
                    states[name] = DeclaredState(self.root, name, config, MappingProxyType(frozen))
        self.problems.extend(_merge_environments(per_environment))
        self.problems = sorted(set(self.problems))
        return states

    def _undeclared_environments(self, layout: documents.Layout, declared: list[str]) -> None:
        for environment, first_file in sorted(layout.environment_dirs.items()):
            if environment not in declared:
                self._problem_file(
                    first_file,
                    f"environment '{environment}' is not declared in stagingpro.yaml"
                    f"{did_you_mean(environment, declared) or self._listed(declared)}",
                )

    def _load_kind_files(
        self, layout: documents.Layout, extra: Mapping[str, _Environment]
    ) -> list[DeclaredItem]:
        """Parse and validate every kind file of the base and of the ``extra``
        environments; return the base items (environment items go into ``extra``)."""
        started = time.perf_counter()
        base: list[DeclaredItem] = []
        kind_files = [
            kind_file
            for kind_file in layout.kind_files
            if not kind_file.environment or kind_file.environment in extra
        ]
        # Items are validated as parsed chunks arrive, while the worker processes go
        # on parsing; "parse" is the time spent waiting for them.
        validating = 0.0
        results = reading.iter_read(self.root, [kind_file.path for kind_file in kind_files])
        for kind_file, data in zip(kind_files, results, strict=True):
            began = time.perf_counter()
            loaded = self._items(kind_file, data)
            target = extra[kind_file.environment].items if kind_file.environment else base
            target.extend(loaded)
            validating += time.perf_counter() - began
        self.timings["parse"] = time.perf_counter() - started - validating
        self.timings["validate"] = validating
        return base

    def _load_overlays(
        self,
        layout: documents.Layout,
        parsed: Mapping[str, Any],
        extra: Mapping[str, _Environment],
    ) -> None:
        for overlay_file in layout.overlays:
            if overlay_file.environment not in extra:
                continue
            data = parsed[overlay_file.path]
            if isinstance(data, yamlio.YamlFailure):
                self._problem_file(overlay_file.path, data.message, data)
                continue
            overlay, problems = overlays.parse_overlay(
                overlay_file.environment, overlay_file.path, data, self.kinds, self.positions
            )
            self.problems.extend(problems)
            extra[overlay_file.environment].overlay = overlay

    # --- configuration ------------------------------------------------------------

    def _config(self, path: str | None, parsed: Mapping[str, Any]) -> ProjectConfig | None:
        if path is None:
            self.problems.append(
                Problem(
                    documents.CONFIG_FILE,
                    0,
                    0,
                    "missing: the state directory needs a stagingpro.yaml declaring its"
                    " environments",
                )
            )
            return None
        data = parsed[path]
        if isinstance(data, yamlio.YamlFailure):
            self._problem_file(path, data.message, data)
            return None
        if data is None:
            self._problem_file(path, "empty file; declare at least 'environments:'")
            return None
        try:
            config = ProjectConfig.model_validate(data)
        except ValidationError as error:
            for field_error in messages.explain(error, data, ProjectConfig):
                place = self.positions.locate(path, field_error.path, key=field_error.at_key)
                self.problems.append(Problem(path, place.line, place.column, field_error.message))
            return None
        for where, message in secret_problems(config):
            place = self.positions.locate(path, where)
            self.problems.append(Problem(path, place.line, place.column, message))
        return config

    def _environments(
        self, wanted: Sequence[str] | None, declared: list[str], config_ok: bool
    ) -> list[str]:
        if wanted is None:
            return declared
        if config_ok:
            unknown = [name for name in wanted if name not in declared]
            if unknown:
                raise ConfigError(
                    f"unknown environment '{unknown[0]}'"
                    f"{did_you_mean(unknown[0], declared) or self._listed(declared)}",
                    hint="environments are declared under 'environments:' in stagingpro.yaml",
                )
            return list(dict.fromkeys(wanted))
        return []

    @staticmethod
    def _listed(names: Sequence[str]) -> str:
        return f"; declared: {', '.join(names)}" if names else "; none is declared"

    # --- items ----------------------------------------------------------------------

    def _problem_file(
        self, path: str, message: str, where: yamlio.YamlFailure | None = None
    ) -> None:
        line, column = (where.line, where.column) if where else (1, 1)
        self.problems.append(Problem(path, line, column, message))

    def _items(self, kind_file: documents.KindFile, data: Any) -> list[DeclaredItem]:
        if isinstance(data, yamlio.YamlFailure):
            self._problem_file(kind_file.path, data.message, data)
            self.unreadable.add(kind_file.kind.name)
            return []
        raws, problems = documents.split_items(kind_file, data, self.kinds, self.positions)
        self.problems.extend(problems)
        loaded: list[DeclaredItem] = []
        for raw in raws:
            source = Source(raw.file, raw.document_path)
            model = self._validate(raw.kind, raw.data, source, raw.shown_key, {})
            if model is None:
                if raw.shown_key:
                    self.invalid[raw.kind.name].add(raw.kind.match_key(raw.shown_key))
                continue
            key = raw.kind.key(model)
            loaded.append(DeclaredItem(raw.kind, key, model, source, self.positions))
        return loaded

    def _validate(
        self,
        kind: Kind[Any],
        data: Any,
        source: Source,
        shown_key: str,
        origins: Mapping[FieldPath, Source],
        into: list[Problem] | None = None,
    ) -> ItemModel | None:
        """The item's model, or ``None`` after reporting why ``data`` is not one."""
        sink = self.problems if into is None else into
        if not isinstance(data, Mapping):
            place = self.positions.locate(source.file, source.path)
            got = messages.shown(data)
            sink.append(
                Problem(
                    source.file,
                    place.line,
                    place.column,
                    f"expected a {kind.name} (a mapping of fields), got {got}",
                    kind.name,
                    shown_key,
                )
            )
            return None
        try:
            return kind.model.model_validate(data)
        except ValidationError as error:
            locator = _Locator(source, origins, self.positions)
            for field_error in messages.explain(error, data, kind.model):
                path = messages.entry_named(field_error, data, kind.merge_keys)
                file, line, column = locator.locate(path, field_error.at_key)
                message = field_error.message
                if field_error.first is not None:
                    first = locator.locate(field_error.first, False)
                    message += f"; first at {first[0]}:{first[1]}:{first[2]}"
                sink.append(Problem(file, line, column, message, kind.name, shown_key))
            return None

    # --- one environment -------------------------------------------------------------

    def _environment_items(
        self, base: list[DeclaredItem], extra: _Environment | None, found: list[Problem]
    ) -> dict[str, dict[str, DeclaredItem]]:
        items: dict[str, dict[str, DeclaredItem]] = {kind.name: {} for kind in self.kinds}
        for item in base:
            self._add(items, item, found)
        if extra is None:
            return items
        for item in extra.items:
            existing = items[item.kind.name].get(item.match_key)
            if existing is not None and not existing.source.file.startswith("environments/"):
                place = existing.locate()
                overlay = f"environments/{extra.name}/{documents.OVERLAY_FILE}"
                found.append(
                    problem_at(
                        item,
                        (),
                        f"already declared in the base at {place.file}:{place.line}:"
                        f"{place.column}; to change it in {extra.name}, patch it in {overlay}",
                    )
                )
                continue
            self._add(items, item, found)
        if extra.overlay is not None:
            self._remove(items, extra.overlay, found)
            self._patch(items, extra.overlay, found)
        return items

    def _add(
        self, items: dict[str, dict[str, DeclaredItem]], item: DeclaredItem, found: list[Problem]
    ) -> None:
        by_key = items[item.kind.name]
        first = by_key.get(item.match_key)
        if first is None:
            by_key[item.match_key] = item
            return
        place = first.locate()
        found.append(
            problem_at(
                item,
                (),
                f"duplicate {item.kind.name} {item.key}; also declared at"
                f" {place.file}:{place.line}:{place.column}",
            )
        )

    def _unmatched(
        self,
        kind: Kind[Any],
        key: str,
        items: Mapping[str, DeclaredItem],
        file: str,
        path: FieldPath,
        verb: str,
    ) -> Problem | None:
        if kind.match_key(key) in self.invalid[kind.name] or kind.name in self.unreadable:
            return None  # the item is invalid or unreadable, and reported as such
        place = self.positions.locate(file, path, key=verb == "patch")
        hint = did_you_mean(key, (item.key for item in items.values()))
        return Problem(
            file,
            place.line,
            place.column,
            f"{verb} matches no {kind.name} '{key}'{hint or '; no such item is declared'}",
            kind.name,
            key,
        )

    def _remove(
        self,
        items: dict[str, dict[str, DeclaredItem]],
        overlay: overlays.Overlay,
        found: list[Problem],
    ) -> None:
        for entry in overlay.removals:
            by_key = items[entry.kind.name]
            if by_key.pop(entry.kind.match_key(entry.key), None) is None:
                problem = self._unmatched(
                    entry.kind, entry.key, by_key, entry.file, entry.document_path, "remove"
                )
                if problem is not None:
                    found.append(problem)

    def _patch(
        self,
        items: dict[str, dict[str, DeclaredItem]],
        overlay: overlays.Overlay,
        found: list[Problem],
    ) -> None:
        for entry in overlay.patches:
            kind = entry.kind
            by_key = items[kind.name]
            match = kind.match_key(entry.key)
            item = by_key.get(match)
            if item is None:
                problem = self._unmatched(
                    kind, entry.key, by_key, entry.file, entry.document_path, "patch"
                )
                if problem is not None:
                    found.append(problem)
                continue
            origins: overlays.Origins = {
                path: (source.file, source.path) for path, source in item.origins.items()
            }
            base_data = item.model.model_dump(mode="python", exclude_unset=True, by_alias=True)
            merged, merge_problems = overlays.merge(
                base_data,
                entry.data,
                merge_keys=kind.merge_keys,
                file=entry.file,
                document_path=entry.document_path,
                origins=origins,
            )
            for merge_problem in merge_problems:
                place = self.positions.locate(entry.file, merge_problem.document_path)
                found.append(
                    Problem(
                        entry.file,
                        place.line,
                        place.column,
                        merge_problem.message,
                        kind.name,
                        item.key,
                    )
                )
            sources = {path: Source(file, where) for path, (file, where) in origins.items()}
            model = self._validate(kind, merged, item.source, item.key, sources, into=found)
            if model is None:
                del by_key[match]
                self.invalid[kind.name].add(match)
                continue
            patched = DeclaredItem(
                kind,
                kind.key(model),
                model,
                item.source,
                self.positions,
                (*item.overlays, entry.file),
                MappingProxyType(sources),
            )
            if patched.match_key != match:
                found.append(
                    problem_at(
                        patched,
                        kind.key_fields[:1],
                        f"a patch may not change the natural key ({item.key} →"
                        f" {patched.key}); declare a new {kind.name} and remove the old one",
                    )
                )
                continue
            by_key[match] = patched


@dataclass(frozen=True)
class _Locator:
    """Resolves field paths of an item being validated (which may carry overlay origins)."""

    source: Source
    origins: Mapping[FieldPath, Source]
    positions: Positions

    def locate(self, path: FieldPath, at_key: bool) -> tuple[str, int, int]:
        where = declared_at(self.source, self.origins, path)
        place = self.positions.locate(where.file, where.path, key=at_key)
        return place.file, place.line, place.column


def _merge_environments(per_environment: Mapping[str, set[Problem]]) -> list[Problem]:
    """Problems of each environment; those not found in all of them say where they apply."""
    everywhere = set.intersection(*per_environment.values()) if per_environment else set()
    merged: dict[Problem, list[str]] = {}
    for name, problems in per_environment.items():
        for problem in problems - everywhere:
            merged.setdefault(problem, []).append(name)
    out = list(everywhere)
    for problem, names in merged.items():
        suffix = f" (environment {', '.join(sorted(names))})"
        out.append(
            Problem(
                problem.file,
                problem.line,
                problem.column,
                problem.message + suffix,
                problem.kind,
                problem.key,
            )
        )
    return out
