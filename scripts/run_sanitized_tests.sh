#!/usr/bin/env bash
# Builds attnviz with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and runs the error-path
# tests under it: bad checkpoints (library and CLI), bad tokenizer files, bad batch lines, bad hub answers, and
# the CLI commands as a user runs them (batch writes its figures on several threads), bad attention files
# for attnviz render.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-asan"
targets=(attnviz_cli test_safetensors test_torchscript test_cli_errors test_cli_commands test_tokenizer_errors
  analysis_batch_file_test test_hub_download analysis_attention_file_test test_cli_render)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DATTNVIZ_SANITIZE=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
if [ -x "$root/.venv-test/bin/python" ]; then export ATTNVIZ_PYTHON="$root/.venv-test/bin/python"; fi
# libtorch is not built with the sanitizers and keeps process-lifetime allocations: leaks are not checked.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" --output-on-failure -j 2 -R '^(BadCheckpoint|Checkpoint|BrokenExport|TorchScriptErrors|CliError|CliUsage|Cli|TokenizeErrors|AnalysisBatch[A-Za-z]*|AnalysisReadBatchFile|HubDownload|AttentionFile|Render)\.'
