"""Renderers of a :class:`~reconciler.plan.model.Plan`, separate from the value itself.

* :func:`render_text` / :func:`plain_text` — the terminal, Terraform-like (:mod:`.text`)
* :func:`render_markdown` — the pull-request comment, size-capped (:mod:`.markdown`)
* :func:`render_json` — the versioned JSON document (:mod:`.json`)

Every output passes through :func:`reconciler.secrets.redact`.
"""

from reconciler.render.json import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import plain_text, render_text

__all__ = ["plain_text", "render_json", "render_markdown", "render_text"]
