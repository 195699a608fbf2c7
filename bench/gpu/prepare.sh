#!/usr/bin/env bash
# prepare.sh — run HERE (a machine with Debian's registry) before a GPU session: fetches what the
# device machine lacks into .gpu-carry/ (ignored by git), to be named in the device tool's `carry`.
#   .gpu-carry/debs/   libcjson, stb, libwebp, zlib and pkgconf .debs (unpacked there with dpkg -x)
#   .gpu-carry/bpe_simple_vocab_16e6.txt.gz   CLIP's BPE merges (open_clip is not installed there)
# Then: device run with carry [".gpu-carry"] and command `bash bench/gpu/run_on_device.sh [tiny|full]`.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu-carry/debs
(cd .gpu-carry/debs && apt-get download libcjson1 libcjson-dev libstb0 libstb-dev libwebp7 libwebpmux3 \
  libwebpdemux2 libwebp-dev zlib1g-dev pkgconf pkgconf-bin libpkgconf3)
python3 - <<'PY'
import shutil, sys
sys.path.insert(0, "tools/comfyc-export")
from comfyc_export.vocab import find_bpe
shutil.copy(find_bpe(), ".gpu-carry/bpe_simple_vocab_16e6.txt.gz")
PY
du -sh .gpu-carry
