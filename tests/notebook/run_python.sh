#!/usr/bin/env bash
# Runs the test environment's Python (.venv-test, or $ATTNVIZ_PYTHON) with the attnviz package importable: the
# source tree's python/ first when it holds a built attnviz._core (an in-place build), else the package installed
# in that environment (pip install .). ATTNVIZ_BINARY: the attnviz binary attnviz.Model runs (ctest passes the
# build's). Usage: run_python.sh ARGS... (e.g. -m pytest tests/python/test_model.py)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${ATTNVIZ_PYTHON:-$root/.venv-test/bin/python}"
if compgen -G "$root/python/attnviz/_core*.so" >/dev/null; then
  export PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
fi
if ! "$python" -c 'import attnviz._core' 2>/dev/null; then
  echo "run_python.sh: $python cannot import attnviz (pip install . into it, or build attnviz._core in place)" >&2
  exit 1
fi
exec "$python" "$@"
