"""make_inputs.py — writes the two small inputs of the SEGSUpscaler examples (deterministic).

segs_demo.png       112x80 RGB: smooth colour gradients with a few soft discs.
segs_demo_mask.png  112x80 RGB: two white rectangles on black (LoadImageMask channel "red").
"""
import pathlib

import numpy as np
from PIL import Image

HERE = pathlib.Path(__file__).resolve().parent
W, H = 112, 80


def main():
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    r = 0.5 + 0.4 * np.sin(x / 9.0) * np.cos(y / 13.0)
    g = 0.3 + 0.5 * (x / W)
    b = 0.6 - 0.4 * (y / H)
    img = np.stack([r, g, b], axis=-1)
    for cx, cy, rad, col in [(30, 25, 14, (0.9, 0.2, 0.1)), (80, 50, 18, (0.1, 0.3, 0.9)), (60, 15, 8, (1, 1, 0.2))]:
        d = np.sqrt((x - cx) ** 2 + (y - cy) ** 2)
        a = np.clip(rad - d, 0, 1)[..., None]
        img = img * (1 - a) + np.array(col) * a
    Image.fromarray(np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)).save(HERE / "segs_demo.png")
    m = np.zeros((H, W, 3), np.uint8)
    m[10:38, 8:40] = 255
    m[30:70, 60:100] = 255
    Image.fromarray(m).save(HERE / "segs_demo_mask.png")


if __name__ == "__main__":
    main()
