"""Real-ESRGAN's SRVGGNetCompact upscale models (realesr-general-x4v3, realesr-animevideov3, community
"Compact" models), against an eager oracle written here with torch.nn.functional ops straight from the
state-dict keys: body.<even> 3x3 convolutions, body.<odd> PReLU weights, the last convolution
pixel-shuffled by the scale, plus the input upsampled nearest-neighbour by the scale."""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

import cfy_models  # noqa: E402
from tiny_models import BUILD, EXPORT_PATH  # noqa: E402


def compact_sd(nf, num_conv, scale, seed=0, in_nc=3, prelu_params=None):
    """A random state dict in the compact key layout."""
    g = torch.Generator().manual_seed(seed)
    sd, i = {}, 0
    n_act = nf if prelu_params is None else prelu_params
    convs = [(nf, in_nc)] + [(nf, nf)] * num_conv + [(in_nc * scale * scale, nf)]
    for j, (co, ci) in enumerate(convs):
        sd[f"body.{i}.weight"] = torch.randn(co, ci, 3, 3, generator=g) / math.sqrt(ci * 9)
        sd[f"body.{i}.bias"] = torch.randn(co, generator=g) * 0.05
        i += 1
        if j < len(convs) - 1:
            sd[f"body.{i}.weight"] = torch.rand(n_act, generator=g) * 0.5
            i += 1
    return sd


def oracle(sd, x):
    last = max(int(k.split(".")[1]) for k in sd)
    h = x
    for i in range(0, last, 2):
        h = F.prelu(F.conv2d(h, sd[f"body.{i}.weight"], sd[f"body.{i}.bias"], padding=1), sd[f"body.{i + 1}.weight"])
    h = F.conv2d(h, sd[f"body.{last}.weight"], sd[f"body.{last}.bias"], padding=1)
    s = math.isqrt(h.shape[1] // x.shape[1])
    return F.pixel_shuffle(h, s) + F.interpolate(x, scale_factor=s, mode="nearest")


@pytest.mark.parametrize("scale", [1, 2, 4])
@pytest.mark.parametrize("nf,num_conv,prelu_params", [(8, 2, None), (24, 5, None), (16, 3, 1)])
def test_compact_matches_oracle(scale, nf, num_conv, prelu_params):
    from comfyc_export import arch_compact
    sd = compact_sd(nf, num_conv, scale, seed=scale * 100 + nf, prelu_params=prelu_params)
    assert arch_compact.matches(sd)
    net, cfg = arch_compact.build(sd)
    assert cfg == dict(in_nc=3, out_nc=3, nf=nf, num_conv=num_conv, scale=scale, prelu_params=prelu_params or nf)
    x = torch.rand(2, 3, 9, 13, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref, got = oracle(sd, x), net(x)
    assert got.shape == ref.shape == (2, 3, 9 * scale, 13 * scale)
    assert float((got - ref).norm() / ref.norm()) <= 1e-6


def test_esrgan_layouts_are_not_compact():
    from comfyc_export import arch_compact, arch_esrgan
    assert not arch_compact.matches(arch_esrgan.RRDBNet(nf=8, nb=1, gc=4).state_dict())
    assert not arch_compact.matches({"model.0.weight": torch.zeros(1), "body.0.weight": torch.zeros(1)})


def _drop(sd, *keys):
    return {k: v for k, v in sd.items() if k not in keys}


@pytest.mark.parametrize("mutate,match", [
    # ReLU/LeakyReLU variants: no activation keys at all
    (lambda sd: {k: v for k, v in sd.items() if int(k.split(".")[1]) % 2 == 0}, "without PReLU weights"),
    (lambda sd: _drop(sd, "body.3.weight"), r"layers \[3\] are missing"),
    (lambda sd: _drop(sd, "body.2.bias"), "body.2 has"),
    (lambda sd: {**sd, "body.6.extra": torch.zeros(1)}, "unexpected key"),
    (lambda sd: {**sd, "body.2.weight": torch.zeros(8, 8, 5, 5)}, "body.2.weight has shape"),
    (lambda sd: {**sd, "body.3.weight": torch.zeros(5)}, "body.3.weight has shape"),
    (lambda sd: {**sd, "body.8.weight": torch.zeros(15, 8, 3, 3), "body.8.bias": torch.zeros(15)}, "integer scale"),
    (lambda sd: {**sd, "body.9.weight": torch.zeros(8)}, "expected a convolution"),
])
def test_malformed_compact_is_refused(mutate, match):
    from comfyc_export import arch_compact, checkpoint
    sd = compact_sd(8, 3, 2)  # body.0 .. body.8
    with pytest.raises(checkpoint.ExportError, match=match):
        arch_compact.build(mutate(sd))


def test_malformed_compact_is_refused_by_the_cli(tmp_path):
    sd = compact_sd(8, 2, 4)
    sd["body.6.weight"] = torch.zeros(40, 8, 3, 3)  # 40 outputs: not 3 x scale^2
    sd["body.6.bias"] = torch.zeros(40)
    src = tmp_path / "bad-compact.pth"
    torch.save(sd, src)
    env = dict(os.environ, PYTHONPATH=str(EXPORT_PATH))
    r = subprocess.run([sys.executable, "-m", "comfyc_export", "upscale", str(src), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1 and "SRVGGNetCompact" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o" / (src.name + ".comfyc")).exists()


def test_compact_x4_exports_and_runs():
    """A small compact x4 model saved as .pth (in a "params" wrapper, as Real-ESRGAN ships them),
    compiled through `comfyc-export upscale` and run from C."""
    pytest.importorskip("safetensors")
    out = BUILD / "models-layouts"
    out.mkdir(parents=True, exist_ok=True)
    src = out / "compact-4x.pth"
    if not src.exists():
        torch.save({"params": compact_sd(16, 4, 4, seed=7)}, src)
    sd = torch.load(src, map_location="cpu", weights_only=True)["params"]
    env = dict(os.environ, PYTHONPATH=str(EXPORT_PATH))
    r = subprocess.run([sys.executable, "-m", "comfyc_export", "upscale", str(src), "--out", str(out)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    pkg_dir = out / (src.name + ".comfyc")
    man = json.loads((pkg_dir / "manifest.json").read_text())
    assert man["architecture"] == "SRVGGNetCompact" and man["scale"] == 4
    assert man["config"] == dict(in_nc=3, out_nc=3, nf=16, num_conv=4, scale=4, prelu_params=16)
    h_dim = man["components"]["upscaler"]["inputs"][0]["shape"][2]
    assert h_dim["min"] == 2 and h_dim["mul"] == 1
    pkg = cfy_models.Package(pkg_dir)
    x = np.random.default_rng(2).uniform(0, 1, (2, 3, 11, 14)).astype(np.float32)
    st, res = pkg.run("upscaler", x)
    pkg.close()
    assert st == 0, str(res)
    with torch.no_grad():
        ref = oracle(sd, torch.from_numpy(x)).numpy()
    assert res[0].shape == ref.shape == (2, 3, 44, 56)
    assert np.linalg.norm(res[0] - ref) <= 1e-4 * np.linalg.norm(ref)
