"""arch_esrgan — ESRGAN's RRDBNet in the BasicSR / Real-ESRGAN key layout (conv_first, body.N.rdbM.convK, ...).

Written from the published architecture (Wang et al., "ESRGAN", 2018; Real-ESRGAN's x2 and x1
variants fold 2x2 / 4x4 pixels into channels first). Files in the original ESRGAN repository's
layout (`model.0`, `model.1.sub.N.RDBM.convK.0`, ..., as most community upscalers such as
4x-UltraSharp are distributed) are converted to this layout first; their scale comes from the
number of upsampling convolutions (x1, x2, x4, x8). Input and output are NCHW images in 0..1
(the output is not clamped; comfyc clamps after tiling, as ComfyUI does).
"""
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

from .checkpoint import ExportError


class ResidualDenseBlock(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.conv1 = nn.Conv2d(nf, gc, 3, 1, 1)
        self.conv2 = nn.Conv2d(nf + gc, gc, 3, 1, 1)
        self.conv3 = nn.Conv2d(nf + 2 * gc, gc, 3, 1, 1)
        self.conv4 = nn.Conv2d(nf + 3 * gc, gc, 3, 1, 1)
        self.conv5 = nn.Conv2d(nf + 4 * gc, nf, 3, 1, 1)

    def forward(self, x):
        a = lambda t: F.leaky_relu(t, 0.2)
        x1 = a(self.conv1(x))
        x2 = a(self.conv2(torch.cat((x, x1), 1)))
        x3 = a(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = a(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        return self.conv5(torch.cat((x, x1, x2, x3, x4), 1)) * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.rdb1, self.rdb2, self.rdb3 = ResidualDenseBlock(nf, gc), ResidualDenseBlock(nf, gc), ResidualDenseBlock(nf, gc)

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    """scale = 2**n_up / unshuffle: Real-ESRGAN x2/x1 fold unshuffle x unshuffle pixels into
    channels before two 2x upsamplings; original-layout x1/x2/x8 models use 0/1/3 upsamplings."""

    def __init__(self, in_nc=3, out_nc=3, nf=64, nb=23, gc=32, scale=4, unshuffle=None, n_up=2):
        super().__init__()
        self.unshuffle = {1: 4, 2: 2, 4: 1}[scale] if unshuffle is None else unshuffle
        self.n_up = n_up
        self.scale = 2 ** n_up // self.unshuffle
        self.conv_first = nn.Conv2d(in_nc * self.unshuffle ** 2, nf, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(nf, gc) for _ in range(nb)])
        self.conv_body = nn.Conv2d(nf, nf, 3, 1, 1)
        for i in range(1, n_up + 1):
            setattr(self, f"conv_up{i}", nn.Conv2d(nf, nf, 3, 1, 1))
        self.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_last = nn.Conv2d(nf, out_nc, 3, 1, 1)

    def forward(self, x):
        if self.unshuffle > 1:
            x = F.pixel_unshuffle(x, self.unshuffle)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        a = lambda t: F.leaky_relu(t, 0.2)
        for i in range(1, self.n_up + 1):
            feat = a(getattr(self, f"conv_up{i}")(F.interpolate(feat, scale_factor=2.0, mode="nearest")))
        return self.conv_last(a(self.conv_hr(feat)))


def from_original_layout(sd):
    """Original ESRGAN repository keys -> BasicSR keys; returns (state dict, number of upsamplings).

    model.0 = conv_first; model.1.sub.N.RDBM.convK.0 = body.N.rdbM.convK; model.1.sub.<nb> =
    conv_body; then the remaining model.K convolutions in order: the upsampling ones, conv_hr, conv_last."""
    out, tail = {}, set()
    for k, v in sd.items():
        m = re.match(r"model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.(weight|bias)$", k)
        if m:
            out[f"body.{m[1]}.rdb{m[2]}.conv{m[3]}.{m[4]}"] = v
            continue
        m = re.match(r"model\.1\.sub\.(\d+)\.(weight|bias)$", k)
        if m:
            out[f"conv_body.{m[2]}"] = v
            continue
        m = re.match(r"model\.(\d+)\.(weight|bias)$", k)
        if not m:
            raise ExportError(f"original-layout ESRGAN: unexpected key {k!r}")
        if m[1] == "0":
            out[f"conv_first.{m[2]}"] = v
        else:
            tail.add(int(m[1]))
    convs = sorted(tail)
    if len(convs) < 2:
        raise ExportError("original-layout ESRGAN without HR and last convolutions")
    names = [f"conv_up{i + 1}" for i in range(len(convs) - 2)] + ["conv_hr", "conv_last"]
    for idx, name in zip(convs, names):
        for wb in ("weight", "bias"):
            out[f"{name}.{wb}"] = sd[f"model.{idx}.{wb}"]
    return out, len(convs) - 2


def build(sd):
    """RRDBNet from a BasicSR-layout or original-layout state dict; returns (module, config)."""
    n_up = 2
    if "model.0.weight" in sd and "model.1.sub.0.RDB1.conv1.0.weight" in sd:
        sd, n_up = from_original_layout(sd)
    if "conv_first.weight" not in sd or "conv_last.weight" not in sd:
        raise ExportError("not an ESRGAN (BasicSR/Real-ESRGAN or original ESRGAN key layout) or SRVGGNetCompact "
                          "upscale model; other architectures are not supported yet")
    nf, cin = sd["conv_first.weight"].shape[:2]
    out_nc = sd["conv_last.weight"].shape[0]
    in_nc = out_nc
    unshuffle = {in_nc: 1, in_nc * 4: 2, in_nc * 16: 4}.get(cin)
    if unshuffle is None:
        raise ExportError(f"ESRGAN conv_first has {cin} input channels: cannot tell the scale")
    if 2 ** n_up % unshuffle:
        raise ExportError(f"ESRGAN with {n_up} upsamplings and a {unshuffle}x{unshuffle} pixel fold is not supported")
    nb = len({m.group(1) for k in sd for m in [re.match(r"body\.(\d+)\.", k)] if m})
    gc = sd["body.0.rdb1.conv1.weight"].shape[0]
    cfg = dict(in_nc=in_nc, out_nc=out_nc, nf=nf, nb=nb, gc=gc, scale=2 ** n_up // unshuffle, unshuffle=unshuffle,
               n_up=n_up)
    net = RRDBNet(**cfg)
    net.load_state_dict(sd, strict=True)
    return net.eval(), cfg


def make_tiny(seed, path, scale=4):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = RRDBNet(nf=16, nb=1, gc=8, scale=scale)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * 0.02)
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path),
              metadata={"comfyc.tiny_seed": str(seed)})
    return path
