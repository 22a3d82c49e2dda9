#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need (system packages; the local engine and the
# default model, freshly, into an empty SDF_HOME under a temporary folder, so every run proves the install),
# builds, and runs the Swift Testing suite, including the end-to-end tests on the real local model and on the
# real second servers (llama-cpp-python, a LiteLLM proxy; scripts/setup-compat-servers.sh).
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
# The real second servers of the compatibility matrix (llama-cpp-python's server, a LiteLLM proxy), freshly into
# the same scratch folder; their end-to-end tests fail in CI without them.
eval "$(scripts/setup-compat-servers.sh "$scratch/compat")"
swift test --skip-build --disable-xctest
