#!/usr/bin/env bash
# Installs the Debian packages named in LIST files (scripts/packages/debian-*.txt: one a line, '#' comments)
# that are not installed yet, with sudo unless run as root. The one place that calls apt-get. Safe to run again.
#   scripts/apt_install.sh LIST...
set -euo pipefail
missing=()
for list in "$@"; do
  while read -r p; do
    [ -n "$p" ] || continue
    # node and npm may come from elsewhere (a newer Node.js than Debian's); what counts is that they run.
    if [ "$p" = nodejs ] || [ "$p" = npm ]; then command -v "${p%js}" >/dev/null && continue; fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
