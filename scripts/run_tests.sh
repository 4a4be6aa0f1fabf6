#!/usr/bin/env bash
# Runs the whole test suite of a build made by scripts/setup.sh, with the test environment it set up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="${1:-$root/build}"
if [ -x "$root/.venv-test/bin/python" ]; then export ATTNVIZ_PYTHON="$root/.venv-test/bin/python"; fi
status=0
ctest --test-dir "$build" --output-on-failure -j 2 || status=$?
# The Python package's tests (tests/python), against the attnviz that scripts/setup.sh installed into .venv-test.
ATTNVIZ_CLI="$build/attnviz" ATTNVIZ_BINARY="$build/attnviz" "$root/.venv-test/bin/python" -m pytest -q -p no:cacheprovider "$root/tests/python" ||
  status=$?
exit "$status"
