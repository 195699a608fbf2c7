#!/usr/bin/env bash
# test.sh — the project's test command: set-up, build (normal + ASan/UBSan), C tests, fuzzers, Python oracle tests.
# Usage: scripts/test.sh        (CFY_FUZZ_SECONDS=N to change the fuzz time per target, default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-$(nproc)}

scripts/setup.sh

echo "== build (release, CUDA kernels compiled when nvcc is found)" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$JOBS"

echo "== build (AddressSanitizer + UBSan, libFuzzer targets, clang)" >&2
CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCFY_SANITIZE=ON -DCFY_FUZZ=ON -DCFY_WITH_CUDA=OFF >/dev/null
cmake --build build-asan -j"$JOBS"

echo "== tiny seeded-random model packages (AOTInductor, CPU; reused when up to date)" >&2
PYTHONPATH=tools/comfyc-export python3 -m comfyc_export --tiny-random 1 --models build/models
export CFY_MODELS_DIR="$ROOT/build/models"

echo "== C tests (release)" >&2
ctest --test-dir build --output-on-failure -j"$JOBS"

echo "== C tests (ASan + UBSan)" >&2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$JOBS"

echo "== fuzzers (bounded)" >&2
for f in build-asan/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus="tests/fuzz/corpus/${name#fuzz_}"
  mkdir -p "build-asan/corpus-$name"
  "$f" -max_total_time="${CFY_FUZZ_SECONDS:-20}" -rss_limit_mb=2048 -timeout=10 \
     "build-asan/corpus-$name" $( [ -d "$corpus" ] && echo "$corpus" ) 2>"build-asan/$name.log" \
     || { tail -40 "build-asan/$name.log"; echo "fuzzer $name found a crash" >&2; exit 1; }
  echo "  $name: $(grep -o 'stat::number_executed_units: [0-9]*' "build-asan/$name.log" || tail -1 "build-asan/$name.log")" >&2
done

echo "== Python oracle tests" >&2
CFY_BUILD_DIR="$ROOT/build" python3 -m pytest -q tests
