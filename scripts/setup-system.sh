#!/usr/bin/env bash
# Installs the Debian packages SDF needs to build and to build its local engine (idempotent).
# Needs root (or sudo). The Swift toolchain (6.2 or newer) must already be on PATH.
set -euo pipefail
# chromium: the viewer's headless-browser tests (SDFServeTests); they are skipped without it unless CI is set.
packages=(libsqlite3-dev python3 python3-venv python3-pip g++ make ca-certificates chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing: ${missing[*]}" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
command -v swift >/dev/null || { echo "error: swift is not on PATH; install Swift 6.2 or newer from swift.org" >&2; exit 1; }
