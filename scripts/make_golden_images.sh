#!/usr/bin/env bash
# Regenerates every golden image, all under tests/data/golden/:
#   render/  the render tests' (hand-made matrices in tests/render/fixtures.hpp),
#   cli/     the CLI's (whole commands on the committed test checkpoints),
#   web/     the HTML view's (screenshots of pages make_view writes from synthetic attentions, taken by
#            tests/web/browser_test.mjs in Debian's chromium; scripts/setup_browser_tests.sh installs it).
#
# Regenerating is a deliberate act, never a way to make a failing test pass: run it only after an
# intended change to how figures look, then LOOK at every changed PNG (git status lists them) and
# commit them with a message that says what changed and why. The goldens pin the renderer, not the numbers.
#
# Usage: scripts/make_golden_images.sh [build-folder]   (default: build-golden)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build-golden}"
command -v chromium >/dev/null || { echo "make_golden_images.sh: no chromium for the web goldens; run scripts/setup_browser_tests.sh" >&2; exit 1; }
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target test_render_golden test_cli_golden make_view
for test in render/test_render_golden cli/test_cli_golden; do
  ATTNVIZ_UPDATE_GOLDEN=1 "$build/tests/$test" >/dev/null || true  # writing them, a first run may differ
  "$build/tests/$test" >/dev/null  # they must now pass as they are
done
web=(node "$root/tests/web/browser_test.mjs" --make-view "$build/tests/web/make_view" --work "$build/tests/web/browser")
ATTNVIZ_UPDATE_GOLDEN=1 "${web[@]}" >/dev/null
"${web[@]}" >/dev/null
git -C "$root" status --short -- tests/data/golden
