#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need (system packages, the local
# engine and the default model, cached in ~/.cache/sdf), builds, and runs the Swift Testing suite,
# including the end-to-end tests on the real local model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-system.sh
swift build --build-tests
.build/debug/sdf engine install
swift test --skip-build --disable-xctest
