#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need (system packages; the local engine and the
# default model, freshly, into an empty SDF_HOME under a temporary folder, so every run proves the install),
# builds, and runs the Swift Testing suite, including the end-to-end tests on the real local model.
# pip's own wheel cache (~/.cache/pip) keeps llama.cpp from being compiled again after the first run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
scripts/setup-system.sh
swift build --build-tests
scratch="$(mktemp -d "${TMPDIR:-/tmp}/sdf-test.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
export SDF_HOME="$scratch/sdf-home"
unset SDF_LLAMA_SERVER
# Install from a folder with nothing in it (no python3 link to pick up by accident).
mkdir -p "$scratch/cwd"
start=$(date +%s)
(cd "$scratch/cwd" && "$repo/.build/debug/sdf" engine install)
echo "engine installed into an empty SDF_HOME in $(( $(date +%s) - start )) s" >&2
swift test --skip-build --disable-xctest
