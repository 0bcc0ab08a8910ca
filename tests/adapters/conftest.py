"""Fixtures for adapter tests: a sandbox store in-process, a live context, the example store.

Adapters are exercised exactly as apply uses them: a :class:`LiveClient` on the sandbox's
in-process transport, a :class:`LiveContext` with fresh :class:`IdMaps`, changes built from
the example store's declared items; requests are counted from the sandbox's request log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from reconciler.adapters.base import IdMaps, ItemResult, LiveContext, LiveItem
from reconciler.adapters.brand import adapter as brands
from reconciler.adapters.category import adapter as categories
from reconciler.config import effective_environment, parse_config
from reconciler.kinds.base import ItemModel, Kind
from reconciler.plan.canonical import canonical_declared, canonical_live, file_digest, rules_of
from reconciler.plan.differ import diff
from reconciler.plan.model import ABSENT, Change, FieldChange
from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.storage import SandboxDB
from reconciler.state import DeclaredItem, DeclaredState, load_state
from tests.live.conftest import Sandbox, VirtualClock

STATE_ROOT = Path(__file__).resolve().parents[2] / "store-state"
STORE = "teststore"
CONFIG = parse_config(
    {
        "version": 1,
        "secrets": ["RIDGELINE_HOOK_SECRET", "RIDGELINE_STAGING_HOOK_SECRET", "ERP_HOOK_TOKEN",
                    "OTHER_HOOK_SECRET", "CHAT_WIDGET_KEY"],
        "environments": {
            "staging": {"backend": {"sandbox": STORE}},
            "readonly": {"backend": {"sandbox": STORE, "token_env": "SP_READONLY_TOKEN"}},
        },
    }
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def declared() -> DeclaredState:
    """The example store (Ridgeline Outfitters) as declared for staging."""
    return load_state(STATE_ROOT, "staging")


class Harness:
    """One sandbox store and the means to talk to it as an adapter does."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    @asynccontextmanager
    async def context(
        self, environment: str = "staging", ids: IdMaps | None = None
    ) -> AsyncIterator[LiveContext]:
        env = effective_environment(CONFIG, environment)
        client = self.sandbox.client(STORE, environment=environment,
                                     token_env=env.backend.token_env)
        async with client:
            yield LiveContext(client, ids or IdMaps(), env, state_root=STATE_ROOT)

    async def mark(self) -> int:
        """The request log's cursor now: count requests made after it with :meth:`since`."""
        response = await self.sandbox.admin("GET", f"/stores/{STORE}/requests")
        response.raise_for_status()
        cursor: int = response.json()["meta"]["cursor"]
        return cursor

    async def since(self, cursor: int, *, query: bool = False) -> list[tuple[str, str]]:
        """``(method, path)`` of every request answered after ``cursor`` (the path with its
        query string when ``query``)."""
        response = await self.sandbox.admin("GET", f"/stores/{STORE}/requests?since={cursor}")
        response.raise_for_status()
        entries = response.json()["data"]
        return [(e["method"], e["path"] if query else e["path"].partition("?")[0])
                for e in entries]

    async def fail(self, spec: dict[str, Any]) -> None:
        await self.sandbox.script_failure(spec, STORE)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    clock = VirtualClock()
    app = SandboxApp(SandboxDB(tmp_path / "sandbox.db"), clock=clock)
    yield Harness(Sandbox(app, clock))
    app.db.close()


# --- changes as the planner makes them ------------------------------------------------------
def desired(model: ItemModel) -> dict[str, Any]:
    """The declared values of an item as JSON (what ``Change.desired`` holds)."""
    values: dict[str, Any] = model.model_dump(mode="json", exclude_unset=True)
    values.pop("protect", None)
    return values


def create(item: DeclaredItem, *, canonical: bool = False) -> Change:
    """A create of ``item``; ``canonical``: with ``desired`` in the canonical form
    (:func:`declared_json`: image files resolved and hashed), else the plain dump of the
    declared values. (Plans carry the declared values with files resolved; the end-to-end
    apply tests and the corpus write those.)"""
    values = declared_json(item) if canonical else desired(item.model)
    return Change(
        item.kind.name, item.key, "create", title=item.key,
        fields=tuple(FieldChange((name,), ABSENT, value) for name, value in values.items()),
        desired=values, source=f"{item.source.file}:1",
    )


def update(
    kind: str,
    key: str,
    values: Mapping[str, Any],
    live: LiveItem,
    changed: Sequence[tuple[Any, ...]],
    removed: Sequence[tuple[Any, ...]] = (),
) -> Change:
    """An update of the ``changed`` paths and removal of the ``removed`` keyed entries."""
    fields = tuple(FieldChange(path, "before", "after") for path in changed) + tuple(
        FieldChange(path, "before", ABSENT) for path in removed
    )
    return Change(kind, key, "update", fields=fields, desired=dict(values),
                  live_ids=dict(live.ids))


def delete(kind: str, live: LiveItem) -> Change:
    return Change(kind, live.key, "delete", live_ids=dict(live.ids))


def all_applied(results: Sequence[ItemResult]) -> None:
    problems = [f"{r.key}: {r.message}" for r in results if r.outcome != "applied"]
    assert not problems, problems


# --- comparing declared with live ----------------------------------------------------------
def declared_json(item: DeclaredItem) -> dict[str, Any]:
    """The canonical form the planner compares a declared item as (image files relative
    to the state root with their sha256 beside them)."""
    data = item.model.model_dump(mode="json", exclude_unset=True)
    return canonical_declared(
        item.kind, data, declared_in=lambda path: item.declared_at(path).file,
        digest=file_digest(STATE_ROOT),
    )


def differences(item: DeclaredItem, live: LiveItem) -> list[FieldChange]:
    """What a plan would change to make ``live`` as ``item`` declares (empty: nothing)."""
    changes: list[FieldChange] = diff(
        declared_json(item), canonical_live(item.kind, live.data), rules_of(item.kind)
    )
    return [c for c in changes if c.path[:1] != ("protect",)]


async def seed_references(ctx: LiveContext, declared: DeclaredState) -> None:
    """The example store's brands and categories, written (what products refer to)."""
    all_applied(await brands.write(ctx, [create(i) for i in declared.items["brand"].values()]))
    all_applied(await categories.write(
        ctx, [create(i) for i in declared.items["category"].values()]))


def planned_update(kind: Kind[Any], desired: Mapping[str, Any], live: LiveItem) -> Change:
    """The update the planner would make to bring ``live`` to ``desired`` (canonical)."""
    fields = diff(dict(desired), canonical_live(kind, live.data), rules_of(kind))
    return Change(kind.name, live.key, "update", fields=tuple(fields), desired=dict(desired),
                  live_ids=dict(live.ids))
