#!/bin/sh
# The main job on the embedded local store: validate the example store-state, plan the
# staging environment (saving the plan), apply exactly that plan, and plan again to show
# that nothing is left to change. Run by `make demo` and by tests/cli/test_demo.py, from
# the repository root; STAGINGPRO names the command (default .venv/bin/stagingpro).
set -eu
STAGINGPRO=${STAGINGPRO:-.venv/bin/stagingpro}
DIR=.stagingpro
DB=$DIR/demo.db
# The webhooks send headers whose values come from environment variables; demo values.
export RIDGELINE_STAGING_HOOK_SECRET="${RIDGELINE_STAGING_HOOK_SECRET:-demo-secret}"
export ERP_HOOK_TOKEN="${ERP_HOOK_TOKEN:-demo-token}"

mkdir -p "$DIR"
rm -f "$DB" "$DB-wal" "$DB-shm"    # a fresh local store every time
step() { printf '\n==> %s\n' "$*"; }

step "stagingpro validate"
"$STAGINGPRO" validate --state store-state

step "stagingpro plan staging --out $DIR/demo-plan.json"
"$STAGINGPRO" plan staging --state store-state --sandbox-db "$DB" \
  --out "$DIR/demo-plan.json" > "$DIR/demo-plan.txt"
head -n 16 "$DIR/demo-plan.txt"
echo "  … (the whole plan: $(wc -l < "$DIR/demo-plan.txt") lines in $DIR/demo-plan.txt)"
tail -n 13 "$DIR/demo-plan.txt"

step "stagingpro apply staging --plan $DIR/demo-plan.json"
"$STAGINGPRO" apply staging --plan "$DIR/demo-plan.json" --state store-state --sandbox-db "$DB"

step "stagingpro plan staging --detailed-exitcode   (exit 0: nothing left to change)"
"$STAGINGPRO" plan staging --detailed-exitcode --state store-state --sandbox-db "$DB"
