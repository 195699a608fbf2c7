#!/usr/bin/env bash
# setup.sh — install what comfyc needs on a fresh Debian machine (system packages + Python test deps).
# Idempotent: skips what is already there. Used by scripts/test.sh and scripts/demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

need_apt=0
for pc in libcjson stb libwebp zlib; do pkg-config --exists "$pc" 2>/dev/null || need_apt=1; done
for cmd in cmake clang pkg-config; do command -v "$cmd" >/dev/null 2>&1 || need_apt=1; done
[ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] || \
  ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || need_apt=1
if [ "$need_apt" = 1 ]; then
  echo "setup: installing system packages (cJSON, stb, libwebp, zlib, cmake, clang + libFuzzer runtime)" >&2
  $SUDO apt-get update -qq
  $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    build-essential cmake pkg-config libcjson-dev libstb-dev libwebp-dev zlib1g-dev clang libclang-rt-14-dev >/dev/null
fi

PY=${PYTHON:-python3}
# pip installs only what is missing; torch is pinned to the CPU build that lies on this kind of machine.
echo "setup: Python dependencies (requirements-test.txt)" >&2
$PY -m pip install -q -r requirements-test.txt
# open_clip_torch ships the CLIP BPE vocabulary the exporter packs into model packages; a normal
# install would pull another torch and torchvision, so it goes in without its dependencies.
$PY -m pip show -q open_clip_torch >/dev/null 2>&1 || $PY -m pip install -q --no-deps open_clip_torch==3.3.0
