#!/usr/bin/env bash
# The main job on a fresh machine: install what is needed, build sdf, install the local engine
# (llama.cpp + SmolLM2-135M, cached in ~/.cache/sdf), write the quickstart experiment and run it.
#   scripts/quickstart.sh [DIR]     (default DIR: ./sdf-quickstart)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-sdf-quickstart}"
scripts/setup-system.sh
swift build -c release --product sdf
sdf=".build/release/sdf"
"$sdf" engine install
[ -f "$dir/quickstart.yaml" ] || "$sdf" init "$dir"
store=$("$sdf" run "$dir/quickstart.yaml")
"$sdf" show "$store"
echo "store: $store   (read a thread: $sdf show $store <id>)" >&2
