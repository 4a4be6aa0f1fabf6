#!/usr/bin/env bash
# Installs what attnviz needs to build and test, from Debian's packages: the list is
# scripts/packages/debian-build.txt. Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/apt_install.sh" "$root/scripts/packages/debian-build.txt"
