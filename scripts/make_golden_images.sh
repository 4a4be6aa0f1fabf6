#!/usr/bin/env bash
# Regenerates the golden images: the render tests' (tests/data/render/*.png, hand-made matrices) and the
# CLI's (tests/data/cli_golden/*.png, whole commands on the committed test checkpoints).
#
# Regenerating is a deliberate act, never a way to make a failing test pass: run it only after an
# intended change to how figures look, then LOOK at every changed PNG (git status lists them) and
# commit them with a message that says what changed and why. The goldens pin the renderer; the
# inputs are hand-made matrices in tests/render/fixtures.hpp, not model output.
#
# Usage: scripts/make_golden_images.sh [build-folder]   (default: build-golden)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build-golden}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target render_golden_test test_cli_golden
for test in render/render_golden_test cli/test_cli_golden; do
  ATTNVIZ_UPDATE_GOLDEN=1 "$build/tests/$test" >/dev/null || true  # writing them, a first run may differ
  "$build/tests/$test" >/dev/null  # they must now pass as they are
done
git -C "$root" status --short -- tests/data/render tests/data/cli_golden
