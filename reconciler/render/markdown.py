"""The plan as a pull-request comment, for merchants as well as engineers.

Layout: a heading with the environment, one summary line in plain words ("3 products
change price · 1 new brand"), the safety verdict when it matters, a table of counts per
kind and action, then one collapsible ``<details>`` section per kind listing its changes
(product names beside SKUs, prices in the store's currency, ``before → after``). A plan
without changes is a single short line.

GitHub refuses comments over 65,536 characters: :func:`render_markdown` keeps within
``limit``; when the changes do not all fit, it stops listing rows, closes the open
section and summarises what it left out per kind (the JSON plan has everything).
"""

from __future__ import annotations

import html

from reconciler.plan.model import Change, Plan
from reconciler.render.lifecycle import HEADING, lifecycle_summaries
from reconciler.render.values import (
    KEY_LABELS,
    count_rows,
    describe_field,
    format_value,
    kind_title,
    plural,
    secret_lines,
    summary_phrases,
    theme_sentence,
    visible,
)
from reconciler.secrets import redact

GITHUB_LIMIT = 65_536
"""The most characters GitHub accepts in one comment."""
MAX_LINES_PER_CHANGE = 8
RESERVE = 1_500
"""Characters kept free for closing tags and the overflow note."""
SYMBOLS = {"create": "➕ create", "update": "✏️ update", "delete": "🗑️ delete"}


def _literal(text: str) -> str:
    """``text`` with HTML and backslashes escaped: Markdown would read ``\\/`` (a ``/`` in
    a category name, as paths write it) as a plain ``/``."""
    return html.escape(text, quote=False).replace("\\", "&#92;")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (no pipes, no raw HTML, no line breaks or
    other invisible characters: :func:`visible` escapes)."""
    return _literal(visible(text)).replace("|", "\\|")


def _code(text: str) -> str:
    return f"<code>{_literal(visible(text)).replace('|', '&#124;')}</code>"


def _details(change: Change, plan: Plan) -> str:
    if change.blocked:
        return _cell(f"not deleted: {change.blocked}")
    if change.action == "delete":
        return "removed from the store"
    lines: list[str] = []
    sentence = theme_sentence(change)
    if sentence:
        lines.append(sentence)
    if change.action == "create":
        desired = change.desired or {}
        shown = [name for name in ("price", "sale_price", "brand", "categories") if name in desired]
        lines.append("new" + "".join(
            f"; {name.replace('_', ' ')} {format_value(desired[name], name, plan, 60)}"
            for name in shown
        ))
    else:
        lines += [describe_field(field, plan) for field in change.fields]
    if len(lines) > MAX_LINES_PER_CHANGE:
        hidden = len(lines) - MAX_LINES_PER_CHANGE + 1
        lines = [*lines[: MAX_LINES_PER_CHANGE - 1], f"… and {hidden} more changes"]
    lines += secret_lines(change)  # never cut: a reviewer must see every one
    return "<br>".join(_cell(redact(line)) for line in lines)


def _row(change: Change, plan: Plan) -> str:
    action = "🔒 blocked delete" if change.blocked else SYMBOLS[change.action]
    title = _cell(change.title) if change.title else ""
    return f"| {action} | {_code(change.key)} | {title} | {_details(change, plan)} |\n"


def _summary_table(plan: Plan) -> str:
    lines = [
        "| Kind | Create | Update | Delete | Blocked | Unchanged |",
        "|:-----|-------:|-------:|-------:|--------:|----------:|",
    ]
    for kind, per, unchanged in count_rows(plan):
        cells = [str(per[a]) if per[a] else "·" for a in ("create", "update", "delete", "blocked")]
        lines.append(f"| {kind_title(kind)} | {' | '.join(cells)} | {unchanged} |")
    return "\n".join(lines) + "\n"


def _safety(plan: Plan) -> str:
    safety = plan.safety
    if not safety.violations:
        return ""
    items = "".join(f"> - {_cell(v)}\n" for v in safety.violations)
    if safety.blocked:
        return (
            "> [!CAUTION]\n> **Blocked by the safety thresholds** — this plan will not be"
            " applied as it is:\n" + items + "> Re-plan with `--force \"reason\"` if this"
            " is intended; the reason is recorded.\n\n"
        )
    return (
        f"> [!WARNING]\n> **Safety thresholds overridden**: {_cell(safety.forced_reason or '')}\n"
        + items + "\n"
    )


def render_markdown(plan: Plan, *, limit: int = GITHUB_LIMIT) -> str:
    """The PR comment for ``plan``, at most ``limit`` characters (module docstring)."""
    where = _code(plan.environment) + (f" (store {_code(plan.store)})" if plan.store else "")
    if not plan.changes:
        items = sum(plan.unchanged.values())
        return (
            f"### ✅ StagingPro plan for {where}: no changes\n\n{items} items are up to date.\n"
            + _left_alone(plan)
        )[:limit]
    phrases = summary_phrases(plan)
    head = [f"### StagingPro plan for {where}\n\n"]
    if phrases:
        head.append(f"**{_cell(' · '.join(phrases))}**\n\n")
    if plan.selection:
        head.append(f"Selection: {_code(' '.join(plan.selection))}\n\n")
    head.append(_safety(plan))
    head.append(_summary_table(plan) + "\n")
    out = "".join(head)
    budget = limit - RESERVE
    omitted: dict[str, int] = {}
    by_kind: dict[str, list[Change]] = {}
    for change in plan.changes:
        by_kind.setdefault(change.kind, []).append(change)
    for kind, changes in by_kind.items():
        if omitted:
            omitted[kind] = len(changes)
            continue
        label = KEY_LABELS.get(kind, "Key")
        title = {"product": "Product", "page": "Page"}.get(kind, "")
        section = (
            f"<details><summary><b>{kind_title(kind)}</b>: {_kind_counts(changes)}</summary>\n\n"
            f"| | {label} | {title} | Changes |\n|:--|:--|:--|:--|\n"
        )
        shown = 0
        for change in changes:
            row = _row(change, plan)
            if len(out) + len(section) + len(row) > budget:
                break
            section += row
            shown += 1
        if shown < len(changes):
            omitted[kind] = len(changes) - shown
        if shown:
            out += section + "\n</details>\n\n"
    left_alone = _left_alone(plan)
    if len(out) + len(left_alone) <= budget:
        out += left_alone
    if omitted:
        left = ", ".join(plural(kind, count) for kind, count in omitted.items())
        out += (
            f"**Not shown here, to stay within GitHub's comment size:** changes to {left}."
            " The complete plan is in the JSON plan (`stagingpro plan --format json`).\n"
        )
    return out[:limit]


def _left_alone(plan: Plan) -> str:
    """The fields the lifecycle rules left alone: a line per kind, and the values that
    differ live in a collapsible list."""
    summaries = lifecycle_summaries(plan)
    if not summaries:
        return ""

    def text(line: str) -> str:  # the * of list paths would start emphasis
        return _cell(redact(line)).replace("*", "\\*")

    out = f"\n**{_cell(HEADING)}**\n\n"
    for summary, details in summaries:
        out += f"- {text(summary)}\n"
        if details:
            out += "  <details><summary>values that differ live</summary>\n\n"
            out += "".join(f"  - {text(line)}\n" for line in details)
            out += "\n  </details>\n"
    return out


def _kind_counts(changes: list[Change]) -> str:
    parts = []
    for action in ("create", "update", "delete"):
        count = sum(1 for c in changes if c.action == action and not c.blocked)
        if count:
            parts.append(f"{count} to {action}")
    blocked = sum(1 for c in changes if c.blocked)
    if blocked:
        parts.append(f"{blocked} blocked")
    return ", ".join(parts)
