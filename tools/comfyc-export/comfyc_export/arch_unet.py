"""arch_unet — the SD 1.x/2.x and SDXL diffusion UNet, with parameter names in the original (LDM) key layout.

Written from the published architectures (Rombach et al., "High-Resolution Image Synthesis with
Latent Diffusion Models"; Podell et al., "SDXL: Improving Latent Diffusion Models for
High-Resolution Image Synthesis"): parameter names match `model.diffusion_model.*` of a
checkpoint, so a real checkpoint loads with `load_state_dict(strict=True)`.

Two ways to say where the spatial transformers are:
  * SD1/SD2: `attention_resolutions` (down-sampling factors with attention) and one
    `transformer_depth` int for every transformer, the middle block's included;
  * per block (SDXL): `transformer_depth` a list with one depth per input res block
    (levels x num_res_blocks, 0 = no transformer), `transformer_depth_middle` an int and
    `transformer_depth_output` a list with one depth per output block (levels x (num_res_blocks+1),
    deepest level first); `attention_resolutions` is not used.
`adm_in_channels` (SDXL: 2816) adds the class-conditioning MLP `label_emb`, whose output is added
to the time embedding: emb = time_embed(t) + label_emb(y).

Shapes: x [B,C,H,W] latent, timesteps [B] f32, context [B,T,D], y [B,adm_in_channels].
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SD1_CONFIG = dict(in_channels=4, out_channels=4, model_channels=320, channel_mult=[1, 2, 4, 4], num_res_blocks=2,
                  attention_resolutions=[4, 2, 1], num_heads=8, num_head_channels=-1, context_dim=768,
                  transformer_depth=1, use_linear_in_transformer=False)
SD2_CONFIG = dict(SD1_CONFIG, num_heads=-1, num_head_channels=64, context_dim=1024, use_linear_in_transformer=True)
# SDXL base: no transformer at full resolution, depth 2 at 1/2, depth 10 at 1/4 and in the middle
SDXL_CONFIG = dict(in_channels=4, out_channels=4, model_channels=320, channel_mult=[1, 2, 4], num_res_blocks=2,
                   num_heads=-1, num_head_channels=64, context_dim=2048,
                   transformer_depth=[0, 0, 2, 2, 10, 10], transformer_depth_middle=10,
                   transformer_depth_output=[10, 10, 10, 2, 2, 2, 0, 0, 0],
                   use_linear_in_transformer=True, adm_in_channels=2816)


def block_depths(cfg):
    """(input depths, middle depth, output depths): the transformer depth of every input res block
    (levels x num_res_blocks), the middle block and every output block (deepest level first);
    0 = no transformer. Reads either config form (see the module docstring)."""
    levels, nrb = len(cfg["channel_mult"]), cfg["num_res_blocks"]
    d = cfg["transformer_depth"]
    if isinstance(d, (list, tuple)):
        d_in, d_mid, d_out = list(d), cfg["transformer_depth_middle"], list(cfg["transformer_depth_output"])
        if len(d_in) != levels * nrb or len(d_out) != levels * (nrb + 1):
            raise ValueError(f"transformer depth lists of {len(d_in)}/{len(d_out)} blocks for {levels} levels "
                             f"of {nrb} res blocks")
        return d_in, d_mid, d_out
    attn = [2 ** level in cfg["attention_resolutions"] for level in range(levels)]
    d_in = [d if attn[level] else 0 for level in range(levels) for _ in range(nrb)]
    d_out = [d if attn[level] else 0 for level in reversed(range(levels)) for _ in range(nrb + 1)]
    return d_in, d, d_out


def timestep_embedding(t, dim, max_period=10000.0):
    """Sinusoidal embedding [B, dim]: cos half first, then sin (LDM convention)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def gn(ch, eps=1e-5):
    return nn.GroupNorm(32, ch, eps=eps)


class ResBlock(nn.Module):
    def __init__(self, ch, emb_ch, out_ch):
        super().__init__()
        self.in_layers = nn.Sequential(gn(ch), nn.SiLU(), nn.Conv2d(ch, out_ch, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_ch, out_ch))
        self.out_layers = nn.Sequential(gn(out_ch), nn.SiLU(), nn.Dropout(0.0), nn.Conv2d(out_ch, out_ch, 3, padding=1))
        self.skip_connection = nn.Identity() if ch == out_ch else nn.Conv2d(ch, out_ch, 1)

    def forward(self, x, emb):
        h = self.in_layers(x)
        h = h + self.emb_layers(emb)[:, :, None, None]
        return self.skip_connection(x) + self.out_layers(h)


class CrossAttention(nn.Module):
    def __init__(self, dim, context_dim, heads, dim_head):
        super().__init__()
        inner = heads * dim_head
        self.heads = heads
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, dim), nn.Dropout(0.0))

    def forward(self, x, context=None):
        context = x if context is None else context
        q, k, v = self.to_q(x), self.to_k(context), self.to_v(context)
        b = x.shape[0]
        q, k, v = (t.reshape(b, t.shape[1], self.heads, -1).transpose(1, 2) for t in (q, k, v))
        o = F.scaled_dot_product_attention(q, k, v)
        o = o.transpose(1, 2).reshape(b, x.shape[1], -1)
        return self.to_out(o)


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x):
        a, gate = self.proj(x).chunk(2, dim=-1)
        return a * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential(GEGLU(dim, dim * 4), nn.Dropout(0.0), nn.Linear(dim * 4, dim))

    def forward(self, x):
        return self.net(x)


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, dim_head, context_dim):
        super().__init__()
        self.attn1 = CrossAttention(dim, dim, heads, dim_head)
        self.ff = FeedForward(dim)
        self.attn2 = CrossAttention(dim, context_dim, heads, dim_head)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)

    def forward(self, x, context):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class SpatialTransformer(nn.Module):
    def __init__(self, ch, heads, dim_head, depth, context_dim, use_linear):
        super().__init__()
        inner = heads * dim_head
        self.use_linear = use_linear
        self.norm = gn(ch, eps=1e-6)
        self.proj_in = nn.Linear(ch, inner) if use_linear else nn.Conv2d(ch, inner, 1)
        self.transformer_blocks = nn.ModuleList(
            [BasicTransformerBlock(inner, heads, dim_head, context_dim) for _ in range(depth)])
        self.proj_out = nn.Linear(inner, ch) if use_linear else nn.Conv2d(inner, ch, 1)

    def forward(self, x, context):
        # The 1x1 convolutions of the conv variant run as matrix products on [B, HW, C] (the
        # same arithmetic): Inductor's convolution lowering fails on the ceil-divided sizes of
        # odd latent sides (torch 2.13), the matrix products do not.
        b, c, h, w = x.shape
        x_in = x
        x = self.norm(x).flatten(2).transpose(1, 2)
        x = self._proj(self.proj_in, x)
        for blk in self.transformer_blocks:
            x = blk(x, context)
        x = self._proj(self.proj_out, x)
        return x.transpose(1, 2).reshape(b, c, h, w) + x_in

    def _proj(self, layer, x):
        if self.use_linear:
            return layer(x)
        return F.linear(x, layer.weight.flatten(1), layer.bias)


class Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x, size):
        # Nearest upsampling to the skip connection's size (2x, or less for odd sizes).
        return self.conv(F.interpolate(x, size=size, mode="nearest"))


class Seq(nn.ModuleList):
    """One UNet block: a list of layers called with (x, emb, context, skip_size)."""

    def forward(self, x, emb, context, size=None):
        for layer in self:
            if isinstance(layer, ResBlock):
                x = layer(x, emb)
            elif isinstance(layer, SpatialTransformer):
                x = layer(x, context)
            elif isinstance(layer, Upsample):
                x = layer(x, size)
            else:
                x = layer(x)
        return x


class UNetModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = dict(cfg)
        mc = cfg["model_channels"]
        emb_ch = mc * 4
        nrb = cfg["num_res_blocks"]
        d_in, d_mid, d_out = block_depths(cfg)

        def heads_for(ch):
            if cfg["num_head_channels"] > 0:
                return ch // cfg["num_head_channels"], cfg["num_head_channels"]
            return cfg["num_heads"], ch // cfg["num_heads"]

        def attn(ch, depth):
            h, d = heads_for(ch)
            return SpatialTransformer(ch, h, d, depth, cfg["context_dim"], cfg["use_linear_in_transformer"])

        self.time_embed = nn.Sequential(nn.Linear(mc, emb_ch), nn.SiLU(), nn.Linear(emb_ch, emb_ch))
        self.adm_in_channels = cfg.get("adm_in_channels") or 0
        if self.adm_in_channels:
            # class / size conditioning (SDXL): keys label_emb.0.0.*, label_emb.0.2.*
            self.label_emb = nn.Sequential(nn.Sequential(
                nn.Linear(self.adm_in_channels, emb_ch), nn.SiLU(), nn.Linear(emb_ch, emb_ch)))
        self.input_blocks = nn.ModuleList([Seq([nn.Conv2d(cfg["in_channels"], mc, 3, padding=1)])])
        chans = [mc]
        ch = mc
        depths_in, depths_out = iter(d_in), iter(d_out)
        for level, mult in enumerate(cfg["channel_mult"]):
            for _ in range(nrb):
                layers = [ResBlock(ch, emb_ch, mult * mc)]
                ch = mult * mc
                depth = next(depths_in)
                if depth:
                    layers.append(attn(ch, depth))
                self.input_blocks.append(Seq(layers))
                chans.append(ch)
            if level != len(cfg["channel_mult"]) - 1:
                self.input_blocks.append(Seq([Downsample(ch)]))
                chans.append(ch)
        mid = [ResBlock(ch, emb_ch, ch)]
        if d_mid:
            mid.append(attn(ch, d_mid))
        self.middle_block = Seq(mid + [ResBlock(ch, emb_ch, ch)])
        self.output_blocks = nn.ModuleList()
        for level, mult in list(enumerate(cfg["channel_mult"]))[::-1]:
            for i in range(nrb + 1):
                layers = [ResBlock(ch + chans.pop(), emb_ch, mc * mult)]
                ch = mc * mult
                depth = next(depths_out)
                if depth:
                    layers.append(attn(ch, depth))
                if level and i == nrb:
                    layers.append(Upsample(ch))
                self.output_blocks.append(Seq(layers))
        self.out = nn.Sequential(gn(ch), nn.SiLU(), nn.Conv2d(mc, cfg["out_channels"], 3, padding=1))

    def forward(self, x, timesteps, context, y=None):
        emb = self.time_embed(timestep_embedding(timesteps, self.cfg["model_channels"]).to(x.dtype))
        if self.adm_in_channels:
            if y is None:
                raise ValueError("this UNet is class-conditioned: pass y [B, adm_in_channels]")
            emb = emb + self.label_emb(y.to(x.dtype))
        hs = []
        h = x
        for blk in self.input_blocks:
            h = blk(h, emb, context)
            hs.append(h)
        h = self.middle_block(h, emb, context)
        for i, blk in enumerate(self.output_blocks):
            h = torch.cat([h, hs.pop()], dim=1)
            size = hs[-1].shape[-2:] if hs else None
            h = blk(h, emb, context, size)
        return self.out(h)
