"""The SIGKILL trial in full: applies killed at random moments, then re-run.

    .venv/bin/python scripts/kill_trial.py --kills 30 --seed 1

Each round starts from an empty sandbox store at a random 20-100 ms latency; up to
``--per-round`` `stagingpro apply` children are SIGKILLed at random moments of their
writes (each resuming its killed predecessor's work), then a last re-run must finish
without --force (exit 0), converge (plan: no changes), leave no duplicate and every item
it created marked as StagingPro's (the environment prunes in mode 'owned' and has the
default safety thresholds). Prints the figures; exit 1 when any round went wrong. The
suite runs a sample (tests/apply/test_faults.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.apply.trials import kill_trial, trial_project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--per-round", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kill-trial-") as directory:
        project = trial_project(Path(directory) / "project")
        started = time.monotonic()
        report = kill_trial(project, args.kills, args.seed, args.per_round)
        print(report.summary())
        print(f"{time.monotonic() - started:.0f}s in all")
        for problem in report.problems:
            print(f"PROBLEM: {problem}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
