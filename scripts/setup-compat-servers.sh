#!/usr/bin/env bash
# Installs the second OpenAI-compatible servers the compatibility tests run against (README "Server
# compatibility"), each into its own virtual environment under DIR, and prints the environment variables the
# tests read:
#   SDF_LLAMA_CPP_PYTHON  python of a venv with PyPI's llama-cpp-python[server] (LlamaCppPythonEndToEndTests)
#   SDF_LITELLM           the `litellm` proxy executable of a venv with PyPI's litellm[proxy] (LiteLLMEndToEndTests)
# Usage: eval "$(scripts/setup-compat-servers.sh DIR)"
# llama-cpp-python has no binary wheel for Linux x86_64: pip builds llama.cpp from source (about 11 minutes on
# 2 cores); pip's own wheel cache (~/.cache/pip) makes every later install take seconds. Versions are pinned so a
# test run is reproducible; installation output goes to DIR/*.log, and a failure names the log and stops.
set -euo pipefail
dir="${1:?usage: setup-compat-servers.sh DIR}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
llama_cpp_python="llama-cpp-python[server]==0.3.36"
litellm="litellm[proxy]==1.100.0"  # later releases need litellm-proxy, which the package registry here lacks

install() { # install NAME REQUIREMENT
  local name="$1" requirement="$2" start
  start=$(date +%s)
  if ! { python3 -m venv "$dir/$name" && "$dir/$name/bin/python" -m pip install --disable-pip-version-check "$requirement"; } \
    >"$dir/$name.log" 2>&1; then
    echo "error: installing $requirement into $dir/$name failed; see $dir/$name.log:" >&2
    tail -n 20 "$dir/$name.log" >&2
    exit 1
  fi
  echo "installed $requirement into $dir/$name in $(( $(date +%s) - start )) s" >&2
}

install llama-cpp-python "$llama_cpp_python"
install litellm "$litellm"
echo "export SDF_LLAMA_CPP_PYTHON='$dir/llama-cpp-python/bin/python'"
echo "export SDF_LITELLM='$dir/litellm/bin/litellm'"
