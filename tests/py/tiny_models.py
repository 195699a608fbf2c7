"""tiny_models.py — where the tiny seeded-random model packages live and how they are built.

`comfyc-export --tiny-random 1 --models $CFY_BUILD_DIR/models` writes the checkpoints and compiles
them (two to four minutes on two cores); later runs find the packages up to date and reuse them.
"""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("CFY_BUILD_DIR", ROOT / "build")).resolve()
MODELS = BUILD / "models"
SEED = 1
CKPT = f"tiny-sd1-s{SEED}.safetensors"
CKPT_SD2 = f"tiny-sd2-v-s{SEED}.safetensors"
CKPT_SDXL = f"tiny-sdxl-s{SEED}.safetensors"
VAE = f"tiny-vae-s{SEED}.safetensors"
UPSCALER = f"tiny-esrgan-4x-s{SEED}.safetensors"
EXPORT_PATH = ROOT / "tools" / "comfyc-export"
if str(EXPORT_PATH) not in sys.path:
    sys.path.insert(0, str(EXPORT_PATH))


def export_tiny(what="checkpoint,sd2,sdxl,vae,upscale"):
    env = dict(os.environ, PYTHONPATH=str(EXPORT_PATH) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "comfyc_export", "--tiny-random", str(SEED), "--models", str(MODELS),
                        "--what", what], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"comfyc-export failed:\n{r.stdout}\n{r.stderr[-4000:]}")
    return MODELS
