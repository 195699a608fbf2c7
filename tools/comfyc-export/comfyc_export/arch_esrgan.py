"""arch_esrgan — ESRGAN's RRDBNet with the BasicSR / Real-ESRGAN key layout (conv_first, body.N.rdbM.convK, ...).

Written from the published architecture (Wang et al., "ESRGAN", 2018; Real-ESRGAN's x2 variant
folds 2x2 pixels into channels first). Input and output are NCHW images in 0..1 (the output is
not clamped; comfyc clamps after tiling, as ComfyUI does).
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
    def __init__(self, in_nc=3, out_nc=3, nf=64, nb=23, gc=32, scale=4):
        super().__init__()
        self.scale = scale
        fold = {1: 16, 2: 4, 4: 1}[scale]
        self.conv_first = nn.Conv2d(in_nc * fold, nf, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(nf, gc) for _ in range(nb)])
        self.conv_body = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_last = nn.Conv2d(nf, out_nc, 3, 1, 1)

    def forward(self, x):
        if self.scale == 2:
            x = F.pixel_unshuffle(x, 2)
        elif self.scale == 1:
            x = F.pixel_unshuffle(x, 4)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        a = lambda t: F.leaky_relu(t, 0.2)
        feat = a(self.conv_up1(F.interpolate(feat, scale_factor=2.0, mode="nearest")))
        feat = a(self.conv_up2(F.interpolate(feat, scale_factor=2.0, mode="nearest")))
        return self.conv_last(a(self.conv_hr(feat)))


def build(sd):
    """RRDBNet from a BasicSR-layout state dict; returns (module, config)."""
    if "conv_first.weight" not in sd or "conv_last.weight" not in sd:
        raise ExportError("not an ESRGAN (BasicSR/Real-ESRGAN key layout) upscale model; other architectures "
                          "are not supported yet")
    nf, cin = sd["conv_first.weight"].shape[:2]
    out_nc = sd["conv_last.weight"].shape[0]
    in_nc = out_nc
    scale = {in_nc: 4, in_nc * 4: 2, in_nc * 16: 1}.get(cin)
    if scale is None:
        raise ExportError(f"ESRGAN conv_first has {cin} input channels: cannot tell the scale")
    nb = len({m.group(1) for k in sd for m in [re.match(r"body\.(\d+)\.", k)] if m})
    gc = sd["body.0.rdb1.conv1.weight"].shape[0]
    cfg = dict(in_nc=in_nc, out_nc=out_nc, nf=nf, nb=nb, gc=gc, scale=scale)
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
