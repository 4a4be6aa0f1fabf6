#!/usr/bin/env bash
# Makes what bench/notebook needs besides chromium and tests/web's node packages: .venv-nb, a venv that sees the
# test venv's packages (a .pth to .venv-test: torch, IPython, attnviz) with bertviz 1.4.1 added, without its
# dependencies (head_view and model_view import none that .venv-test lacks); and bench/web's npm packages
# (require.js, d3, jQuery: bertviz's output loads them from cdnjs, bench.mjs serves them locally). Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
test_site="$("$root/.venv-test/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
python3 -m venv "$root/.venv-nb"
nb_site="$("$root/.venv-nb/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$test_site" > "$nb_site/venv-test.pth"
"$root/.venv-nb/bin/pip" install -q --disable-pip-version-check --no-deps bertviz==1.4.1
(cd "$root/bench/web" && npm ci --no-audit --no-fund --loglevel=error)
echo "setup_bench_notebook.sh: .venv-nb has bertviz $("$root/.venv-nb/bin/python" -c 'import importlib.metadata as m; print(m.version("bertviz"))')"
