"""The result of ``validate``: every problem, and what each environment declares."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reconciler.errors import Problem

REPORT_VERSION = 1
"""Version of :meth:`ValidationReport.to_json`'s shape; bumped on incompatible change."""


@dataclass(frozen=True)
class ValidationReport:
    """Problems (sorted, paths relative to ``root``) and per-environment item counts.

    ``environments`` maps each checked environment to ``{kind name: item count}``;
    ``timings`` holds seconds spent per loading step (discover, parse, validate,
    overlays, cross-checks), for benchmarks.
    """

    root: Path
    problems: tuple[Problem, ...]
    environments: Mapping[str, Mapping[str, int]]
    timings: Mapping[str, float]

    @property
    def ok(self) -> bool:
        """Whether the declared state has no problem."""
        return not self.problems

    def relative_to(self, base: Path) -> ValidationReport:
        """The report with problem paths relative to ``base`` (e.g. the current directory)
        when the state root lies below it, else absolute."""
        prefix = display_root(self.root, base)
        problems = tuple(
            replace(problem, file=f"{prefix}/{problem.file}" if prefix else problem.file)
            for problem in self.problems
        )
        return replace(self, problems=problems)

    def summary_lines(self, plurals: Mapping[str, str]) -> list[str]:
        """``production: 40 products, 12 categories`` per environment (kind order kept)."""
        lines: list[str] = []
        for name, counts in self.environments.items():
            parts = [
                f"{count} {kind if count == 1 else plurals.get(kind, kind)}".replace("_", " ")
                for kind, count in counts.items()
            ]
            lines.append(f"{name}: {', '.join(parts) if parts else 'no items'}")
        return lines

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (shape version :data:`REPORT_VERSION`)."""
        return {
            "version": REPORT_VERSION,
            "valid": self.ok,
            "problem_count": len(self.problems),
            "problems": [
                {
                    "file": p.file,
                    "line": p.line,
                    "column": p.column,
                    "kind": p.kind or None,
                    "key": p.key or None,
                    "message": p.message,
                }
                for p in self.problems
            ],
            "environments": {
                name: {"counts": dict(counts), "total": sum(counts.values())}
                for name, counts in self.environments.items()
            },
        }


def display_root(root: Path, base: Path) -> str:
    """``root`` as shown in messages: relative to ``base`` when below it, else absolute."""
    absolute = root.resolve()
    try:
        relative = absolute.relative_to(base.resolve())
    except ValueError:
        return str(absolute)
    text = relative.as_posix()
    return "" if text == "." else text.replace(os.sep, "/")
