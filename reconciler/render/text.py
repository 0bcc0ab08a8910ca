"""The terminal rendering of a plan, Terraform-like.

::

    Plan for production (store abc123)

      ~ update product TRAIL-01  Trail Runner  (catalog/products/trail.yaml:2:1)
          price: $89.00 → $79.00
          + variants[TRAIL-01-9]
      - delete page /old-sale/
      ! blocked delete product KEEP-1: protect: true — this item is never deleted

    Left alone (lifecycle in stagingpro.yaml):
      product: create-only inventory_level (declared by 26; 1 differs live)
          LAMP-01 inventory_level: create-only, live 80, declared 85

    product   1 to update · 1 blocked · 40 unchanged
    Plan: 0 to create, 1 to update, 1 to delete, 1 blocked.
    Safety: ok

:func:`render_text` returns a Rich :class:`~rich.text.Text` (coloured when printed to a
terminal); :func:`plain_text` the same without styles. Every key, title, path and value
it prints goes through :func:`~reconciler.render.values.visible`: a name holding a
newline, a tab or a bidirectional override shows it as an escape (``Gift card\\n…``),
so no value can break the layout or pass for a line of the plan.
"""

from __future__ import annotations

from rich.text import Text

from reconciler.plan.model import Change, Plan
from reconciler.render.lifecycle import HEADING, lifecycle_summaries
from reconciler.render.values import (
    count_rows,
    describe_field,
    format_value,
    secret_lines,
    theme_sentence,
    totals,
    visible,
)
from reconciler.secrets import redact

SYMBOLS = {"create": ("+", "green"), "update": ("~", "yellow"), "delete": ("-", "red")}
MAX_FIELDS = 30
"""Field lines shown per change; the rest are counted."""


def _header(change: Change) -> Text:
    if change.blocked:
        symbol, style, verb = "!", "bold magenta", f"blocked {change.action}"
    else:
        symbol, style = SYMBOLS[change.action]
        verb = change.action
    line = Text("  ")
    line.append(f"{symbol} {verb} ", style=style)
    line.append(f"{visible(change.kind)} ", style="bold")
    line.append(visible(change.key), style="bold")
    if change.title:
        line.append(f"  {visible(change.title)}")
    if change.source:
        line.append(f"  ({visible(change.source)})", style="dim")
    if change.blocked:
        line.append(f": {visible(change.blocked)}", style="magenta")
    return line


def _create_lines(change: Change, plan: Plan) -> list[str]:
    lines = []
    for field in change.fields:
        name = visible(str(field.path[0])) if field.path else ""
        value = field.after
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{name}: {len(value)} entries")
        else:
            lines.append(f"{name}: {format_value(value, name, plan)}")
    return lines


def _change_lines(change: Change, plan: Plan) -> list[str]:
    if change.action == "delete":
        return []
    sentence = theme_sentence(change)
    lines = [sentence] if sentence else []
    if change.action == "create":
        lines += _create_lines(change, plan)
    else:
        lines += [describe_field(field, plan) for field in change.fields]
    if len(lines) > MAX_FIELDS:
        hidden = len(lines) - MAX_FIELDS
        lines = [*lines[:MAX_FIELDS], f"… and {hidden} more"]
    return lines + secret_lines(change)  # never cut: a reviewer must see every one


def render_text(plan: Plan) -> Text:
    """The plan for a terminal (module docstring)."""
    out = Text()
    out.append(f"Plan for {visible(plan.environment)}", style="bold")
    out.append(f" (store {visible(plan.store)})\n" if plan.store else "\n")
    if plan.selection:
        out.append(f"Selection: {visible(' '.join(plan.selection))}\n", style="dim")
    if plan.changes:
        out.append("\n")
    for change in plan.changes:
        out.append_text(_header(change))
        out.append("\n")
        style = SYMBOLS[change.action][1]
        for line in _change_lines(change, plan):
            marker_style = style if line[:2] in ("+ ", "- ") else ""
            out.append(f"      {redact(line)}\n", style=marker_style)
    out.append("\n")
    out.append_text(_left_alone(plan))
    width = max((len(kind) for kind, _, _ in count_rows(plan)), default=0)
    for kind, per, unchanged in count_rows(plan):
        parts = [f"{per[a]} to {a}" for a in ("create", "update", "delete") if per[a]]
        if per["blocked"]:
            parts.append(f"{per['blocked']} blocked")
        parts.append(f"{unchanged} unchanged")
        out.append(f"{visible(kind).ljust(width)}  {' · '.join(parts)}\n")
    total = totals(plan)
    if plan.changes:
        out.append(
            f"Plan: {total['create']} to create, {total['update']} to update,"
            f" {total['delete']} to delete, {total['blocked']} blocked.\n",
            style="bold",
        )
    else:
        items = sum(plan.unchanged.values())
        out.append(f"No changes: {items} items are up to date.\n", style="bold green")
    out.append_text(_safety(plan))
    return out


def _left_alone(plan: Plan) -> Text:
    summaries = lifecycle_summaries(plan)
    out = Text()
    if not summaries:
        return out
    out.append(f"{HEADING}\n", style="dim")
    for summary, details in summaries:
        out.append(f"  {redact(summary)}\n", style="dim")
        for line in details:
            out.append(f"      {redact(line)}\n", style="cyan")
    out.append("\n")
    return out


def _safety(plan: Plan) -> Text:
    safety = plan.safety
    if not safety.violations:
        line = Text("Safety: ok", style="green")
        if safety.forced_reason:
            line.append(f" (forced: {visible(safety.forced_reason)})", style="dim")
        return line + Text("\n")
    if safety.blocked:
        line = Text("Safety: BLOCKED\n", style="bold red")
        for violation in safety.violations:
            line.append(f"  {visible(violation)}\n", style="red")
        line.append("  Re-run with --force REASON to plan it anyway (the reason is recorded).\n")
        return line
    line = Text(f"Safety: forced ({visible(safety.forced_reason or '')})\n", style="bold yellow")
    for violation in safety.violations:
        line.append(f"  {visible(violation)}\n", style="yellow")
    return line


def plain_text(plan: Plan) -> str:
    """:func:`render_text` without colour."""
    return render_text(plan).plain
