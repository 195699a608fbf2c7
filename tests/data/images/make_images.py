"""Regenerate the small image fixtures in this folder (smoke inputs) and copy them into the seed
corpus of fuzz_image_load (tests/fuzz/corpus/image_load, which also holds fuzzer-found inputs).

Run: python3 tests/data/images/make_images.py. Every file is a few hundred bytes."""
import pathlib
import shutil

import numpy as np
from PIL import Image

HERE = pathlib.Path(__file__).resolve().parent


def main():
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, size=(8, 8, 4), dtype=np.uint8)
    Image.fromarray(rgb).save(HERE / "rgb8.png")
    Image.fromarray(rgba, "RGBA").save(HERE / "rgba8.png")
    Image.fromarray(rgb).quantize(8).save(HERE / "palette_trns.png", transparency=1)
    Image.fromarray((rng.integers(0, 65536, size=(4, 4))).astype(np.uint16)).save(HERE / "grey16.png")
    ex = Image.Exif()
    ex[0x0112] = 6
    Image.fromarray(np.kron(rgb[:2, :3], np.ones((8, 8, 1), np.uint8))).save(HERE / "exif6.jpg", quality=90,
                                                                             exif=ex.tobytes())
    Image.fromarray(rgb).quantize(8).save(HERE / "pal.gif", transparency=2)
    Image.fromarray(rgb).save(HERE / "rgb24.bmp")
    Image.fromarray(rgba, "RGBA").save(HERE / "rgba32.tga")
    frames = [Image.fromarray(np.roll(rgb, k, axis=1)).quantize(8) for k in range(3)]
    frames[0].save(HERE / "anim.gif", save_all=True, append_images=frames[1:], transparency=0)
    corpus = HERE.parents[1] / "fuzz" / "corpus" / "image_load"
    corpus.mkdir(parents=True, exist_ok=True)
    for p in HERE.iterdir():
        if p.suffix in (".png", ".jpg", ".gif", ".bmp", ".tga"):
            shutil.copy(p, corpus / ("seed_" + p.name))


if __name__ == "__main__":
    main()
