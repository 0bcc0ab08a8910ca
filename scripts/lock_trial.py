"""The lock trial in full: a partition of the remote mid-apply, then a takeover.

    .venv/bin/python scripts/lock_trial.py --rounds 10 --seed 1

Each round, apply A (runner A) writes to an empty sandbox store at 250-400 ms latency
(slow enough that, unfenced, it would still be writing when B takes over);
at a random moment its remote (a bare origin) is moved away for a random 0.5-1.5 lease
lengths, so A cannot renew its lease; then apply B (another clone) waits for the lock,
takes it over once A's lease expired, and applies. Every write request of A and B is
logged with its start and end: the trial fails when any two overlap. Prints the
figures; exit 1 on any overlap or problem. The suite runs one round
(tests/apply/test_lock.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.apply.trials import lock_trial, trial_project, with_origin


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ttl", type=float, default=4.0, help="lease length, seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lock-trial-") as directory:
        project = trial_project(Path(directory) / "project")
        origin, clone = with_origin(project)
        started = time.monotonic()
        report = lock_trial(project, origin, clone, args.rounds, args.seed, args.ttl)
        print(report.summary())
        print(f"{time.monotonic() - started:.0f}s in all")
        for problem in [*report.overlaps, *report.problems]:
            print(f"PROBLEM: {problem}")
    return 1 if report.overlaps or report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
