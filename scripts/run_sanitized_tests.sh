#!/usr/bin/env bash
# Builds attnviz with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and runs the error-path
# tests under it: every test registered with `LABELS sanitize` in tests/*/CMakeLists.txt (bad checkpoints,
# bad tokenizer files, bad batch lines, bad hub answers, the CLI commands as a user runs them). The CMake
# target attnviz_sanitize_tests builds exactly those programs. Then each libFuzzer harness of tests/fuzz runs
# for 20 seconds (scripts/run_fuzzers.sh, clang).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-asan"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DATTNVIZ_SANITIZE=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target attnviz_cli attnviz_sanitize_tests
if [ -x "$root/.venv-test/bin/python" ]; then export ATTNVIZ_PYTHON="$root/.venv-test/bin/python"; fi
# libtorch is not built with the sanitizers and keeps process-lifetime allocations: leaks are not checked.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Not the ALBERT export's SentencePiece tokenizer: its library is loaded with RTLD_DEEPBIND to keep its
# protobuf apart from libtorch's, which AddressSanitizer does not allow (a protobuf version clash follows).
ctest --test-dir "$build" --output-on-failure -j 2 -L sanitize -E 'Albert|/albert'
"$root/scripts/run_fuzzers.sh" 20
