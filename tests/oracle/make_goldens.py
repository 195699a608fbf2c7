"""make_goldens.py — golden images of the SEGSUpscaler examples from the Python oracle (not from
comfyc), for examples/segs_upscaler/check_suite.json:

    CFY_BUILD_DIR=build python3 tests/oracle/make_goldens.py

Each golden is the oracle's float output quantized as SaveImage writes PNGs (trunc(255 v))."""
import json
import os
import pathlib
import sys

import numpy as np
from PIL import Image

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import segs_oracle as O  # noqa: E402
import test_segs_upscaler_parity as T  # noqa: E402

CASES = [("a_tiled_upscale", 42, "lanczos"), ("b_model_upscale", 42, "lanczos"), ("c_mask_inpaint", 42, "lanczos")]


def main():
    models = pathlib.Path(os.environ.get("CFY_BUILD_DIR", O.ROOT / "build")) / "models"
    M = O.Models(models)
    wf = T.load("a_tiled_upscale")
    conds = M.encode_text(wf["2"]["inputs"]["text"]), M.encode_text(wf["3"]["inputs"]["text"])
    out = T.EX / "golden"
    out.mkdir(exist_ok=True)
    for name, seed, method in CASES:
        ref = T.oracle_run(M, conds, T.load(name), seed, method)
        q = np.clip(np.float32(255.0) * ref[0], 0, 255).astype(np.uint8)
        Image.fromarray(q).save(out / f"{name}.png")
        print("wrote", out / f"{name}.png")


if __name__ == "__main__":
    main()
