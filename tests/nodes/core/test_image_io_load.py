"""LoadImage / LoadImageMask against ComfyUI's formula (nodes.py, spec §6.1) computed with Pillow+numpy.

Every fixture is generated here with Pillow (or by hand for PNG layouts Pillow does not write),
then loaded through cfy_node_call and compared with the reference."""
import io
import pathlib
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import imgio

RNG = np.random.default_rng(1234)


def rand_u8(*shape):
    return RNG.integers(0, 256, size=shape, dtype=np.uint8)


def raw_png(w, h, color_type, bit_depth, rows, extra_chunks=()):
    """A PNG built by hand: rows is a list of bytes (unfiltered scanlines)."""
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    body = b"".join(b"\x00" + r for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0))
    for t, d in extra_chunks:
        out += chunk(t, d)
    return out + chunk(b"IDAT", zlib.compress(body)) + chunk(b"IEND", b"")


@pytest.fixture
def folder(tmp_path):
    return tmp_path


def load_both(folder, name):
    with imgio.Runtime(folder) as rt:
        img, mask = rt.ok("LoadImage", n_outputs=2, image=name)
    ref_img, ref_mask = imgio.comfy_load_image(folder / name)
    return img, mask, ref_img, ref_mask


def assert_exact(folder, name):
    img, mask, ref_img, ref_mask = load_both(folder, name)
    assert img.shape == ref_img.shape and img.dtype == np.float32
    assert mask.shape == ref_mask.shape and mask.dtype == np.float32
    np.testing.assert_array_equal(img, ref_img)
    np.testing.assert_array_equal(mask, ref_mask)
    return img, mask


# ---- lossless formats: bit-exact ----

@pytest.mark.parametrize("mode,shape", [("RGB", (13, 17, 3)), ("RGBA", (13, 17, 4)), ("L", (9, 11)),
                                        ("LA", (9, 11, 2))])
def test_png_modes_exact(folder, mode, shape):
    Image.fromarray(rand_u8(*shape), mode).save(folder / "a.png")
    img, mask = assert_exact(folder, "a.png")
    assert mask.shape == ((1, 64, 64) if "A" not in mode else (1,) + shape[:2])


def test_png_palette_with_and_without_transparency(folder):
    base = Image.fromarray(rand_u8(10, 12, 3), "RGB").quantize(16)
    base.save(folder / "p.png")
    _, mask = assert_exact(folder, "p.png")
    assert mask.shape == (1, 64, 64)
    base.save(folder / "pt.png", transparency=3)
    _, mask = assert_exact(folder, "pt.png")
    assert mask.shape == (1, 10, 12) and mask.max() == 1.0


def test_png_rgb_with_trns_colour(folder):
    a = rand_u8(6, 7, 3)
    a[0, 0] = (10, 20, 30)
    Image.fromarray(a, "RGB").save(folder / "t.png", transparency=(10, 20, 30))
    _, mask = assert_exact(folder, "t.png")
    assert mask.shape == (1, 64, 64)  # no 'A' band for LoadImage
    with imgio.Runtime(folder) as rt:
        (m,) = rt.ok("LoadImageMask", n_outputs=1, image="t.png", channel="alpha")
    np.testing.assert_array_equal(m, imgio.comfy_load_image_mask(folder / "t.png", "alpha"))
    assert m[0, 0, 0] == 1.0


def test_png_16bit_grey_follows_mode_I_path(folder):
    """Spec §6.1: mode I is scaled by 1/255 (truncated), then clamped to 0..255."""
    vals = np.array([[0, 1, 254, 255, 256, 383, 509, 510, 1000, 32767, 32768, 65280, 65535]], dtype=np.uint16)
    (folder / "g16.png").write_bytes(raw_png(vals.shape[1], 1, 0, 16, [vals.astype(">u2").tobytes()]))
    with imgio.Runtime(folder) as rt:
        img, mask = rt.ok("LoadImage", n_outputs=2, image="g16.png")
    ref = Image.fromarray(vals.astype(np.int32)).point(lambda v: v * (1 / 255))  # the mode-I path
    ref = np.array(ref.convert("RGB")).astype(np.float32) / 255.0
    np.testing.assert_array_equal(img[0], ref)
    assert mask.shape == (1, 64, 64)


@pytest.mark.parametrize("color_type,channels", [(2, 3), (6, 4), (4, 2)])
def test_png_16bit_colour_keeps_high_byte(folder, color_type, channels):
    vals = RNG.integers(0, 65536, size=(5, 6, channels), dtype=np.uint16)
    vals[0, 0, 0] = 0x80FF
    vals[0, 1, 0] = 0x7FFF
    rows = [vals[y].astype(">u2").tobytes() for y in range(5)]
    (folder / "c16.png").write_bytes(raw_png(6, 5, color_type, 16, rows))
    assert_exact(folder, "c16.png")


def test_png_low_bit_depth_grey(folder):
    rows = [bytes([0b10110010, 0b01000000]) for _ in range(3)]
    (folder / "g1.png").write_bytes(raw_png(10, 3, 0, 1, rows))
    rows = [bytes([0x1B, 0xE4]) for _ in range(2)]
    (folder / "g2.png").write_bytes(raw_png(8, 2, 0, 2, rows))
    assert_exact(folder, "g1.png")
    assert_exact(folder, "g2.png")


def test_bmp_24_and_32(folder):
    Image.fromarray(rand_u8(7, 9, 3), "RGB").save(folder / "a.bmp")
    assert_exact(folder, "a.bmp")
    Image.fromarray(rand_u8(7, 9, 4), "RGBA").save(folder / "b.bmp")  # BI_RGB 32-bit: Pillow reads RGB
    _, mask = assert_exact(folder, "b.bmp")
    assert mask.shape == (1, 64, 64)


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_tga(folder, mode):
    Image.fromarray(rand_u8(6, 5, len(mode)), mode).save(folder / "a.tga")
    assert_exact(folder, "a.tga")


@pytest.mark.parametrize("transparency", [None, 0])
def test_gif_all_frames(folder, transparency):
    """Spec §6.1: every frame becomes a batch item (IMAGE [N,H,W,3], MASK [N,...])."""
    base = np.kron(rand_u8(4, 5, 3), np.ones((2, 2, 1), dtype=np.uint8))
    frames = []
    for k in range(3):
        a = base.copy()
        a[k: k + 3, 2:6] = (255 * (k % 2), 40 * k, 200)  # a changing patch: Pillow writes deltas
        frames.append(Image.fromarray(a, "RGB").quantize(16, dither=Image.Dither.NONE))
    extra = {} if transparency is None else {"transparency": transparency}
    frames[0].save(folder / "a.gif", save_all=True, append_images=frames[1:], **extra)
    img, mask = assert_exact(folder, "a.gif")
    assert img.shape == (3, 8, 10, 3)
    assert mask.shape == ((3, 64, 64) if transparency is None else (3, 8, 10))


def test_gif_transparency(folder):
    p = Image.fromarray(rand_u8(8, 10, 3), "RGB").quantize(16)
    a = np.array(p)
    a[2:4, 3:6] = 5
    p2 = Image.fromarray(a, "P")
    p2.putpalette(p.getpalette())
    p2.save(folder / "t.gif", transparency=5)
    img, mask = assert_exact(folder, "t.gif")
    assert mask.shape == (1, 8, 10) and mask[0, 2, 3] == 1.0


# ---- JPEG: a different IDCT than libjpeg, so a tolerance ----

def assert_close_jpeg(img, ref, tol=3 / 255):
    assert img.shape == ref.shape
    diff = np.abs(img - ref)
    assert diff.max() <= tol + 1e-6, f"max diff {diff.max() * 255:.1f}/255"
    assert diff.mean() <= 0.5 / 255


@pytest.mark.parametrize("subsampling", [0, 2])
def test_jpeg_colour(folder, subsampling):
    a = np.kron(rand_u8(6, 8, 3), np.ones((4, 4, 1), dtype=np.uint8))  # smooth blocks
    Image.fromarray(a, "RGB").save(folder / "a.jpg", quality=95, subsampling=subsampling)
    img, mask, ref_img, ref_mask = load_both(folder, "a.jpg")
    assert_close_jpeg(img, ref_img, tol=(3 if subsampling == 0 else 40) / 255)
    np.testing.assert_array_equal(mask, ref_mask)


def test_jpeg_grey(folder):
    a = np.kron(rand_u8(5, 5), np.ones((8, 8), dtype=np.uint8))
    Image.fromarray(a, "L").save(folder / "g.jpg", quality=95)
    img, _, ref_img, _ = load_both(folder, "g.jpg")
    assert_close_jpeg(img, ref_img)


def exif_bytes(orientation):
    ex = Image.Exif()
    ex[0x0112] = orientation
    return ex.tobytes()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_jpeg(folder, orientation):
    # 3x2 blocks of 8 px with distinct colours: any wrong rotation or flip is far off
    blocks = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]],
                       [[255, 255, 0], [0, 255, 255], [255, 0, 255]]], dtype=np.uint8)
    a = np.kron(blocks, np.ones((8, 8, 1), dtype=np.uint8))
    Image.fromarray(a, "RGB").save(folder / "o.jpg", quality=95, subsampling=0, exif=exif_bytes(orientation))
    img, _, ref_img, _ = load_both(folder, "o.jpg")
    assert img.shape == ref_img.shape
    assert img.shape[1:3] == ((24, 16) if orientation >= 5 else (16, 24))
    assert_close_jpeg(img, ref_img, tol=12 / 255)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_png_exact(folder, orientation):
    a = rand_u8(4, 7, 4)
    Image.fromarray(a, "RGBA").save(folder / "o.png", exif=exif_bytes(orientation))
    assert_exact(folder, "o.png")


# ---- LoadImageMask ----

@pytest.mark.parametrize("channel", ["alpha", "red", "green", "blue"])
@pytest.mark.parametrize("mode", ["RGBA", "RGB", "L", "P"])
def test_load_image_mask(folder, channel, mode):
    src = Image.fromarray(rand_u8(5, 6, 4), "RGBA")
    img = src.quantize(8) if mode == "P" else src.convert(mode)
    img.save(folder / "m.png", **({"transparency": 2} if mode == "P" else {}))
    with imgio.Runtime(folder) as rt:
        (m,) = rt.ok("LoadImageMask", n_outputs=1, image="m.png", channel=channel)
    np.testing.assert_array_equal(m, imgio.comfy_load_image_mask(folder / "m.png", channel))


# ---- bad input ----

def test_corrupt_and_truncated_files(folder):
    Image.fromarray(rand_u8(40, 40, 3), "RGB").save(folder / "ok.png")
    data = (folder / "ok.png").read_bytes()
    (folder / "trunc.png").write_bytes(data[: len(data) // 2])
    (folder / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(RNG.integers(0, 256, 200, dtype=np.uint8)))
    (folder / "text.jpg").write_bytes(b"not really a jpeg")
    buf = io.BytesIO()
    Image.fromarray(rand_u8(40, 40, 3), "RGB").save(buf, format="JPEG")
    (folder / "trunc.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with imgio.Runtime(folder) as rt:
        for name in ["trunc.png", "garbage.png", "text.jpg"]:
            st, err, outs = rt.call("LoadImage", n_outputs=2, image=name)
            assert st == imgio.CFY_EIO, (name, str(err))
            assert err.input == b"image" and outs == [None, None]
        # a truncated JPEG either decodes (as ComfyUI's truncated-image retry does) or fails cleanly
        st, err, outs = rt.call("LoadImage", n_outputs=2, image="trunc.jpg")
        assert st in (0, imgio.CFY_EIO)
        if st == 0:
            assert outs[0].shape == (1, 40, 40, 3)


def test_pixel_limit(folder):
    Image.fromarray(rand_u8(10, 33, 3), "RGB").save(folder / "wide.png")
    with imgio.Runtime(folder, max_side=32) as rt:
        st, err, _ = rt.call("LoadImage", n_outputs=2, image="wide.png")
        assert st == imgio.CFY_EINVAL and err.input == b"image"
        assert b"32" in err.message
    with imgio.Runtime(folder, max_side=33) as rt:
        rt.ok("LoadImage", n_outputs=2, image="wide.png")


def test_names_escaping_the_input_folder(tmp_path):
    inp = tmp_path / "input"
    secret = tmp_path / "secret"
    inp.mkdir()
    secret.mkdir()
    Image.fromarray(rand_u8(4, 4, 3), "RGB").save(secret / "s.png")
    (inp / "link.png").symlink_to(secret / "s.png")
    (inp / "dir").symlink_to(secret)
    with imgio.Runtime(inp) as rt:
        for name in ["../secret/s.png", str(secret / "s.png"), "link.png", "dir/s.png", "a/../../secret/s.png"]:
            st, err, outs = rt.call("LoadImage", n_outputs=2, image=name)
            assert st == imgio.CFY_EINVAL, name
            assert err.input == b"image" and outs == [None, None]
        st, err, _ = rt.call("LoadImage", n_outputs=2, image="missing.png")
        assert st == imgio.CFY_ENOTFOUND and b"Invalid image file" in err.message


def test_subfolder_and_annotation(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "out").mkdir()
    Image.fromarray(rand_u8(3, 3, 3), "RGB").save(tmp_path / "in" / "sub" / "a.png")
    Image.fromarray(rand_u8(3, 5, 3), "RGB").save(tmp_path / "out" / "b.png")
    with imgio.Runtime(tmp_path / "in", tmp_path / "out") as rt:
        img, _ = rt.ok("LoadImage", n_outputs=2, image="sub/a.png")
        assert img.shape == (1, 3, 3, 3)
        img, _ = rt.ok("LoadImage", n_outputs=2, image="b.png [output]")
        assert img.shape == (1, 3, 5, 3)


FIXTURES = sorted(p for p in (pathlib.Path(__file__).resolve().parents[2] / "data" / "images").iterdir()
                  if p.suffix in (".png", ".jpg", ".gif", ".bmp", ".tga"))


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_fixture_files(path):
    """The checked-in fixtures (also the fuzz seeds) load as ComfyUI loads them."""
    img, mask, ref_img, ref_mask = load_both(path.parent, path.name)
    assert img.shape == ref_img.shape and mask.shape == ref_mask.shape
    if Image.open(path).mode == "I;16":  # newer Pillow opens 16-bit grey as I;16; the spec's path is mode I
        i = Image.open(path).convert("I").point(lambda v: v * (1 / 255))
        ref_img = (np.array(i.convert("RGB")).astype(np.float32) / 255.0)[None]
    if path.suffix == ".jpg":
        assert_close_jpeg(img, ref_img, tol=12 / 255)
    else:
        np.testing.assert_array_equal(img, ref_img)
    np.testing.assert_array_equal(mask, ref_mask)
