"""A circuit breaker: stop talking to a store that has stopped answering.

Retries (:mod:`reconciler.live.retry`) are right for a store that drops the odd request;
they are wrong for a store that is gone (a network partition, an outage): every request
then waits out its whole retry budget, one after the other, and an apply runs on for
minutes without writing anything. The breaker counts *attempts that got no answer at
all* (timeouts, dropped or refused connections; an HTTP error status is an answer). After
:attr:`CircuitBreaker.threshold` such attempts in a row, each within
:attr:`CircuitBreaker.window` seconds of the previous one, it opens, and stays open for
the life of the client: every later request fails at once with
:class:`~reconciler.errors.StoreUnreachableError`, so the apply can record what it knows
and stop.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.live.clock import Clock


@dataclass
class CircuitBreaker:
    """Opens after ``threshold`` unanswered attempts in a row (module docstring)."""

    clock: Clock
    threshold: int = 8
    window: float = 30.0
    """Seconds between two unanswered attempts for them to count as one streak."""
    streak: int = 0
    last_failure: float | None = None
    opened_at: float | None = None

    @property
    def open(self) -> bool:
        return self.opened_at is not None

    def record(self, answered: bool) -> None:
        """Count one attempt: ``answered`` when any HTTP answer came back."""
        if self.open:
            return
        now = self.clock.monotonic()
        if answered:
            self.streak, self.last_failure = 0, None
            return
        if self.last_failure is not None and now - self.last_failure > self.window:
            self.streak = 0
        self.streak += 1
        self.last_failure = now
        if self.streak >= self.threshold:
            self.opened_at = now
