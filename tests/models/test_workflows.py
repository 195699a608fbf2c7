"""End-to-end txt2img and img2img workflows with the tiny models, from JSON through the comfyc
CLI, against a Python oracle that runs the same eager tiny modules with the same noise and
sampler (euler, normal schedule, CFG; spec sampling.md §1–5). PSNR >= 40 dB on the images."""
import json
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tiny_models import BUILD, CKPT, CKPT_SD2, CKPT_SDXL  # noqa: E402
from test_text_encode import Family, SdxlFamily  # noqa: E402

SCALE = 0.18215


def has_node(name):
    r = subprocess.run([str(BUILD / "comfyc"), "nodes"], capture_output=True, text=True)
    return any(line.split()[:1] == [name] for line in r.stdout.splitlines())


def psnr(a, b):
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(1.0 / mse)


class Oracle:
    """ComfyUI's discrete model sampling (EPS or V prediction) + normal scheduler + euler + CFG,
    on eager modules; SDXL adds its latent scale and the UNet's y vector (spec sampling.md §1.8).
    The text encoder oracles come from test_text_encode (Family, SdxlFamily)."""

    def __init__(self, models, ckpt):
        from comfyc_export import checkpoint
        sd, meta = checkpoint.load_state_dict(models / "checkpoints" / ckpt)
        self.unet, _, _ = checkpoint.build_unet(sd, meta)
        self.vae, _ = checkpoint.build_vae(sd)
        self.sdxl = meta.get("comfyc.family") == "sdxl"
        self.family = (SdxlFamily if self.sdxl else Family)(models, ckpt)
        self.family.pkg.close()
        self.v_prediction = meta["comfyc.prediction"] == "v"
        self.scale = 0.13025 if self.sdxl else SCALE
        betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
        acp = torch.cumprod(1.0 - betas, dim=0)
        self.sigmas = (((1 - acp) / acp) ** 0.5).float()
        self.log_sigmas = self.sigmas.log()

    def cond(self, text, text_g=None, size=None):
        """(cond [1,T,D], pooled [1,P], SDXL size conditioning or None). text_g/size: CLIPTextEncodeSDXL
        (text = text_l; size = height, width, crop_h, crop_w, target_height, target_width)."""
        c, p = self.family.encode(text) if text_g is None else self.family.encode(text, text_g=text_g)
        return torch.from_numpy(c), torch.from_numpy(p), size

    @staticmethod
    def adm(pooled, vals):
        """SDXL y: [pooled | e(v) for v in vals], e = 128 cosines then 128 sines."""
        f = torch.exp(-torch.log(torch.tensor(10000.0)) * torch.arange(128, dtype=torch.float32) / 128.0)
        parts = [pooled.reshape(-1)]
        for v in vals:
            a = torch.tensor(float(v), dtype=torch.float32) * f
            parts += [torch.cos(a), torch.sin(a)]
        return torch.cat(parts)[None]

    def timestep(self, s):
        return (s.log() - self.log_sigmas).abs().argmin().float()

    def sigma(self, t):
        t = torch.clamp(t, 0, 999)
        lo, hi = t.floor().long(), t.ceil().long()
        w = t - t.floor()
        return ((1 - w) * self.log_sigmas[lo] + w * self.log_sigmas[hi]).exp()

    def normal(self, n):
        ts = torch.linspace(999, 0, n, dtype=torch.float32)
        return torch.cat([torch.stack([self.sigma(t) for t in ts]), torch.zeros(1)])

    def schedule(self, steps, denoise):
        if denoise > 0.9999:
            return self.normal(steps)
        return self.normal(int(steps / denoise))[-(steps + 1):]

    def denoise_fn(self, x, s, pos, neg, cfg):
        b = x.shape[0]
        xin = x / torch.sqrt(s * s + 1.0)
        import math  # prompts of different lengths are repeated to a common multiple, as ComfyUI batches them
        T = math.lcm(neg[0].shape[1], pos[0].shape[1])
        ctx = torch.cat([neg[0].repeat(b, T // neg[0].shape[1], 1), pos[0].repeat(b, T // pos[0].shape[1], 1)])
        t = self.timestep(s).repeat(2 * b)
        extra = []
        if self.sdxl:  # y from each prompt's pooled output and its size (default: the latent's, no crop)
            h, w = x.shape[2] * 8, x.shape[3] * 8
            sizes = [c[2] or (h, w, 0, 0, h, w) for c in (neg, pos)]
            extra = [torch.cat([self.adm(neg[1], sizes[0]).repeat(b, 1), self.adm(pos[1], sizes[1]).repeat(b, 1)])]
        with torch.no_grad():
            out = self.unet(torch.cat([xin, xin]), t, ctx, *extra)
        xx = torch.cat([x, x])
        if self.v_prediction:  # sigma_data = 1
            den = xx / (s * s + 1.0) - out * s / torch.sqrt(s * s + 1.0)
        else:
            den = xx - out * s
        u, c = den[:b], den[b:]
        return u + (c - u) * torch.tensor(cfg, dtype=torch.float32)

    def sample(self, latent, seed, steps, cfg, denoise, pos, neg):
        sig = self.schedule(steps, denoise)
        noise = torch.randn(latent.shape, generator=torch.manual_seed(seed), dtype=torch.float32)
        x0 = latent * self.scale
        smax = float(self.sigmas[-1])
        s0 = float(sig[0])
        maxd = s0 > smax or abs(s0 - smax) <= 1e-5 * max(abs(s0), abs(smax))
        x = (noise * torch.sqrt(1.0 + sig[0] ** 2) if maxd else noise * sig[0]) + x0
        for i in range(len(sig) - 1):
            d = (x - self.denoise_fn(x, sig[i], pos, neg, cfg)) / sig[i]
            x = x + d * (sig[i + 1] - sig[i])
        return x / self.scale

    def decode(self, lat):
        from comfyc_export import arch_vae
        with torch.no_grad():
            return arch_vae.VAEDecode(self.vae)(lat).numpy()

    def encode(self, img):
        from comfyc_export import arch_vae
        with torch.no_grad():
            return arch_vae.VAEEncode(self.vae)(img)


@pytest.fixture(scope="module")
def oracles(tiny_models):
    """ckpt name -> its Oracle (built once per module)."""
    if not has_node("KSampler"):
        pytest.skip("KSampler not registered in this build")
    pytest.importorskip("transformers")
    cache = {}

    def get(ckpt):
        if ckpt not in cache:
            cache[ckpt] = Oracle(tiny_models, ckpt)
        return cache[ckpt]
    return get


def run(tmp_path, wf, models, dumps):
    p = tmp_path / "wf.json"
    p.write_text(json.dumps(wf))
    cmd = [str(BUILD / "comfyc"), "run", str(p), "--models", str(models), "--output-dir", str(tmp_path / "out"),
           "--input-dir", str(tmp_path / "in"), "-q"]
    for d in dumps:
        cmd += ["--dump", d]
    return subprocess.run(cmd, capture_output=True, text=True)


POS, NEG = "a photo of a (cat:1.2) on grass", "blurry, low quality"


def base(sampler_inputs, ckpt=CKPT):
    return {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ckpt}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": POS, "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": NEG, "clip": ["4", 1]}},
        "3": {"class_type": "KSampler", "inputs": dict({"model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
                                                        "sampler_name": "euler", "scheduler": "normal"}, **sampler_inputs)},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "e2e"}},
    }


@pytest.mark.parametrize("ckpt,seed,steps,cfg,width,height", [
    (CKPT, 42, 6, 5.0, 64, 48),
    # SD2.x: OpenCLIP text encoder (penultimate layer, pad 0) and v-prediction
    (CKPT_SD2, 1234, 5, 6.0, 56, 40),
    # SDXL: CLIP-L + bigG without the final norm, per-block transformer depths, the y vector, scale 0.13025
    (CKPT_SDXL, 77, 5, 7.0, 48, 64)])
def test_txt2img(tmp_path, tiny_models, oracles, ckpt, seed, steps, cfg, width, height):
    oracle = oracles(ckpt)
    wf = base({"seed": seed, "steps": steps, "cfg": cfg, "denoise": 1.0, "latent_image": ["5", 0]}, ckpt)
    wf["5"] = {"class_type": "EmptyLatentImage", "inputs": {"width": width, "height": height, "batch_size": 1}}
    r = run(tmp_path, wf, tiny_models, [f"8={tmp_path}/img.npy"])
    assert r.returncode == 0, r.stderr
    lat = oracle.sample(torch.zeros(1, 4, height // 8, width // 8), seed, steps, cfg, 1.0, oracle.cond(POS),
                        oracle.cond(NEG))
    ref = oracle.decode(lat)
    got = np.load(tmp_path / "img.npy")
    assert got.shape == ref.shape == (1, height, width, 3)
    print(f"PSNR {psnr(got, ref):.1f} dB")
    assert psnr(got, ref) >= 40.0


def test_img2img(tmp_path, tiny_models, oracles):
    oracle = oracles(CKPT)
    from PIL import Image
    src = np.random.default_rng(5).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    (tmp_path / "in").mkdir()
    Image.fromarray(src).save(tmp_path / "in" / "src.png")
    wf = base({"seed": 7, "steps": 5, "cfg": 4.0, "denoise": 0.5, "latent_image": ["10", 0]})
    wf["11"] = {"class_type": "LoadImage", "inputs": {"image": "src.png"}}
    wf["10"] = {"class_type": "VAEEncode", "inputs": {"pixels": ["11", 0], "vae": ["4", 2]}}
    r = run(tmp_path, wf, tiny_models, [f"8={tmp_path}/img.npy"])
    assert r.returncode == 0, r.stderr
    lat0 = oracle.encode(torch.from_numpy(src.astype(np.float32) / 255.0)[None])
    lat = oracle.sample(lat0, 7, 5, 4.0, 0.5, oracle.cond(POS), oracle.cond(NEG))
    ref = oracle.decode(lat)
    got = np.load(tmp_path / "img.npy")
    assert got.shape == ref.shape == (1, 40, 56, 3)
    print(f"PSNR {psnr(got, ref):.1f} dB")
    assert psnr(got, ref) >= 40.0



def test_clip_text_encode_sdxl(tmp_path, tiny_models, oracles):
    """CLIPTextEncodeSDXL: text_l for CLIP-L, text_g for CLIP-G (a long text_l gives CLIP-L more
    windows: CLIP-G is padded with empty ones) and its size inputs in the y vector."""
    oracle = oracles(CKPT_SDXL)
    text_l, text_g = "a (watercolor:1.2) painting, " + "soft light, " * 30, "a castle on a hill"
    size = {"width": 1024, "height": 768, "crop_w": 16, "crop_h": 32, "target_width": 2048, "target_height": 1536}
    wf = base({"seed": 5, "steps": 4, "cfg": 6.0, "denoise": 1.0, "latent_image": ["5", 0]}, CKPT_SDXL)
    wf["6"] = {"class_type": "CLIPTextEncodeSDXL", "inputs": dict(size, text_g=text_g, text_l=text_l, clip=["4", 1])}
    wf["5"] = {"class_type": "EmptyLatentImage", "inputs": {"width": 40, "height": 56, "batch_size": 1}}
    r = run(tmp_path, wf, tiny_models, [f"8={tmp_path}/img.npy"])
    assert r.returncode == 0, r.stderr
    vals = tuple(size[k] for k in ("height", "width", "crop_h", "crop_w", "target_height", "target_width"))
    pos = oracle.cond(text_l, text_g=text_g, size=vals)
    assert pos[0].shape[1] == 2 * 77  # two windows each
    lat = oracle.sample(torch.zeros(1, 4, 7, 5), 5, 4, 6.0, 1.0, pos, oracle.cond(NEG))
    ref = oracle.decode(lat)
    got = np.load(tmp_path / "img.npy")
    assert got.shape == ref.shape == (1, 56, 40, 3)
    print(f"PSNR {psnr(got, ref):.1f} dB")
    assert psnr(got, ref) >= 40.0
    # the size inputs reach the UNet: other sizes, another image
    wf["6"]["inputs"].update(width=512, target_width=512)
    r = run(tmp_path, wf, tiny_models, [f"8={tmp_path}/img2.npy"])
    assert r.returncode == 0, r.stderr
    assert psnr(np.load(tmp_path / "img2.npy"), got) < 60.0


def test_clip_text_encode_sdxl_needs_sdxl(tmp_path, tiny_models):
    wf = base({"seed": 5, "steps": 1, "cfg": 6.0, "denoise": 1.0, "latent_image": ["5", 0]})
    wf["6"] = {"class_type": "CLIPTextEncodeSDXL", "inputs": {"width": 1024, "height": 1024, "crop_w": 0, "crop_h": 0,
                                                             "target_width": 1024, "target_height": 1024, "text_g": "a",
                                                             "text_l": "b", "clip": ["4", 1]}}
    wf["5"] = {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}}
    r = run(tmp_path, wf, tiny_models, [])
    assert r.returncode == 1 and "CLIPTextEncodeSDXL" in r.stderr and "SDXL CLIP" in r.stderr, r.stderr
