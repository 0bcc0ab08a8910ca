"""The embedded local store: a BigCommerce-compatible server built into StagingPro.

It is BigCommerce's side of the wire and shares no code with the reconciler's kinds,
client or planner: its truth is BigCommerce's OpenAPI descriptions, so a misreading of the
API cannot hide on both sides at once.

* :mod:`~reconciler.sandbox.storage` — stores and documents, in memory, written through to SQLite
* :mod:`~reconciler.sandbox.app` — the ASGI app: store resolution, auth, dispatch, commit, log
* :mod:`~reconciler.sandbox.resources` — one module per BigCommerce resource family
* :mod:`~reconciler.sandbox.admin` — the sandbox's own ``/_sandbox/`` admin API
* :mod:`~reconciler.sandbox.transport` — in-process use through an httpx transport
* :mod:`~reconciler.sandbox.limits` — rate-limit windows, concurrency caps, the injectable clock
* :mod:`~reconciler.sandbox.faults` — seeded latency, 5xx, timeouts and dropped connections
* :mod:`~reconciler.sandbox.settings` — per-store plan quota, faults and scripted failures
* :mod:`~reconciler.sandbox.seed` — a deterministic catalogue written through the API
* :mod:`~reconciler.sandbox.server` — ``stagingpro sandbox serve`` on uvicorn
"""
