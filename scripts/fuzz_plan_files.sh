#!/bin/sh
# The long run of the random plan-file edits that the test suite samples
# (tests/hostile/test_plan_files.py::test_a_randomly_edited_plan_is_refused_cleanly_or_applied_exactly):
# every edit must be refused cleanly (exit 1, no write) or apply exactly the original plan.
# Usage, from the repository root: sh scripts/fuzz_plan_files.sh [EXAMPLES]  (default 1000)
set -eu
STAGINGPRO_PLAN_FUZZ_EXAMPLES="${1:-1000}" exec .venv/bin/pytest -p no:xdist -q \
  --hypothesis-show-statistics \
  "tests/hostile/test_plan_files.py::test_a_randomly_edited_plan_is_refused_cleanly_or_applied_exactly"
