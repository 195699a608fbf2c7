"""arch_vae — the SD KL autoencoder (encoder/decoder), with names in the original key layout.

Parameter names match `first_stage_model.*` of an SD checkpoint (encoder.*, decoder.*,
quant_conv, post_quant_conv). Written from the published architecture.

The exported wrappers (VAEEncode/VAEDecode) include ComfyUI's pixel conventions, so the C side
only crops: encode takes IMAGE [B,H,W,3] in 0..1 and returns the unscaled latent mean
[B,z,H/8,W/8]; decode takes the unscaled latent and returns IMAGE [B,8h,8w,3] clamped to 0..1.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

SD_VAE_CONFIG = dict(ch=128, ch_mult=[1, 2, 4, 4], num_res_blocks=2, z_channels=4, in_channels=3, out_ch=3)


def norm(ch):
    return nn.GroupNorm(32, ch, eps=1e-6)


class ResnetBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1)
        self.has_short = cin != cout

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.nin_shortcut(x) if self.has_short else x) + h


class AttnBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.norm = norm(ch)
        self.q, self.k, self.v = nn.Conv2d(ch, ch, 1), nn.Conv2d(ch, ch, 1), nn.Conv2d(ch, ch, 1)
        self.proj_out = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        y = self.norm(x)
        q, k, v = (t.reshape(b, 1, c, h * w).transpose(2, 3) for t in (self.q(y), self.k(y), self.v(y)))
        o = F.scaled_dot_product_attention(q, k, v)
        o = o.transpose(2, 3).reshape(b, c, h, w)
        return x + self.proj_out(o)


class Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Mid(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.block_1 = ResnetBlock(ch, ch)
        self.attn_1 = AttnBlock(ch)
        self.block_2 = ResnetBlock(ch, ch)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch, mult = cfg["ch"], cfg["ch_mult"]
        self.conv_in = nn.Conv2d(cfg["in_channels"], ch, 3, padding=1)
        self.down = nn.ModuleList()
        cin = ch
        for i, m in enumerate(mult):
            lvl = nn.Module()
            lvl.block = nn.ModuleList()
            for _ in range(cfg["num_res_blocks"]):
                lvl.block.append(ResnetBlock(cin, ch * m))
                cin = ch * m
            lvl.attn = nn.ModuleList()
            if i != len(mult) - 1:
                lvl.downsample = Downsample(cin)
            self.down.append(lvl)
        self.mid = Mid(cin)
        self.norm_out = norm(cin)
        self.conv_out = nn.Conv2d(cin, 2 * cfg["z_channels"], 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for i, lvl in enumerate(self.down):
            for b in lvl.block:
                h = b(h)
            if i != len(self.down) - 1:
                h = lvl.downsample(h)
        h = self.mid(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch, mult = cfg["ch"], cfg["ch_mult"]
        cin = ch * mult[-1]
        self.conv_in = nn.Conv2d(cfg["z_channels"], cin, 3, padding=1)
        self.mid = Mid(cin)
        ups = []
        for i in reversed(range(len(mult))):
            lvl = nn.Module()
            lvl.block = nn.ModuleList()
            for _ in range(cfg["num_res_blocks"] + 1):
                lvl.block.append(ResnetBlock(cin, ch * mult[i]))
                cin = ch * mult[i]
            lvl.attn = nn.ModuleList()
            if i != 0:
                lvl.upsample = Upsample(cin)
            ups.insert(0, lvl)
        self.up = nn.ModuleList(ups)
        self.norm_out = norm(cin)
        self.conv_out = nn.Conv2d(cin, cfg["out_ch"], 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for i in reversed(range(len(self.up))):
            for b in self.up[i].block:
                h = b(h)
            if i != 0:
                h = self.up[i].upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class AutoencoderKL(nn.Module):
    """Holds the four parameter groups under their checkpoint names (minus `first_stage_model.`)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = dict(cfg)
        z = cfg["z_channels"]
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.quant_conv = nn.Conv2d(2 * z, 2 * z, 1)
        self.post_quant_conv = nn.Conv2d(z, z, 1)


class VAEEncode(nn.Module):
    """IMAGE [B,H,W,3] 0..1 (H, W multiples of 8) -> latent mean [B,z,H/8,W/8], unscaled."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, pixels):
        x = (pixels * 2.0 - 1.0).permute(0, 3, 1, 2)
        moments = self.vae.quant_conv(self.vae.encoder(x))
        return moments[:, : self.vae.cfg["z_channels"]].contiguous()


class VAEDecode(nn.Module):
    """Latent [B,z,h,w], unscaled -> IMAGE [B,8h,8w,3] clamped to 0..1."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent):
        x = self.vae.decoder(self.vae.post_quant_conv(latent))
        return ((x + 1.0) / 2.0).clamp(0.0, 1.0).permute(0, 2, 3, 1).contiguous()
