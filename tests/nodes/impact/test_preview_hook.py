"""PreviewDetailerHookProvider through ctypes: post_paste writes <temp>/pvhook/<node id>.webp, a lossy
WebP at the node's `quality` (spec segs-upscaler.md §7.1: Pillow's img.save(path, quality=q) on the
tensor2pil pixels of the first image), and returns the image unchanged. Decoded with Pillow."""
import ctypes as C
import io
import pathlib
import sys

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "core"))
import cfy  # noqa: E402
import imgio  # noqa: E402

POST_PASTE = C.CFUNCTYPE(C.c_int, C.c_void_p, C.c_void_p, cfy.TensorP, C.POINTER(cfy.TensorP), C.POINTER(cfy.Error))


class UpscalerHook(C.Structure):
    _fields_ = [("abi", C.c_uint32), ("user", C.c_void_p), ("post_paste", POST_PASTE), ("release", C.c_void_p)]


def lib():
    L = imgio.lib()
    L.cfy_value_upscaler_hook.argtypes = [C.c_void_p]
    L.cfy_value_upscaler_hook.restype = C.POINTER(UpscalerHook)
    return L


def smooth_image(h=64, w=96, b=1):
    """Smooth content (gradients, a disc, a soft wave) as lossy codecs are meant for; [b,h,w,3] f32."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = xx / (w - 1)
    g = yy / (h - 1)
    bl = 0.5 + 0.4 * np.sin(xx / 7.0) * np.cos(yy / 9.0)
    disc = ((xx - w * 0.6) ** 2 + (yy - h * 0.4) ** 2) < (h * 0.25) ** 2
    img = np.stack([r, g, bl], -1)
    img[disc] = img[disc] * 0.3 + np.array([0.7, 0.2, 0.1], np.float32) * 0.7
    out = np.stack([img * (1.0 - 0.3 * k) for k in range(b)])
    return np.ascontiguousarray(out, np.float32)


def tensor2pil_u8(x):
    return np.clip(np.float32(255.0) * x.astype(np.float32), 0, 255).astype(np.uint8)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def run_hook(tmp_path, quality, image):
    """Make the hook with `quality`, call post_paste(image) as SEGSUpscaler does; returns the bytes of
    the preview file and the returned image."""
    L = lib()
    with imgio.Runtime(tmp_path, temp_dir=tmp_path / "temp") as rt:
        q = L.cfy_value_new_int(quality)
        named = (imgio.NamedValue * 1)(imgio.NamedValue(b"quality", q))
        outs = (C.c_void_p * 2)()
        err = cfy.Error()
        st = L.cfy_node_call(rt.rt, b"PreviewDetailerHookProvider", named, 1, outs, 2, C.byref(err))
        L.cfy_value_release(q)
        assert st == 0, str(err)
        try:
            assert L.cfy_value_type(outs[0]) == b"DETAILER_HOOK" and L.cfy_value_type(outs[1]) == b"UPSCALER_HOOK"
            hook = L.cfy_value_upscaler_hook(outs[1]).contents
            t = cfy.to_tensor(image)
            res = cfy.TensorP()
            st = hook.post_paste(hook.user, rt.rt, t, C.byref(res), C.byref(err))
            assert st == 0, str(err)
            same = C.cast(res, C.c_void_p).value == C.cast(t, C.c_void_p).value
            got = cfy.to_numpy(res)
            cfy.release(res)
            cfy.release(t)
        finally:
            L.cfy_value_release(outs[0])
            L.cfy_value_release(outs[1])
    d = tmp_path / "temp" / "pvhook"
    assert sorted(p.name for p in d.iterdir()) == ["hook.webp"], "one preview, no temp files left"
    assert same and np.array_equal(got, image), "post_paste returns the image unchanged"
    return (d / "hook.webp").read_bytes()


def pillow_webp(u8, quality):
    """What the Impact Pack writes: Image.save(fullpath, quality=q) with a .webp name."""
    buf = io.BytesIO()
    Image.fromarray(u8).save(buf, format="WEBP", quality=quality)
    return buf.getvalue()


@pytest.mark.parametrize("quality", [20, 60, 95, 100])
def test_preview_is_lossy_webp_at_quality(tmp_path, quality):
    x = smooth_image(b=2)
    data = run_hook(tmp_path, quality, x)
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    assert data[12:16] == b"VP8 ", "lossy bitstream, as Pillow's default (lossless=False)"
    im = Image.open(io.BytesIO(data))
    assert im.format == "WEBP" and im.size == (96, 64) and im.mode == "RGB"
    got = np.asarray(im.convert("RGB"))
    ref = tensor2pil_u8(x[0])  # only the first image of the batch
    p_ours = psnr(got, ref)
    pil = pillow_webp(ref, quality)
    p_pil = psnr(np.asarray(Image.open(io.BytesIO(pil)).convert("RGB")), ref)
    print(f"quality {quality}: {len(data)} B, {p_ours:.2f} dB; Pillow {len(pil)} B, {p_pil:.2f} dB")
    # as close to the source as Pillow's own encoding at this quality (libwebp versions differ a little)
    assert p_ours >= p_pil - 1.0
    assert p_ours >= {20: 27, 60: 31, 95: 36, 100: 36}[quality]
    assert 0.7 * len(pil) <= len(data) <= 1.3 * len(pil)


def test_quality_changes_the_file(tmp_path):
    x = smooth_image()
    sizes, quality_psnr = {}, {}
    for q in (20, 60, 100):
        data = run_hook(tmp_path / str(q), q, x)
        sizes[q] = len(data)
        quality_psnr[q] = psnr(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")), tensor2pil_u8(x[0]))
    assert sizes[20] < sizes[60] < sizes[100]
    assert quality_psnr[20] < quality_psnr[60] < quality_psnr[100]


def test_overwritten_after_every_paste(tmp_path):
    """Each paste replaces the preview (same name), as the Impact Pack's fixed <node id>.webp."""
    a = smooth_image()
    b = np.ascontiguousarray(1.0 - a)
    run_hook(tmp_path, 95, a)
    data = run_hook(tmp_path, 95, b)
    got = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert psnr(got, tensor2pil_u8(b[0])) > psnr(got, tensor2pil_u8(a[0])) + 10
