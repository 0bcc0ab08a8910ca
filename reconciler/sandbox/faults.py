"""Deterministic fault injection: which requests of a store are delayed, fail, stall or drop.

A :class:`FaultInjector` draws exactly two numbers per request from ``random.Random(seed)``
(the jitter, then the outcome), so the same sequence of requests to a store with the same
settings and seed meets the same faults, whatever the rates are. See
:class:`~reconciler.sandbox.settings.FaultSettings` for what each outcome means.

In process there is no socket to stall or close, so the app marks the response with
:data:`FAULT_HEADER` and the in-process transport raises the exception a real client would
meet (:func:`raise_for_fault`). The app does this only for requests that carry
:data:`IN_PROCESS_HEADER`, which only the in-process transports send.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

import httpx

from reconciler.sandbox.settings import FaultSettings

IN_PROCESS_HEADER = "x-stagingpro-sandbox-in-process"
"""Sent by in-process transports: answer faults with :data:`FAULT_HEADER` instead of stalling."""
FAULT_HEADER = "x-stagingpro-sandbox-fault"
"""On an in-process answer: ``timeout`` or ``drop``, to be raised as the httpx exception."""


class Outcome(enum.Enum):
    SERVE = "serve"
    ERROR = "error"
    TIMEOUT = "timeout"
    DROP = "drop"


@dataclass(frozen=True)
class Fault:
    """What happens to one request: wait ``delay_s``, then ``outcome``."""

    delay_s: float
    outcome: Outcome


class FaultInjector:
    """Draws the fault of each request of one store (see the module docstring)."""

    def __init__(self, settings: FaultSettings, seed: int) -> None:
        self.settings = settings
        self._random = random.Random(seed)

    @property
    def active(self) -> bool:
        s = self.settings
        return bool(s.latency_ms or s.jitter_ms or s.error_rate or s.timeout_rate or s.drop_rate)

    def draw(self) -> Fault:
        s = self.settings
        jitter, roll = self._random.random(), self._random.random()
        delay = (s.latency_ms + jitter * s.jitter_ms) / 1000
        if roll < s.timeout_rate:
            outcome = Outcome.TIMEOUT
        elif roll < s.timeout_rate + s.drop_rate:
            outcome = Outcome.DROP
        elif roll < s.timeout_rate + s.drop_rate + s.error_rate:
            outcome = Outcome.ERROR
        else:
            outcome = Outcome.SERVE
        return Fault(delay, outcome)


def raise_for_fault(response: httpx.Response, request: httpx.Request) -> None:
    """Raise what a real client would meet when ``response`` is a marked in-process fault."""
    fault = response.headers.get(FAULT_HEADER)
    if fault == Outcome.TIMEOUT.value:
        raise httpx.ReadTimeout(
            "sandbox: the store did not answer in time (injected timeout)", request=request
        )
    if fault == Outcome.DROP.value:
        raise httpx.RemoteProtocolError(
            "sandbox: server disconnected without sending a response (injected drop)",
            request=request,
        )
