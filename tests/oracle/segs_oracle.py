"""segs_oracle.py — a Python oracle of the Impact Pack's SEGSUpscaler, written from
../shared/spec/segs-upscaler.md §2-§5 and sampling.md §9, step by step with Pillow, NumPy and torch,
and the same *eager* tiny torch modules the export tool builds (tools/comfyc-export), never
comfyc's C code.

Stages: tensor2pil/pil2tensor (§4.1), Pillow resize (§4.2), upscale_with_model (§4.6, single-tile
case), segs_scale_match (§2.4), torchvision's Gaussian blur rebuilt with torch ops (§4.4),
InpaintModelConditioning (§5.3), Differential Diffusion and noise masks (sampling.md §6), the
Impact ksampler wrapper (sampling.md §9) over the sampling engineer's oracle samplers
(tests/sampling/sampling_oracle.py), VAE encode/decode (§5.1-5.2), tensor_paste (§2.7).
SEGS producers follow §3.1-3.3: MakeTileSEGS without irregularity but with filter SEGS and
dilation, and MaskToSEGS in every mode with the real OpenCV calls Impact makes (cv2 is imported
only for MaskToSEGS's contour mode). These are also the oracles of tests/image/test_segs.py and
tests/image/test_mask_to_segs_opencv.py.
"""
import math
import os
import pathlib
import sys

import numpy as np
import torch
import torch.nn.functional as TF
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "comfyc-export"))
sys.path.insert(0, str(ROOT / "tests" / "sampling"))

import sampling_oracle as SO  # noqa: E402  (Python samplers, not comfyc code)

F32 = np.float32
FILTERS = {"nearest": Image.NEAREST, "lanczos": Image.LANCZOS, "bilinear": Image.BILINEAR,
           "bicubic": Image.BICUBIC}


# ------------------------------------------------------------------ §4.1, §4.3 conversions, resize
def tensor2pil(img):
    """img f32 [H,W,3] -> PIL (truncating: trunc(clip(f32(255 v), 0, 255)))."""
    return Image.fromarray(np.clip(F32(255.0) * img.astype(F32), 0, 255).astype(np.uint8))


def pil2tensor(pil):
    return (np.asarray(pil).astype(F32) / F32(255.0)).astype(F32)


def tensor_resize(img, w, h):
    """Impact tensor_resize for 3 channels: [1,h0,w0,3] -> [1,h,w,3] via Pillow LANCZOS."""
    return pil2tensor(tensor2pil(img[0]).resize((w, h), resample=Image.LANCZOS))[None]


# ------------------------------------------------------------------ §2.3 stage A
def upscale_with_model(net, image):
    """tiled_scale with tile 512: the examples stay below one tile, so the model sees the whole image."""
    assert image.shape[1] <= 512 and image.shape[2] <= 512, "oracle implements the single-tile case only"
    with torch.no_grad():
        y = net(torch.from_numpy(image).permute(0, 3, 1, 2).contiguous())
    return torch.clamp(y.permute(0, 2, 3, 1), 0, 1).numpy().astype(F32)


def stage_a(image, factor, method, supersample, net=None):
    u = upscale_with_model(net, image) if net is not None else image
    w1, h1 = int(image.shape[2] * factor), int(image.shape[1] * factor)
    pil = tensor2pil(u[0])
    f = FILTERS[method]
    if supersample == "true":
        pil = pil.resize((w1 * 8, h1 * 8), resample=f)
    pil = pil.resize((w1, h1), resample=f)
    return pil2tensor(pil)[None]


# ------------------------------------------------------------------ SEGS (§1, §3)
class Seg:
    def __init__(self, mask, crop, bbox, label=""):
        self.mask, self.crop, self.bbox, self.label = mask.astype(F32), [int(v) for v in crop], bbox, label


def make_crop_region(W, H, bbox, crop_factor, crop_min_size=None):
    """§3.1: the crop region around bbox (x1, y1, x2, y2), scaled by crop_factor (at least
    crop_min_size when given), centred and shifted back inside the W x H image."""
    x1, y1, x2, y2 = bbox
    bw, bh = x2 - x1, y2 - y1
    cw, ch = bw * crop_factor, bh * crop_factor
    if crop_min_size is not None:
        cw, ch = max(crop_min_size, cw), max(crop_min_size, ch)
    kx, ky = x1 + bw / 2, y1 + bh / 2
    sx, sy = int(kx - cw / 2), int(ky - ch / 2)

    def norm(limit, start, size):
        if start < 0:
            return 0, min(limit, size)
        if start + size > limit:
            return max(0, limit - size), limit
        return start, min(limit, start + size)
    a, b = norm(W, sx, cw)
    c, d = norm(H, sy, ch)
    return [int(a), int(c), int(b), int(d)]


def combined_mask(shape, segs):
    """§3.4 segs_to_combined_mask: uint8 OR of every (mask * 255) at its crop region, / 255."""
    H, W = shape
    canvas = np.zeros((H, W), np.uint8)
    for s in segs:
        x1, y1, x2, y2 = s.crop
        canvas[y1:y2, x1:x2] |= (s.mask * 255).astype(np.uint8)
    return canvas.astype(F32) / F32(255.0)


def dilate(m, f):
    """§3.4 dilate_mask(mask, f): cv2 dilate with a square f x f kernel; f < 0 erodes."""
    if f == 0:
        return m
    k = abs(f)
    a = k // 2
    H, W = m.shape
    fill = -np.inf if f > 0 else np.inf
    P = np.full((H + k, W + k), fill, F32)
    P[a:a + H, a:a + W] = m
    op = np.maximum if f > 0 else np.minimum
    out = np.full((H, W), fill, F32)
    for i in range(k):
        for j in range(k):
            out = op(out, P[i:i + H, j:j + W])
    return out


def filter_mask(filter_segs, ih, iw, dilation):
    """§3.3 a filter SEGS (shape, [Seg]) as MakeTileSEGS uses it: combined mask, bilinear to the image
    size (torch, align_corners False), dilated."""
    shape, segs = filter_segs
    m = torch.from_numpy(combined_mask(shape, segs))[None, None]
    m = TF.interpolate(m, size=(ih, iw), mode="bilinear", align_corners=False)[0, 0].numpy()
    return dilate(m, dilation)


def make_tile_segs(ih, iw, bbox_size, crop_factor, min_overlap, dilation=0, filter_in=None, filter_out=None):
    """ImpactMakeTileSEGS without irregular masks (§3.3). filter_in / filter_out: (shape, [Seg]) or
    None. Tiles cover the crop region of filter_in's combined mask (all of the image without it);
    pixels outside filter_in or inside filter_out are cleared and all-zero tiles dropped.
    Raises ZeroDivisionError where the Impact Pack does (tile size == overlap after clamping).
    Returns ((ih, iw), [Seg]) with bbox = (x1, y1, x2, y2) ints."""
    B, O = bbox_size, min_overlap
    if B <= 2 * O:
        O = B / 2
    excl = filter_mask(filter_out, ih, iw, dilation) if filter_out else None
    sx, sy, w, h = 0, 0, iw, ih
    A = None
    if filter_in:
        A = filter_mask(filter_in, ih, iw, dilation)
        _, area = mask_to_segs(A, 1.0, combined=True)
        if not area:
            return (ih, iw), []
        cr = area[0].crop
        sx, sy, w, h = cr[0], cr[1], cr[2] - cr[0], cr[3] - cr[1]
    if B > h or B > w:
        B = min(B, w, h)
    nH, nV = math.ceil(w / (B - O)), math.ceil(h / (B - O))
    sW = B * nH - w
    if sW < 0:
        nH += 1
        sW = B * nH - w
    sH = B * nV - h
    if sH < 0:
        nV += 1
        sH = B * nV - h
    oW = 0 if nH == 1 else int(sW / (nH - 1))
    oH = 0 if nV == 1 else int(sH / (nV - 1))
    if oW == B:
        nH = 1
    if oH == B:
        nV = 1
    segs, y = [], sy
    for _ in range(nV):
        x = sx
        for _ in range(nH):
            x1, x2 = (x, x + B) if x + B < iw - 1 else (iw - B, iw)
            y1, y2 = (y, y + B) if y + B < ih - 1 else (ih - B, ih)
            crop = make_crop_region(iw, ih, (x1, y1, x2, y2), crop_factor)
            m = np.zeros((crop[3] - crop[1], crop[2] - crop[0]), F32)
            m[y1 - crop[1]:y2 - crop[1], x1 - crop[0]:x2 - crop[0]] = 1
            if excl is not None:
                m[excl[crop[1]:crop[3], crop[0]:crop[2]] != 0] = 0
            if A is not None:
                m[A[crop[1]:crop[3], crop[0]:crop[2]] == 0] = 0
            if m.any():
                segs.append(Seg(m, crop, (x1, y1, x2, y2)))
            x += B - oW
        y += B - oH
    return (ih, iw), segs


def mask_to_segs(mask, crop_factor=3.0, drop_size=10, combined=False, bbox_fill=False, contour_fill=False):
    """§3.2 Impact's mask_to_segs (MaskToSEGS) with the real OpenCV calls it makes. mask: [H,W] or
    [B,H,W]; the segments of every batch entry go into one list. Returns ((H, W), [Seg]) with
    bbox = (x1, y1, x2, y2) ints and label "A".
    combined: one segment per entry around all nonzero pixels. [quirk] that bbox ends at the last
    nonzero pixel, not one past it, and bbox_fill writes it at image coordinates into the crop.
    Otherwise: uint8(f32(255 v)) (values outside 0..1 wrap as NumPy's cast does),
    cv2.findContours(RETR_TREE, CHAIN_APPROX_SIMPLE), contours without a parent only, each filled
    with cv2.drawContours(thickness=-1) (so holes and what lies in them belong to the segment),
    bbox from cv2.boundingRect, kept when both sides exceed max(drop_size, 1)."""
    drop_size = max(drop_size, 1)
    mask = np.asarray(mask, F32)
    if mask.ndim == 2:
        mask = mask[None]
    H, W = mask.shape[1:]
    segs = []
    for M in mask:
        if combined:
            ys, xs = np.nonzero(M)
            if len(ys) == 0:
                continue
            bbox = (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))
            crop = make_crop_region(W, H, bbox, crop_factor)
            x1, y1, x2, y2 = crop
            if x2 - x1 > 0 and y2 - y1 > 0:
                cm = M[y1:y2, x1:x2]
                if bbox_fill:
                    bx1, by1, bx2, by2 = bbox
                    cm = cm.copy()
                    cm[by1:by2, bx1:bx2] = 1.0
                segs.append(Seg(cm, crop, bbox, "A"))
            continue
        import cv2  # only here: the other oracles do not need OpenCV
        U = (M * 255.0).astype(np.uint8)
        contours, tree = cv2.findContours(U, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
        for j, contour in enumerate(contours):
            if tree[0][j][3] != -1:
                continue
            S = np.zeros_like(U)
            cv2.drawContours(S, [contour], 0, 255, -1)
            S = np.array(S / 255.0).astype(F32)
            x, y, w, h = cv2.boundingRect(contour)
            bbox = (x, y, x + w, y + h)
            crop = make_crop_region(W, H, bbox, crop_factor, None)
            if w > drop_size and h > drop_size:
                src = S if contour_fill else M * S
                cm = np.array(src[crop[1]:crop[3], crop[0]:crop[2]])
                if bbox_fill:
                    cx1, cy1 = crop[0], crop[1]
                    cm[y - cy1:y + h - cy1, x - cx1:x + w - cx1] = 1.0
                cm = torch.clip(torch.from_numpy(cm), 0, 1.0).numpy()
                segs.append(Seg(cm, crop, bbox, "A"))
    return (H, W), segs


def bilinear(m, h, w):
    """torch interpolate, bilinear, align_corners False: [..., h0, w0] -> [..., h, w]."""
    t = torch.from_numpy(np.ascontiguousarray(m, F32))
    shape = t.shape
    t = t.reshape(-1, 1, shape[-2], shape[-1])
    r = TF.interpolate(t, size=(h, w), mode="bilinear", align_corners=False)
    return r.reshape(*shape[:-2], h, w).numpy()


def segs_scale_match(shape, segs, th, tw):
    h, w = shape
    if (h, w) == (th, tw) or h == 0 or w == 0:
        return segs
    rh, rw = th / h, tw / w
    out = []
    for s in segs:
        x1, y1, x2, y2 = s.crop
        c = [int(x1 * rw), int(y1 * rw), int(x2 * rh), int(y2 * rh)]  # [quirk] swapped factors
        nw, nh = c[2] - c[0], c[3] - c[1]
        b = s.bbox
        out.append(Seg(bilinear(s.mask, nh, nw), c, (int(b[0] * rw), int(b[1] * rw), int(b[2] * rh), int(b[3] * rh)),
                       s.label))
    return out


# ------------------------------------------------------------------ §4.4 blur
def blur_mask(mask, feather):
    """tensor_gaussian_blur_mask: [h,w] -> [1,h,w,1]."""
    m = torch.from_numpy(np.ascontiguousarray(mask, F32))[None, :, :, None]
    if feather <= 0:
        return m.numpy()
    k = 2 * feather + 1
    sm = min(m.shape[1], m.shape[2])
    if sm <= k:
        k = int(sm / 2)
        if k % 2 == 0:
            k += 1
        if k < 3:
            return m.numpy()
    half = (k - 1) * 0.5
    x = torch.linspace(-half, half, steps=k)
    pdf = torch.exp(-0.5 * (x / 10.0).pow(2))
    k1 = pdf / pdf.sum()
    k2 = torch.mm(k1[:, None], k1[None, :])
    t = m.permute(0, 3, 1, 2)
    p = k // 2
    t = TF.pad(t, [p, p, p, p], mode="reflect")
    t = TF.conv2d(t, k2[None, None])
    return t.permute(0, 2, 3, 1).numpy()


# ------------------------------------------------------------------ §2.7 paste
def tensor_paste(image1, image2, x, y, mask):
    h2, w2 = image2.shape[1:3]
    if mask.shape[1:3] != (h2, w2):
        mask = bilinear(mask[..., 0], h2, w2)[..., None]
    H, W = image1.shape[1:3]
    w, h = min(W, x + w2) - x, min(H, y + h2) - y
    if w <= 0 or h <= 0:
        return
    m = mask[:, :h, :w, :].astype(F32)
    a = image1[:, y:y + h, x:x + w, :]
    b = image2[:, :h, :w, :]
    image1[:, y:y + h, x:x + w, :] = ((F32(1) - m) * a).astype(F32) + (m * b).astype(F32)


# ------------------------------------------------------------------ models (eager)
class Models:
    """Eager tiny modules from the same files comfyc's packages were exported from."""

    def __init__(self, models_dir, ckpt="tiny-sd1-s1.safetensors", upscaler="tiny-esrgan-4x-s1.safetensors"):
        from comfyc_export import arch_esrgan, arch_vae, checkpoint
        sd, meta = checkpoint.load_state_dict(pathlib.Path(models_dir) / "checkpoints" / ckpt)
        self.unet, self.unet_cfg, _ = checkpoint.build_unet(sd, meta)
        vae, _ = checkpoint.build_vae(sd)
        self.enc, self.dec = arch_vae.VAEEncode(vae).eval(), arch_vae.VAEDecode(vae).eval()
        self.clip, _ = checkpoint.build_clip(sd, meta)
        self.layers = checkpoint.TextEncoderLayers(self.clip).eval()
        self.tok_dir = pathlib.Path(models_dir) / "checkpoints" / (ckpt + ".comfyc") / "tokenizer"
        usd, _ = checkpoint.load_state_dict(pathlib.Path(models_dir) / "upscale_models" / upscaler)
        self.esrgan, self.esrgan_cfg = arch_esrgan.build(usd)
        self.ms = ModelSampling()

    def encode_text(self, text):
        """CLIPTextEncode for a plain prompt (no weights, < 76 tokens): [1,77,D]."""
        from transformers import CLIPTokenizer
        tok = CLIPTokenizer(str(self.tok_dir / "vocab.json"), str(self.tok_dir / "merges.txt"))
        ids = tok(text, add_special_tokens=False)["input_ids"]
        ids = [49406] + ids + [49407]
        ids = ids + [49407] * (77 - len(ids))
        with torch.no_grad():
            hs = self.layers(torch.tensor([ids], dtype=torch.int64))
        return hs[-1]

    def vae_encode(self, pixels):
        """§5.1: centre crop to multiples of 8, 3 channels, mean."""
        H, W = pixels.shape[1:3]
        oy, ox = (H % 8) // 2, (W % 8) // 2
        p = pixels[:, oy:oy + H // 8 * 8, ox:ox + W // 8 * 8, :3]
        with torch.no_grad():
            return self.enc(torch.from_numpy(np.ascontiguousarray(p)))

    def vae_decode(self, lat):
        with torch.no_grad():
            return self.dec(lat).numpy()


class ModelSampling:
    def __init__(self):
        betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
        ac = torch.cumprod(1.0 - betas, dim=0)
        s = ((1 - ac) / ac) ** 0.5
        self.sigmas, self.log_sigmas = s.float(), s.log().float()

    def timestep(self, sigma):
        d = torch.as_tensor(sigma, dtype=torch.float32).log() - self.log_sigmas
        return int(d.abs().argmin())

    def sigma(self, t):
        t = torch.clamp(torch.as_tensor(t, dtype=torch.float32), 0, 999)
        lo, hi = t.floor().long(), t.ceil().long()
        w = t.frac()
        return ((1 - w) * self.log_sigmas[lo] + w * self.log_sigmas[hi]).exp()

    def schedule(self, name, n):
        if name == "normal":
            start, end = self.timestep(self.sigmas[-1]), self.timestep(self.sigmas[0])
            return np.array([float(self.sigma(t)) for t in torch.linspace(start, end, n)] + [0.0], F32)
        if name == "karras":
            smin, smax = float(self.sigmas[0]), float(self.sigmas[-1])
            ramp = torch.linspace(0, 1, n)
            lo, hi = smin ** (1 / 7), smax ** (1 / 7)
            return torch.cat([(hi + ramp * (lo - hi)) ** 7, torch.zeros(1)]).numpy()
        if name == "simple":
            ss = 1000 / n
            return np.array([float(self.sigmas[-(1 + int(x * ss))]) for x in range(n)] + [0.0], F32)
        raise KeyError(name)


# ------------------------------------------------------------------ sampling (Impact wrapper)
SCALE = F32(0.18215)


def impact_sample(M, seed, steps, cfg, sampler, scheduler, pos, neg, samples, noise_mask, denoise, dd,
                  sched_func=None):
    """ksampler_wrapper: A = floor(steps/denoise), sigmas[A-steps:], last denoised returned (sampling.md §9)."""
    A = int(math.floor(steps / denoise))
    full = sched_func(A) if sched_func else M.ms.schedule(scheduler, A)
    full = np.array(full, F32)
    if A < len(full) - 1:
        full = full[:A + 1].copy()
        full[-1] = 0
    start = A - steps
    if not start < len(full) - 1:
        return samples
    sig = full[start:]
    shape = tuple(samples.shape)
    eps = torch.randn(shape, generator=torch.manual_seed(seed))
    L = samples * SCALE if bool((samples != 0).any()) else samples
    smax = F32(M.ms.sigmas[999])
    maxd = sig[0] > smax or math.isclose(float(sig[0]), float(smax), rel_tol=1e-5)
    x = eps * SO.t_(SO.sqrt(F32(F32(1) + F32(sig[0] * sig[0])))) + L if maxd else eps * SO.t_(sig[0]) + L
    m = None
    if noise_mask is not None:
        mm = torch.from_numpy(np.ascontiguousarray(noise_mask, F32))
        mm = mm.reshape(-1, 1, mm.shape[-2], mm.shape[-1])
        mm = TF.interpolate(mm, size=shape[2:], mode="bilinear", align_corners=False)
        m = mm.repeat(math.ceil(shape[0] / mm.shape[0]), shape[1], 1, 1)[:shape[0]]
    sig_to = max(F32(M.ms.sigmas[0]), sig[-1])
    ctx = torch.cat([neg, pos], dim=0)

    def guided(xx, s):
        s = F32(s)
        xs = xx / SO.t_(SO.sqrt(F32(F32(s * s) + F32(1))))
        t = torch.full((2,), float(M.ms.timestep(s)))
        with torch.no_grad():
            out = M.unet(torch.cat([xs, xs]), t, ctx)
        u = xx - out[:1] * SO.t_(s)
        c = xx - out[1:] * SO.t_(s)
        return u + (c - u) * F32(cfg)

    def model(xx, s, with_u=False):
        mk = m
        if mk is not None:
            if dd:
                tf, tt, tc = M.ms.timestep(sig[0]), M.ms.timestep(sig_to), M.ms.timestep(s)
                thr = torch.tensor(float(tc - tt)) / torch.tensor(float(tf - tt))
                mk = (mk >= thr).to(mk.dtype)
            xx = xx * mk + (eps * SO.t_(s) + L) * (1 - mk)
        d = guided(xx, s)
        if mk is not None:
            d = d * mk + L * (1 - mk)
        return d
    last = []
    ns = SO.noise_sampler(SO.NOISE.get(sampler), shape, seed, full)
    SO.SAMPLERS[sampler](model, x, sig, ns, cb=lambda i, d: last.append(d))
    return last[-1] / SCALE


# ------------------------------------------------------------------ §2.6 img2img_segs, §5.3
def inpaint_model_conditioning(M, pixels, mask):
    """Returns (latent samples, noise mask [1,1,X,Y]); the concat entries are unused by 4-channel UNets."""
    H, W = pixels.shape[1:3]
    X, Y = H // 8 * 8, W // 8 * 8
    m = bilinear(mask.reshape(-1, mask.shape[-2], mask.shape[-1]), H, W)[:, None]
    if X != H or Y != W:
        oy, ox = (H % 8) // 2, (W % 8) // 2
        m = m[:, :, oy:oy + X, ox:ox + Y]
    return M.vae_encode(pixels), m


def img2img_segs(M, image, seed, steps, cfg, sampler, scheduler, pos, neg, denoise, noise_mask, inpaint_model,
                 noise_mask_feather, sched_func=None):
    h, w = image.shape[1:3]
    if h % 8 != 0 or w % 8 != 0:
        s = 8 / min(h, w) + 1
        image = tensor_resize(image, int(w * s), int(h * s))
    nm = blur_mask(noise_mask, noise_mask_feather)[..., 0]
    if inpaint_model:
        samples, lmask = inpaint_model_conditioning(M, image, nm)
    else:
        samples, lmask = M.vae_encode(image), nm
    out = impact_sample(M, seed, steps, cfg, sampler, scheduler, pos, neg, samples, lmask, denoise,
                        noise_mask_feather > 0, sched_func)
    dec = M.vae_decode(out)
    if dec.shape[1:3] != (h, w):
        dec = tensor_resize(dec, w, h)
    return dec


# ------------------------------------------------------------------ §2.2 top level
def segs_upscaler(M, image, shape, segs, rescale_factor, resampling_method, supersample, seed, steps, cfg,
                  sampler_name, scheduler, pos, neg, denoise, feather, inpaint_model, noise_mask_feather,
                  upscale=False, stage_a_only=False, log=None, sched_func=None):
    new = stage_a(image, rescale_factor, resampling_method, supersample, M.esrgan if upscale else None)
    if stage_a_only:
        return new
    segs = segs_scale_match(shape, segs, new.shape[1], new.shape[2])
    for i, s in enumerate(segs):
        x1, y1, x2, y2 = s.crop
        crop = new[:, y1:y2, x1:x2, :].copy()
        pm = blur_mask(s.mask, feather)
        if not s.mask.any():
            log is not None and log.append((i, "skipped"))
            continue
        ref = img2img_segs(M, crop, seed + i, steps, cfg, sampler_name, scheduler, pos, neg, denoise, s.mask,
                           inpaint_model, noise_mask_feather, sched_func)
        tensor_paste(new, ref, x1, y1, pm)
        log is not None and log.append((i, "pasted"))
    return new


# GITS (coeff 1.20) noise levels for 8 steps, from sampling.md Appendix A (row "steps=8": indices
# 0 17 35 52 68 82 91 96 97 into the distinct-level list); the last level becomes 0 (§2.10).
GITS_1_20_STEPS_8 = [14.61464119, 5.85520077, 2.45070267, 1.36964464, 0.803307, 0.45573691, 0.25053367,
                     0.09824532, 0.0]


def gits_1_20(steps):
    assert steps == 8, "the oracle carries the 8-step GITS row only"
    return np.array(GITS_1_20_STEPS_8, F32)


def psnr(a, b):
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * math.log10(1.0 / mse)
