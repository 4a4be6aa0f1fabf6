#!/usr/bin/env bash
# Installs what attnviz needs to build and test, from Debian's packages. Safe to run again.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev nlohmann-json3-dev libcli11-dev libstb-dev libsentencepiece-dev libutf8proc-dev
  libgtest-dev libgmock-dev libbenchmark-dev fonts-dejavu-core libcurl4-openssl-dev libssl-dev zlib1g-dev
  libopenblas0-openmp  # the BLAS libtorch-dev calls; without it Debian falls back to the ~100x slower reference BLAS
  python3 python3-venv python3-pip nodejs npm
  clang-14 libclang-rt-14-dev  # the libFuzzer harnesses (scripts/run_fuzzers.sh)
  clang-format-14
)
missing=()
for p in "${packages[@]}"; do
  # node and npm may come from elsewhere (a newer Node.js than Debian's); what counts is that they run.
  if [ "$p" = nodejs ] || [ "$p" = npm ]; then command -v "${p%js}" >/dev/null && continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
