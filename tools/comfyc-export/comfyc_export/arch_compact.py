"""arch_compact — Real-ESRGAN's SRVGGNetCompact (realesr-general-x4v3, realesr-animevideov3, "Compact" models).

Written from the published description (Wang et al., Real-ESRGAN): a plain VGG-style stack in one
nn.Sequential `body` — a 3x3 convolution in_nc -> nf and a PReLU, num_conv times a 3x3 convolution
nf -> nf and a PReLU, then a 3x3 convolution nf -> out_nc * scale^2 — followed by a pixel shuffle by
`scale`; the input, nearest-neighbour upsampled by `scale`, is added to the result. State-dict keys
are body.<i>.weight / body.<i>.bias: even i convolutions, odd i PReLU weights (one per channel, or
a single shared one). ReLU / LeakyReLU variants leave no keys for their activations, so the layout
cannot say which one was used: they are refused. out_nc = in_nc (the residual needs it). Input and
output are NCHW images in 0..1, the output unclamped.
"""
import math
import re

import torch.nn as nn
import torch.nn.functional as F

from .checkpoint import ExportError

ARCHITECTURE = "SRVGGNetCompact"


class SRVGGNetCompact(nn.Module):
    def __init__(self, in_nc=3, out_nc=3, nf=64, num_conv=16, scale=4, prelu_params=None):
        super().__init__()
        self.scale = scale
        n_act = nf if prelu_params is None else prelu_params
        layers = [nn.Conv2d(in_nc, nf, 3, 1, 1), nn.PReLU(n_act)]
        for _ in range(num_conv):
            layers += [nn.Conv2d(nf, nf, 3, 1, 1), nn.PReLU(n_act)]
        layers.append(nn.Conv2d(nf, out_nc * scale * scale, 3, 1, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        out = self.body(x)
        if self.scale == 1:
            return out + x
        return F.pixel_shuffle(out, self.scale) + F.interpolate(x, scale_factor=float(self.scale), mode="nearest")


def matches(sd):
    """The compact layout: body.0.weight is a convolution of its own (ESRGAN's BasicSR layout has
    body.0.rdb1..., the original layout model.0...)."""
    return "body.0.weight" in sd and not any(k.startswith(("conv_first.", "model.")) for k in sd)


def build(sd):
    """SRVGGNetCompact from its state dict; returns (module, config). Unclear layouts raise ExportError."""
    idx = {}
    for k, v in sd.items():
        m = re.match(r"body\.(\d+)\.(weight|bias)$", k)
        if not m:
            raise ExportError(f"SRVGGNetCompact: unexpected key {k!r}")
        if not hasattr(v, "shape"):
            raise ExportError(f"SRVGGNetCompact: {k!r} is not a tensor")
        idx.setdefault(int(m[1]), {})[m[2]] = v
    last = max(idx)
    if sorted(idx) != list(range(last + 1)):
        if all(i % 2 == 0 for i in idx):
            raise ExportError("SRVGGNetCompact without PReLU weights (ReLU/LeakyReLU activations cannot be told "
                              "apart from the keys): not supported")
        raise ExportError(f"SRVGGNetCompact: body layers {sorted(set(range(last + 1)) - set(idx))} are missing")
    if last < 2 or last % 2:
        raise ExportError(f"SRVGGNetCompact: body ends with layer {last}; expected a convolution at an even index >= 2")
    for i, p in idx.items():
        want = {"weight", "bias"} if i % 2 == 0 else {"weight"}
        if set(p) != want:
            raise ExportError(f"SRVGGNetCompact: body.{i} has {sorted(p)}, expected {sorted(want)}")
    first = idx[0]["weight"]
    if first.ndim != 4 or tuple(first.shape[2:]) != (3, 3):
        raise ExportError(f"SRVGGNetCompact: body.0.weight has shape {tuple(first.shape)}, expected [nf, in, 3, 3]")
    nf, in_nc = first.shape[:2]
    out_nc = in_nc
    last_out = idx[last]["weight"].shape[0]
    scale = math.isqrt(last_out // out_nc) if last_out % out_nc == 0 else 0
    if scale < 1 or scale * scale * out_nc != last_out:
        raise ExportError(f"SRVGGNetCompact: the last convolution has {last_out} outputs, not {out_nc} x scale^2 "
                          f"for an integer scale")
    prelu = idx[1]["weight"].shape
    if tuple(prelu) not in ((nf,), (1,)):
        raise ExportError(f"SRVGGNetCompact: body.1.weight has shape {tuple(prelu)}, expected a PReLU of [{nf}] or [1]")
    for i, p in idx.items():
        w = p["weight"]
        if i % 2:
            want = tuple(prelu)
        else:
            want = (last_out if i == last else nf, in_nc if i == 0 else nf, 3, 3)
        if tuple(w.shape) != want:
            raise ExportError(f"SRVGGNetCompact: body.{i}.weight has shape {tuple(w.shape)}, expected {list(want)}")
        if i % 2 == 0 and tuple(p["bias"].shape) != (want[0],):
            raise ExportError(f"SRVGGNetCompact: body.{i}.bias has shape {tuple(p['bias'].shape)}, "
                              f"expected [{want[0]}]")
    cfg = dict(in_nc=int(in_nc), out_nc=int(out_nc), nf=int(nf), num_conv=(last - 2) // 2, scale=scale,
               prelu_params=int(prelu[0]))
    net = SRVGGNetCompact(**cfg)
    net.load_state_dict(sd, strict=True)
    return net.eval(), cfg
