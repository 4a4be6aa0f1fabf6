#!/usr/bin/env bash
# Sets up and builds attnviz from a fresh clone: Debian packages, the test environment, the HTML view's
# front end, then CMake. The binary is build/attnviz. Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install_deps.sh"
"$root/scripts/setup_test_env.sh"
"$root/scripts/build_web.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$root/build" -j "$(nproc)"
# The Python package (pyproject.toml: the torch-free stages and attnviz._core) into the test venv, for tests/python.
"$root/.venv-test/bin/pip" install -q --disable-pip-version-check "$root"
