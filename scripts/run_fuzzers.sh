#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz with clang + ASan + UBSan (build-fuzz/) and runs each for SECONDS
# (default 20: what scripts/run_sanitized_tests.sh gives each in CI; pass e.g. 3600 for a long run). Each starts
# from its seeds: tests/fuzz/corpus/<harness>/ (hand-made seeds and the inputs of past findings, kept as
# regression tests) and the matching files of tests/data, listed below. A finding stops its harness with the
# failing input written to build-fuzz/findings/ and the script fails; add the input to
# tests/fuzz/corpus/<harness>/ once it is fixed.
#   scripts/run_fuzzers.sh [SECONDS [HARNESS...]]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
seconds="${1:-20}"
shift || true
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  harnesses=(fuzz_safetensors fuzz_tokenizer_json fuzz_vocab_files fuzz_batch_file fuzz_tokenize_text
    fuzz_attention_file fuzz_config_json fuzz_torchscript_manifest fuzz_gguf)
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14 -DATTNVIZ_BUILD_FUZZERS=ON -DATTNVIZ_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${harnesses[@]}"

data="$root/tests/data"
# The seeds each harness takes from tests/data, as data.
seed_files() {
  case "$1" in
    fuzz_safetensors) ls "$data"/models/*-tiny/model.safetensors ;;
    fuzz_tokenizer_json) ls "$data"/models/*-tiny/tokenizer.json "$data"/tokenize/hf_made/*/tokenizer.json ;;
    fuzz_batch_file) ls "$root"/examples/winograd_pairs.tsv "$root"/examples/winograd_pairs.jsonl \
      "$data"/analysis/pairs_bad_lines.tsv ;;
    fuzz_torchscript_manifest) ls "$data"/torchscript/*/attnviz_manifest.json ;;
    fuzz_gguf) ls "$data"/gguf/*.gguf ;;
  esac
}

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$build/findings"
for harness in "${harnesses[@]}"; do
  corpus="$build/corpus/$harness"
  mkdir -p "$corpus"
  if [ -d "$root/tests/fuzz/corpus/$harness" ]; then cp "$root/tests/fuzz/corpus/$harness"/* "$corpus"/; fi
  for f in $(seed_files "$harness"); do cp "$f" "$corpus/$(echo "${f#"$root"/}" | tr / _)"; done
  if [ "$harness" = fuzz_vocab_files ]; then  # first byte: even vocab.txt, odd vocab.json NUL merges.txt
    { printf '\0'; cat "$data/models/bert-tiny/vocab.txt"; } >"$corpus/vocab_txt"
    { printf '\1'; cat "$data/models/gpt2-tiny/vocab.json"; printf '\0'; cat "$data/models/gpt2-tiny/merges.txt"; } \
      >"$corpus/vocab_json_merges"
  fi
  if [ "$harness" = fuzz_config_json ]; then  # first byte: even bert-tiny's weights, odd gpt2-tiny's
    for config in "$data"/models/*/config.json "$data"/models/families/*/config.json; do
      name=$(echo "${config#"$data"/models/}" | tr / _)
      { printf '\0'; cat "$config"; } >"$corpus/bert_$name"
      { printf '\1'; cat "$config"; } >"$corpus/gpt2_$name"
    done
  fi
  if [ "$harness" = fuzz_attention_file ]; then  # first byte: format (.npy .npz .safetensors) and check
    for array in "$data"/render_files/*.np[yz] "$data"/render_files/*.safetensors; do
      case "$array" in *.npy) format='\0' ;; *.npz) format='\1' ;; *) format='\2' ;; esac
      tokens="${array%.*}.json"
      [ -f "$tokens" ] || tokens="$data/render_files/tokens.json"
      { printf "$format"; cat "$tokens"; printf '\0'; cat "$array"; } >"$corpus/$(basename "$array")"
    done
  fi
  # Files are fuzzed up to 64 KB, texts up to 4 KB: libFuzzer's time goes where inputs differ, and a longer
  # text only repeats the paths a paragraph takes (the size limits have their own unit tests).
  max_len=65536
  if [ "$harness" = fuzz_tokenize_text ]; then  # one seed per text of the corpus, a pair split at NUL
    max_len=4096
    python3 - "$data/tokenize/corpus.jsonl" "$corpus" <<'EOF'
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    entry = json.loads(line)
    text = entry["a"] + ("\0" + entry["b"] if "b" in entry else "")
    open(f"{sys.argv[2]}/corpus_{n}", "wb").write(text.encode("utf-8", "surrogatepass"))
EOF
  fi
  echo "== $harness: $seconds s"
  # -rss_limit_mb: a harness that allocates for a huge declared size is a finding, not a slow run.
  status=0
  "$build/tests/fuzz/$harness" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$max_len" -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$build/findings/$harness-" "$corpus" >"$build/$harness.log" 2>&1 ||
    status=$?
  grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' "$build/$harness.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$build/$harness.log" >&2
    echo "run_fuzzers: $harness found a failing input: see $build/findings/ and $build/$harness.log" >&2
    exit 1
  fi
done
