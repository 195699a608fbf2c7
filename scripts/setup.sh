#!/usr/bin/env bash
# setup.sh — install what comfyc needs on a fresh Debian machine (system packages + Python test deps).
# Idempotent: skips what is already there. Used by scripts/test.sh and scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

need_apt=0
for pc in libcjson stb zlib; do pkg-config --exists "$pc" 2>/dev/null || need_apt=1; done
for cmd in cmake clang pkg-config; do command -v "$cmd" >/dev/null 2>&1 || need_apt=1; done
[ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] || \
  ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || need_apt=1
if [ "$need_apt" = 1 ]; then
  echo "setup: installing system packages (cJSON, stb, zlib, cmake, clang + libFuzzer runtime)" >&2
  $SUDO apt-get update -qq
  $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    build-essential cmake pkg-config libcjson-dev libstb-dev zlib1g-dev clang libclang-rt-14-dev >/dev/null
fi

PY=${PYTHON:-python3}
if ! $PY -c "import torch, numpy, PIL, pytest" >/dev/null 2>&1 || [ "${CFY_SETUP_FORCE_PIP:-0}" = 1 ]; then
  echo "setup: installing Python test dependencies (requirements-test.txt)" >&2
  $PY -m pip install -q -r requirements-test.txt
else
  # cheap check that every pinned requirement is present; installs only what is missing
  $PY -m pip install -q -r requirements-test.txt >/dev/null 2>&1 || $PY -m pip install -q -r requirements-test.txt
fi
