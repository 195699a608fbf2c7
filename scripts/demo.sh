#!/usr/bin/env bash
# demo.sh — the README's demo: set-up, build, the tiny seeded-random models, then the Impact Pack's
# SEGSUpscaler example (a) — LoadImage -> Make Tile SEGS -> Upscaler (SEGS) -> SaveImage — on CPU.
# Output: demo-output/segs_upscaler_a_00001_.png (plus a run report, demo-output/report.json).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== build" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target comfyc_cli

echo "== tiny models (AOTInductor compile for CPU; a few minutes the first time, then reused)" >&2
PYTHONPATH=tools/comfyc-export python3 -m comfyc_export --tiny-random 1 --models build/models --what checkpoint,vae,upscale

echo "== run examples/segs_upscaler/a_tiled_upscale.json" >&2
mkdir -p demo-output
build/comfyc run examples/segs_upscaler/a_tiled_upscale.json \
  --models build/models --input-dir examples/segs_upscaler/input --output-dir demo-output \
  --report demo-output/report.json -v

echo "demo: wrote $(ls -t demo-output/*.png | head -1) — see examples/segs_upscaler/README.md to run your own checkpoint" >&2
