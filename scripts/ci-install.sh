#!/bin/sh
# Install StagingPro for a workflow job from a checkout of *trusted* code (the default
# branch, never a pull request's head): its pinned, hash-checked dependencies first, then
# the package itself without resolving anything else. Usage: ci-install.sh [CHECKOUT]
set -eu
checkout=${1:-.}
python -m pip install --quiet --disable-pip-version-check --require-hashes \
  -r "$checkout/requirements/lock.txt"
python -m pip install --quiet --disable-pip-version-check --no-deps "$checkout"
