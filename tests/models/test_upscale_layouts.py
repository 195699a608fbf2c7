"""Upscale models in the original ESRGAN repository's key layout (model.0, model.1.sub.N.RDBM.convK.0,
..., how most community .pth upscalers such as 4x-UltraSharp ship), against an oracle built the way
that repository builds the network: nn.Sequential containers whose state-dict keys ARE that layout.
The exporter converts the keys to its BasicSR-layout module; both must compute the same image."""
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import cfy_models  # noqa: E402
from tiny_models import BUILD, EXPORT_PATH  # noqa: E402


class ResidualDenseBlock5(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        act = lambda: nn.LeakyReLU(0.2)  # noqa: E731
        self.conv1 = nn.Sequential(nn.Conv2d(nf, gc, 3, 1, 1), act())
        self.conv2 = nn.Sequential(nn.Conv2d(nf + gc, gc, 3, 1, 1), act())
        self.conv3 = nn.Sequential(nn.Conv2d(nf + 2 * gc, gc, 3, 1, 1), act())
        self.conv4 = nn.Sequential(nn.Conv2d(nf + 3 * gc, gc, 3, 1, 1), act())
        self.conv5 = nn.Sequential(nn.Conv2d(nf + 4 * gc, nf, 3, 1, 1))

    def forward(self, x):
        x1 = self.conv1(x)
        x2 = self.conv2(torch.cat((x, x1), 1))
        x3 = self.conv3(torch.cat((x, x1, x2), 1))
        x4 = self.conv4(torch.cat((x, x1, x2, x3), 1))
        return self.conv5(torch.cat((x, x1, x2, x3, x4), 1)).mul(0.2) + x


class RRDB(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.RDB1, self.RDB2, self.RDB3 = (ResidualDenseBlock5(nf, gc) for _ in range(3))

    def forward(self, x):
        return self.RDB3(self.RDB2(self.RDB1(x))).mul(0.2) + x


class ShortcutBlock(nn.Module):
    def __init__(self, sub):
        super().__init__()
        self.sub = sub

    def forward(self, x):
        return x + self.sub(x)


def original_esrgan(n_up, nf=16, nb=2, gc=8, seed=0):
    """model.0 conv, model.1 shortcut(RRDBs + conv), per upsampling [Upsample, conv, LeakyReLU],
    HR conv, LeakyReLU, last conv — the original repository's Sequential."""
    torch.manual_seed(seed)
    layers = [nn.Conv2d(3, nf, 3, 1, 1), ShortcutBlock(nn.Sequential(*[RRDB(nf, gc) for _ in range(nb)],
                                                                       nn.Conv2d(nf, nf, 3, 1, 1)))]
    for _ in range(n_up):
        layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(nf, nf, 3, 1, 1), nn.LeakyReLU(0.2)]
    layers += [nn.Conv2d(nf, nf, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(nf, 3, 3, 1, 1)]
    net = nn.Module()
    net.model = nn.Sequential(*layers)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn(p.shape) * 0.03)
    return net.eval()


@pytest.mark.parametrize("n_up,scale", [(0, 1), (1, 2), (2, 4), (3, 8)])
def test_original_layout_converts(n_up, scale):
    from comfyc_export import arch_esrgan
    oracle = original_esrgan(n_up)
    sd = oracle.state_dict()
    assert "model.1.sub.0.RDB1.conv1.0.weight" in sd and f"model.{2 + 3 * n_up + 2}.weight" in sd
    net, cfg = arch_esrgan.build(sd)
    assert cfg["scale"] == scale and cfg["unshuffle"] == 1 and cfg["n_up"] == n_up and cfg["nb"] == 2
    x = torch.rand(1, 3, 9, 11, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref, got = oracle.model(x), net(x)
    assert got.shape == ref.shape == (1, 3, 9 * scale, 11 * scale)
    assert float((got - ref).norm() / ref.norm()) <= 1e-6


def test_original_layout_bad_keys_are_refused():
    from comfyc_export import arch_esrgan, checkpoint
    sd = original_esrgan(2).state_dict()
    sd["model.1.sub.0.extra.weight"] = torch.zeros(1)
    with pytest.raises(checkpoint.ExportError, match="unexpected key"):
        arch_esrgan.build(sd)


def test_original_layout_x2_exports_and_runs(tmp_path):
    """Compiled through `comfyc-export upscale` from a .pth file and run from C (one upsampling and no
    pixel fold: a combination the tiny BasicSR model does not cover)."""
    pytest.importorskip("safetensors")
    oracle = original_esrgan(1, seed=3)
    out = BUILD / "models-layouts"
    out.mkdir(parents=True, exist_ok=True)
    src = out / "orig-esrgan-2x.pth"
    if not src.exists():
        torch.save(oracle.state_dict(), src)
    env = dict(os.environ, PYTHONPATH=str(EXPORT_PATH))
    r = subprocess.run([sys.executable, "-m", "comfyc_export", "upscale", str(src), "--out", str(out)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    pkg = cfy_models.Package(out / (src.name + ".comfyc"))
    x = np.random.default_rng(2).uniform(0, 1, (2, 3, 10, 14)).astype(np.float32)
    st, res = pkg.run("upscaler", x)
    pkg.close()
    assert st == 0, str(res)
    with torch.no_grad():
        ref = oracle.model(torch.from_numpy(x)).numpy()
    assert res[0].shape == ref.shape == (2, 3, 20, 28)
    assert np.linalg.norm(res[0] - ref) <= 1e-4 * np.linalg.norm(ref)
