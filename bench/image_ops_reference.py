"""image_ops_reference.py — Pillow / torch timings of the operations bench_image_ops.c times, on the
same inputs and sizes, for comparison on the same machine (not a test).

Usage: python3 bench/image_ops_reference.py [--quick] [--no-supersample] [--vs-comfyc BUILD_DIR]

--vs-comfyc times Pillow and libcomfyc's cfy_image_resize_u8 alternately in one process (best of
N each), which gives a fair ratio on a busy shared machine."""
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def best_of(fn, n):
    best = 1e30
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def vs_comfyc(build_dir, reps, supersample):
    import ctypes as C
    import os
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "py"))
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "image"))
    os.environ["CFY_BUILD_DIR"] = build_dir
    import img_bridge as ib
    rng = np.random.default_rng(7)
    a = rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8)
    im = Image.fromarray(a)
    filters = {"nearest": Image.NEAREST, "lanczos": Image.LANCZOS, "bilinear": Image.BILINEAR,
               "bicubic": Image.BICUBIC}
    ib._load_lazy()
    t = ib.cfy.to_tensor(a)
    for ss in ([False, True] if supersample else [False]):
        fname = "cfy_image_resize_u8_supersample" if ss else "cfy_image_resize_u8"
        fn = ib.fn(fname)
        for name, f in filters.items():
            best_p = best_c = 1e30
            for _ in range(1 if ss else reps):
                t0 = time.perf_counter()
                if ss:
                    im.resize((16384, 16384), f).resize((2048, 2048), f)
                else:
                    im.resize((2048, 2048), f)
                best_p = min(best_p, time.perf_counter() - t0)
                out = ib.cfy.TensorP()
                err = ib.cfy.Error()
                t0 = time.perf_counter()
                st = fn(None, t, 2048, 2048, ib.FILTERS[name], C.byref(out), C.byref(err))
                best_c = min(best_c, time.perf_counter() - t0)
                assert st == 0
                ib.cfy.release(out)
            print(f"resize {name:<8}{' supersample' if ss else '            '} pillow {best_p * 1e3:9.2f} ms"
                  f"  comfyc {best_c * 1e3:9.2f} ms  ratio {best_c / best_p:5.2f}")
    ib.cfy.release(t)


def main():
    if "--vs-comfyc" in sys.argv:
        vs_comfyc(sys.argv[sys.argv.index("--vs-comfyc") + 1], 1 if "--quick" in sys.argv else 7,
                  "--no-supersample" not in sys.argv)
        return
    quick = "--quick" in sys.argv
    supersample = "--no-supersample" not in sys.argv
    reps = 1 if quick else 5
    torch.set_num_threads(1)
    rng = np.random.default_rng(7)
    im = Image.fromarray(rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8))
    filters = {"nearest": Image.NEAREST, "lanczos": Image.LANCZOS, "bilinear": Image.BILINEAR,
               "bicubic": Image.BICUBIC}
    for ss in ([False, True] if supersample else [False]):
        for name, f in filters.items():
            if ss:
                t = best_of(lambda: im.resize((16384, 16384), f).resize((2048, 2048), f), 1)
            else:
                t = best_of(lambda: im.resize((2048, 2048), f), reps)
            print(f"pillow resize {name:<8} 1024^2->2048^2 RGB{' supersample' if ss else '            '}  {t:10.2f} ms")
    mask = torch.from_numpy(rng.random((1, 1, 512, 512), dtype=np.float32))
    for feather in (5, 20):
        k = 2 * feather + 1
        half = (k - 1) * 0.5
        x = torch.linspace(-half, half, steps=k)
        pdf = torch.exp(-0.5 * (x / 10.0).pow(2))
        k1 = pdf / pdf.sum()
        k2 = torch.mm(k1[:, None], k1[None, :])[None, None]
        p = k // 2
        t = best_of(lambda: F.conv2d(F.pad(mask, [p, p, p, p], mode="reflect"), k2), reps + 1)
        print(f"torch  blur_mask 512^2 feather {feather:<2} (1 thread)       {t:10.2f} ms")
    canvas = torch.from_numpy(rng.random((1, 2048, 2048, 3), dtype=np.float32))
    piece = torch.from_numpy(rng.random((1, 512, 512, 3), dtype=np.float32))
    m = mask[:, 0, :, :, None]

    def paste():
        canvas[:, 900:1412, 700:1212, :] = (1 - m) * canvas[:, 900:1412, 700:1212, :] + m * piece
    t = best_of(paste, reps + 1)
    print(f"torch  paste 512^2 into 2048^2 (1 thread)          {t:10.2f} ms")


if __name__ == "__main__":
    main()
