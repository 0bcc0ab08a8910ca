"""The declared state: YAML files under ``store-state/`` loaded into validated items.

Public API::

    load_state(root, environment) -> DeclaredState     # raises StateError with every problem
    validate_state(root, environments=None) -> ValidationReport

A :class:`DeclaredState` is immutable: ``items[kind name][match key] -> DeclaredItem``,
in kind (apply) order. Each :class:`DeclaredItem` knows its kind, natural key, validated
model, source file and the overlays that patched it, and resolves the line and column
of any of its fields on demand (:meth:`DeclaredItem.locate`).
"""

from reconciler.state.items import DeclaredItem, DeclaredState, Source
from reconciler.state.load import load_file, load_state, validate_state
from reconciler.state.positions import Place
from reconciler.state.report import ValidationReport

__all__ = [
    "DeclaredItem",
    "DeclaredState",
    "Place",
    "Source",
    "ValidationReport",
    "load_file",
    "load_state",
    "validate_state",
]
