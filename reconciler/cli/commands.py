"""The list of command modules; each exposes ``register(app)``."""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    """Attach every command to ``app`` (idempotent)."""
    if getattr(app, "_stagingpro_registered", False):
        return
    from reconciler.cli import (
        apply,
        comment,
        history,
        plan,
        retry,
        reviewed,
        rollback,
        sandbox,
        schema,
        status,
        unlock,
        validate,
        window,
    )

    for module in (
        validate, schema, sandbox, plan, apply, retry, history, rollback, unlock,
        comment, status, reviewed, window,
    ):
        module.register(app)
    app._stagingpro_registered = True  # type: ignore[attr-defined]
