#!/usr/bin/env bash
# run_on_device.sh — the GPU checks of issue 5, for the device tool (one call per mode):
#   bash bench/gpu/run_on_device.sh tiny   build with CUDA, run ctest (CUDA kernel tests run when a
#                                          GPU is present), export the tiny models for cuda and cpu
#                                          with the machine's own torch, run the SEGSUpscaler example
#                                          suite on both devices against the goldens, time the tiny
#                                          packages (load, per step) with bench_models
#   bash bench/gpu/run_on_device.sh full   export a full-size SD1.5-architecture checkpoint with
#                                          random weights in fp16 for cuda; time load, UNet CFG step
#                                          at 64x64 and 128x128 latents, text encoder, VAE decoder
# Needs .gpu-carry/ from bench/gpu/prepare.sh (carry it). Logs go to $OUT (or build-gpu/out).
# GPU_DEVICE=cpu runs the same steps on the CPU (a dry run of the script on any machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
MODE=${1:-tiny}
DEV=${GPU_DEVICE:-cuda}
OUTD=${OUT:-$ROOT/build-gpu/out}
mkdir -p "$OUTD"
exec > >(tee -a "$OUTD/run_$MODE.log") 2>&1
echo "== $(date -u +%FT%TZ) mode $MODE device $DEV"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'

# ---- dependencies carried as .debs, unpacked into a private prefix
P=$ROOT/.gpu-carry/prefix
if [ ! -d "$P/usr" ]; then
  for f in "$ROOT"/.gpu-carry/debs/*.deb; do dpkg -x "$f" "$P"; done
fi
export PKG_CONFIG_PATH=$P/usr/lib/x86_64-linux-gnu/pkgconfig:$P/usr/share/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$P
export LD_LIBRARY_PATH=$P/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
command -v pkg-config >/dev/null || export PKG_CONFIG=$P/usr/bin/pkgconf
export COMFYC_CLIP_BPE=$ROOT/.gpu-carry/bpe_simple_vocab_16e6.txt.gz
export PYTHONPATH=$ROOT/tools/comfyc-export

# ---- build (Release; CUDA kernels when nvcc is there)
B=$ROOT/build-gpu
GEN=$(command -v ninja >/dev/null && echo "-G Ninja" || true)
cmake -S . -B "$B" $GEN -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$P/usr" >/dev/null
cmake --build "$B" -j"$(nproc)" 2>&1 | tail -3
ldd "$B/comfyc" | grep -E "cjson|webp|cuda" || true

export_models() { # $1 models dir, $2 device, rest: extra args; prints each component's compile time
  local t0=$SECONDS
  python3 -m comfyc_export --tiny-random 1 --models "$1" --device "$2" "${@:3}" 2>&1 | grep -v Warning | grep -E "AOT compile|wrote|up to date|error" || true
  echo "export to $1 ($2): $((SECONDS - t0)) s"
}

if [ "$MODE" = tiny ]; then
  echo "== ctest (CUDA tests run when a GPU is present)"
  export_models "$B/models-cpu" cpu --what checkpoint,sd2,vae,upscale
  CFY_MODELS_DIR=$B/models-cpu ctest --test-dir "$B" -j"$(nproc)" --output-on-failure 2>&1 | tail -15 || true
  echo "== tiny models for $DEV"
  export_models "$B/models-$DEV" "$DEV" --what checkpoint,sd2,vae,upscale
  echo "== SEGSUpscaler example suite on cpu and $DEV (goldens: the eager Python oracle)"
  for d in cpu "$DEV"; do
    "$B/comfyc" check examples/segs_upscaler/check_suite.json --models "$B/models-$d" --device "$d" \
      --input-dir examples/segs_upscaler/input --output-dir "$B/check-$d" --temp-dir "$B/temp-$d" -q \
      --junit "$OUTD/check_$d.xml" || echo "check on $d FAILED"
  done
  echo "== cpu vs $DEV outputs"
  for f in "$B"/check-cpu/*.png; do
    g="$B/check-$DEV/$(basename "$f")"
    [ -f "$g" ] && echo "$(basename "$f"): $("$B/comfyc" compare "$f" "$g" --json)"
  done
  echo "== bench_models (tiny packages)"
  for d in cpu "$DEV"; do
    for pkg in "$B/models-$d"/checkpoints/*.comfyc; do
      "$B/bench_models" "$pkg" --device "$d" --latent 8,32 --repeats 20 || echo "bench_models $pkg FAILED"
    done
  done
else
  echo "== full-size SD1.5 architecture, random weights, fp16, $DEV"
  export_models "$B/models-full" "$DEV" --what sd15-full --dtype fp16 --max-latent 128 --max-batch 2
  pkg=$B/models-full/checkpoints/random-sd15-full-s1.safetensors.comfyc
  python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print('export_seconds', m['export_seconds'])" "$pkg/manifest.json"
  du -sh "$pkg"/*
  sync
  "$B/bench_models" "$pkg" --device "$DEV" --latent 64,128 --repeats 30
fi
echo "== done $(date -u +%FT%TZ)"
