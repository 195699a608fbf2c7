"""checkpoint — read an SD checkpoint in the original key layout, infer its architecture, build modules.

Architecture is inferred from tensor shapes (as ComfyUI's model detection does), so a tiny
random checkpoint and a real one take the same path. What shapes cannot tell (attention head
counts of non-standard models, the family of a tiny model) comes from the safetensors metadata
keys `comfyc.*` that `--tiny-random` writes.
"""
import json
import re

import torch

from . import arch_unet, arch_vae

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."
CLIP_PREFIX = "cond_stage_model.transformer."
OPENCLIP_PREFIX = "cond_stage_model.model."  # SD2.x: OpenCLIP ViT-H text tower in open_clip's own layout
SDXL_CLIP_L_PREFIX = "conditioner.embedders.0.transformer."  # SDXL: CLIP-L, keys text_model.* as SD1's
SDXL_CLIP_G_PREFIX = "conditioner.embedders.1.model."  # SDXL: OpenCLIP ViT-bigG in open_clip's layout


class ExportError(Exception):
    """A checkpoint or option the exporter cannot handle (printed as one line by the CLI)."""


def load_state_dict(path):
    """Returns (state_dict, metadata dict). .safetensors, or .ckpt/.pt/.pth through torch.load."""
    path = str(path)
    if path.endswith(".safetensors"):
        from safetensors import safe_open
        sd = {}
        with safe_open(path, framework="pt") as f:
            meta = f.metadata() or {}
            for k in f.keys():
                sd[k] = f.get_tensor(k)
        return sd, meta
    obj = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if isinstance(obj, dict) and "params_ema" in obj:
        obj = obj["params_ema"]
    elif isinstance(obj, dict) and "params" in obj:
        obj = obj["params"]
    if not isinstance(obj, dict):
        raise ExportError(f"{path}: not a state dict")
    return obj, {}


def sub(sd, prefix):
    return {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}


def _count(sd, pattern):
    rx = re.compile(pattern)
    return len({m.group(1) for k in sd for m in [rx.match(k)] if m})


# ---------------------------------------------------------------- UNet

def _depth(u, block):
    """Transformer blocks in one UNet block (`input_blocks.4`, `middle_block`, ...): 0 without a transformer."""
    return _count(u, re.escape(block) + r"\.1\.transformer_blocks\.(\d+)\.")


SDXL_CONTEXT, SDXL_ADM = 2048, 2816
SDXL_REFINER_CONTEXT, SDXL_REFINER_ADM = 1280, 2560


def unet_config(u, meta):
    """Infer the UNet config from its weights (keys without the model.diffusion_model. prefix).

    SD1/SD2 (one depth for every transformer, attention on whole levels) get the
    attention_resolutions + transformer_depth form; others (SDXL) per-block depth lists
    (see arch_unet)."""
    if "input_blocks.0.0.weight" not in u:
        raise ExportError("no UNet found (expected model.diffusion_model.input_blocks.0.0.weight)")
    mc = u["input_blocks.0.0.weight"].shape[0]
    cfg = dict(in_channels=u["input_blocks.0.0.weight"].shape[1], out_channels=u["out.2.weight"].shape[0],
               model_channels=mc)
    mult, nrb_levels, d_in = [], [], []
    count = 0
    i = 1
    while f"input_blocks.{i}.0.op.weight" in u or f"input_blocks.{i}.0.in_layers.2.weight" in u:
        if f"input_blocks.{i}.0.op.weight" in u:
            nrb_levels.append(count)
            count = 0
        else:
            out = u[f"input_blocks.{i}.0.out_layers.3.weight"].shape[0]
            if count == 0:
                mult.append(out // mc)
            count += 1
            d_in.append(_depth(u, f"input_blocks.{i}"))
        i += 1
    nrb_levels.append(count)
    if len(set(nrb_levels)) != 1:
        raise ExportError(f"UNet with uneven res blocks per level {nrb_levels} is not supported")
    nrb, levels = nrb_levels[0], len(mult)
    d_out = [_depth(u, f"output_blocks.{i}") for i in range(levels * (nrb + 1))]
    if f"output_blocks.{levels * (nrb + 1) - 1}.0.in_layers.2.weight" not in u:
        raise ExportError(f"UNet output blocks do not match {levels} levels of {nrb} res blocks")
    d_mid = _depth(u, "middle_block")
    cfg["channel_mult"] = mult
    cfg["num_res_blocks"] = nrb
    rx = re.compile(r"(input_blocks\.\d+|middle_block|output_blocks\.\d+)\.1\.transformer_blocks\.0\.attn2\.to_k\.weight$")
    attn_blocks = [k for k in u if rx.match(k)]
    if not attn_blocks:
        raise ExportError("UNet without cross-attention transformers is not supported")
    ctx = {u[k].shape[1] for k in attn_blocks}
    if len(ctx) != 1:
        raise ExportError(f"UNet with several cross-attention context widths {sorted(ctx)} is not supported")
    ctx = ctx.pop()
    linear = {u[k.split(".transformer_blocks.")[0] + ".proj_in.weight"].ndim == 2 for k in attn_blocks}
    if len(linear) != 1:
        raise ExportError("UNet mixing linear and convolutional transformer projections is not supported")

    # class / ADM conditioning: SDXL base only
    adm = 0
    if any(k.startswith("label_emb.") for k in u):
        if "label_emb.0.0.weight" not in u:
            raise ExportError("UNets with class-label conditioning are not supported")
        adm = u["label_emb.0.0.weight"].shape[1]
        if (ctx, adm) == (SDXL_REFINER_CONTEXT, SDXL_REFINER_ADM):
            raise ExportError("SDXL refiner not supported yet")
        if (ctx, adm) != (SDXL_CONTEXT, SDXL_ADM) and meta.get("comfyc.family") != "sdxl":
            raise ExportError(f"UNets with ADM conditioning other than SDXL base (context {ctx}, adm_in_channels "
                              f"{adm}: unCLIP?) are not supported yet")

    # SD1/SD2 form: one depth for every transformer, the middle one included, on whole levels
    nonzero = {d for d in d_in + d_out + [d_mid] if d}
    per_level = all(len({d_in[l * nrb + j] for j in range(nrb)} |
                        {d_out[(levels - 1 - l) * (nrb + 1) + j] for j in range(nrb + 1)}) == 1 for l in range(levels))
    if not adm and d_mid and len(nonzero) == 1 and per_level:
        cfg["attention_resolutions"] = [2 ** l for l in range(levels) if d_in[l * nrb]]
        cfg["context_dim"] = ctx
        cfg["transformer_depth"] = d_mid
    else:
        cfg["context_dim"] = ctx
        cfg["transformer_depth"] = d_in
        cfg["transformer_depth_middle"] = d_mid
        cfg["transformer_depth_output"] = d_out
    cfg["use_linear_in_transformer"] = linear.pop()
    if "comfyc.unet_num_heads" in meta:
        cfg["num_heads"], cfg["num_head_channels"] = int(meta["comfyc.unet_num_heads"]), -1
    elif "comfyc.unet_head_channels" in meta:
        cfg["num_heads"], cfg["num_head_channels"] = -1, int(meta["comfyc.unet_head_channels"])
    elif cfg["context_dim"] == 768:
        cfg["num_heads"], cfg["num_head_channels"] = 8, -1
    else:  # SD2, SDXL: 64-wide heads (ComfyUI's assumption)
        cfg["num_heads"], cfg["num_head_channels"] = -1, 64
    if adm:
        cfg["adm_in_channels"] = adm
    return cfg


def detect_family(u_cfg, meta):
    if "comfyc.family" in meta:
        return meta["comfyc.family"]
    adm = u_cfg.get("adm_in_channels", 0)
    if u_cfg["context_dim"] == 768 and not adm:
        return "sd1"
    if u_cfg["context_dim"] == 1024 and not adm:
        return "sd2"
    if (u_cfg["context_dim"], adm) == (SDXL_CONTEXT, SDXL_ADM):
        return "sdxl"
    raise ExportError(f"unrecognised UNet (context_dim {u_cfg['context_dim']}, adm_in_channels {adm}): "
                      "not an SD1.x/2.x/SDXL checkpoint")


def detect_prediction(u, family, meta, top_keys=()):
    """eps or v. SD2 768-v checkpoints are told apart by the spread of one norm bias (ComfyUI's rule);
    SDXL v-prediction checkpoints carry a top-level key `v_pred` (top_keys: the checkpoint's keys)."""
    if "comfyc.prediction" in meta:
        return meta["comfyc.prediction"]
    if family == "sd2":
        b = u.get("output_blocks.11.1.transformer_blocks.0.norm1.bias")
        if b is not None and torch.std(b.float(), unbiased=False).item() > 0.09:
            return "v"
    if family == "sdxl" and "v_pred" in top_keys:
        return "v"
    return "eps"


def build_unet(sd, meta):
    u = sub(sd, UNET_PREFIX)
    cfg = unet_config(u, meta)
    m = arch_unet.UNetModel(cfg)
    m.load_state_dict(u, strict=True)
    return m.eval(), cfg, u


# ---------------------------------------------------------------- VAE

def vae_prefix(sd):
    if any(k.startswith(VAE_PREFIX) for k in sd):
        return VAE_PREFIX
    if "encoder.conv_in.weight" in sd or "decoder.conv_in.weight" in sd:
        return ""
    raise ExportError("no VAE found (expected first_stage_model.* or encoder.*/decoder.* keys)")


def vae_config(v):
    ch = v["encoder.conv_in.weight"].shape[0]
    levels = _count(v, r"encoder\.down\.(\d+)\.block\.")
    mult = [v[f"encoder.down.{i}.block.0.conv1.weight"].shape[0] // ch for i in range(levels)]
    return dict(ch=ch, ch_mult=mult, num_res_blocks=_count(v, r"encoder\.down\.0\.block\.(\d+)\."),
                z_channels=v["post_quant_conv.weight"].shape[0], in_channels=v["encoder.conv_in.weight"].shape[1],
                out_ch=v["decoder.conv_out.weight"].shape[0])


def build_vae(sd):
    v = sub(sd, vae_prefix(sd))
    v = {k: t for k, t in v.items() if not k.startswith("loss.")}
    cfg = vae_config(v)
    m = arch_vae.AutoencoderKL(cfg)
    m.load_state_dict(v, strict=True)
    return m.eval(), cfg


# ---------------------------------------------------------------- CLIP text encoder

def openclip_to_hf(oc):
    """OpenCLIP text-tower keys (SD2.x `cond_stage_model.model.*`, prefix removed) -> transformers'
    CLIPTextModelWithProjection keys. The fused attention projection is split in q, k, v order and
    the text projection (applied as x @ P in open_clip) becomes a Linear weight P^T."""
    if "transformer.resblocks.0.attn.in_proj_weight" not in oc:
        raise ExportError("OpenCLIP text encoder without transformer.resblocks.0.attn.in_proj_weight")
    hf = {"text_model.embeddings.token_embedding.weight": oc["token_embedding.weight"],
          "text_model.embeddings.position_embedding.weight": oc["positional_embedding"],
          "text_model.final_layer_norm.weight": oc["ln_final.weight"],
          "text_model.final_layer_norm.bias": oc["ln_final.bias"]}
    if "text_projection" in oc:
        hf["text_projection.weight"] = oc["text_projection"].t().contiguous()
    names = {"ln_1": "layer_norm1", "ln_2": "layer_norm2", "mlp.c_fc": "mlp.fc1", "mlp.c_proj": "mlp.fc2",
             "attn.out_proj": "self_attn.out_proj"}
    for i in range(_count(oc, r"transformer\.resblocks\.(\d+)\.")):
        src, dst = f"transformer.resblocks.{i}.", f"text_model.encoder.layers.{i}."
        for a, b in names.items():
            for wb in ("weight", "bias"):
                hf[f"{dst}{b}.{wb}"] = oc[f"{src}{a}.{wb}"]
        for wb in ("weight", "bias"):
            q, k, v = oc[f"{src}attn.in_proj_{wb}"].chunk(3, dim=0)
            for name, t in (("q_proj", q), ("k_proj", k), ("v_proj", v)):
                hf[f"{dst}self_attn.{name}.{wb}"] = t.contiguous()
    return hf


def clip_config(c, meta, openclip, heads_key="comfyc.clip_num_heads"):
    from transformers import CLIPTextConfig
    hidden = c["text_model.embeddings.token_embedding.weight"].shape[1]
    heads = int(meta.get(heads_key, max(1, hidden // 64)))
    proj = c.get("text_projection.weight")
    return CLIPTextConfig(
        vocab_size=c["text_model.embeddings.token_embedding.weight"].shape[0],
        hidden_size=hidden,
        intermediate_size=c["text_model.encoder.layers.0.mlp.fc1.weight"].shape[0],
        num_hidden_layers=_count(c, r"text_model\.encoder\.layers\.(\d+)\."),
        num_attention_heads=heads,
        max_position_embeddings=c["text_model.embeddings.position_embedding.weight"].shape[0],
        projection_dim=proj.shape[0] if proj is not None else hidden,
        # OpenAI's CLIP-L uses quick_gelu; OpenCLIP ViT-H (SD2) and ViT-bigG (SDXL) the exact GELU
        hidden_act="gelu" if openclip else "quick_gelu", layer_norm_eps=1e-5,
        bos_token_id=49406, eos_token_id=49407, pad_token_id=0 if openclip else 49407)


def _clip_module(c, meta, openclip, heads_key="comfyc.clip_num_heads"):
    """transformers CLIPTextModel(WithProjection) loaded from text_model.* (+ text_projection.weight) keys."""
    from transformers import CLIPTextModel, CLIPTextModelWithProjection
    c = {k: v for k, v in c.items() if not k.endswith("position_ids")}
    cfg = clip_config(c, meta, openclip, heads_key)
    cfg._attn_implementation = "eager"
    m = (CLIPTextModelWithProjection if "text_projection.weight" in c else CLIPTextModel)(cfg)
    if not hasattr(m, "text_model"):  # transformers >= 5 dropped the text_model level of CLIPTextModel
        c = {k[len("text_model."):] if k.startswith("text_model.") else k: v for k, v in c.items()}
    missing, unexpected = m.load_state_dict(c, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ExportError(f"CLIP text encoder keys do not match: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return m.eval(), cfg


def build_clip(sd, meta):
    """The text encoder as a transformers CLIPTextModel (SD1.x, OpenAI CLIP-L keys) or
    CLIPTextModelWithProjection (SD2.x, OpenCLIP keys converted). Returns (module, config)."""
    c = sub(sd, CLIP_PREFIX)
    openclip = "text_model.embeddings.token_embedding.weight" not in c
    if openclip:
        oc = sub(sd, OPENCLIP_PREFIX)
        if not oc:
            raise ExportError("no CLIP text encoder found (expected cond_stage_model.transformer.text_model.* "
                              "or cond_stage_model.model.* keys)")
        c = openclip_to_hf(oc)
    return _clip_module(c, meta, openclip)


def build_sdxl_clips(sd, meta):
    """SDXL's two text encoders: CLIP-L (OpenAI layout under conditioner.embedders.0.transformer.,
    a CLIPTextModel) and OpenCLIP ViT-bigG (open_clip layout under conditioner.embedders.1.model.,
    converted to CLIPTextModelWithProjection). Returns [(clip_l, config), (clip_g, config)]."""
    c = sub(sd, SDXL_CLIP_L_PREFIX)
    if "text_model.embeddings.token_embedding.weight" not in c:
        raise ExportError(f"SDXL checkpoint without a CLIP-L text encoder (expected {SDXL_CLIP_L_PREFIX}text_model.*)")
    oc = sub(sd, SDXL_CLIP_G_PREFIX)
    if not oc:
        raise ExportError(f"SDXL checkpoint without an OpenCLIP ViT-bigG text encoder (expected {SDXL_CLIP_G_PREFIX}*)")
    g = openclip_to_hf(oc)
    if "text_projection.weight" not in g:
        raise ExportError(f"SDXL OpenCLIP text encoder without text_projection ({SDXL_CLIP_G_PREFIX}text_projection)")
    return [_clip_module(c, meta, openclip=False),
            _clip_module(g, meta, openclip=True, heads_key="comfyc.clip_g_num_heads")]


def has_projection(clip):
    return hasattr(clip, "text_projection")


class TokensOrVectors(torch.nn.Module):
    """Stands in for the token-embedding table: positions whose id is negative take the row of
    `vectors` (textual-inversion embeddings, [B,T,D]) instead of a table lookup, so embeddings
    replace token embeddings before the position embeddings are added, as ComfyUI does."""

    def __init__(self, table):
        super().__init__()
        self.table = table
        self.vectors = None  # set by TextEncoderLayers for the duration of one forward

    def forward(self, ids):
        h = self.table(ids.clamp(min=0))
        if self.vectors is None:
            return h
        return torch.where((ids < 0).unsqueeze(-1), self.vectors.to(h.dtype), h)


class TextEncoderLayers(torch.nn.Module):
    """(tokens i64 [B,77], vectors [B,77,D]) -> f32 [L,B,77,D]: every layer's hidden state, after
    the final layer norm (final_norm=True: SD1, SD2) or as the layer left it (final_norm=False:
    SDXL, ComfyUI's layer_norm_hidden_state=False). A negative token id takes its position's row
    of `vectors` (a textual-inversion embedding) instead of the token table; `vectors` may be
    omitted in Python.

    Layer L-1 is the last layer; CLIPSetLastLayer -n picks layer L-n. Without a text projection
    (SD1, SDXL's CLIP-L) the graph returns the hidden states only; with one (SD2, SDXL's
    OpenCLIP bigG) it returns a second output, pooled f32 [B,P] = the last layer after the final
    layer norm at the first EOS, times the projection (whatever final_norm says)."""

    def __init__(self, clip, final_norm=True):
        super().__init__()
        self.clip = clip
        self.final_norm = final_norm
        emb = text_model(clip).embeddings
        if not isinstance(emb.token_embedding, TokensOrVectors):
            emb.token_embedding = TokensOrVectors(emb.token_embedding)
        self.swap = emb.token_embedding

    def forward(self, tokens, vectors=None):
        self.swap.vectors = vectors
        try:
            out = self.clip(input_ids=tokens, output_hidden_states=True)
        finally:
            self.swap.vectors = None
        hs = torch.stack(list(out.hidden_states[1:]), dim=0)
        if self.final_norm:
            hs = text_model(self.clip).final_layer_norm(hs)
        if has_projection(self.clip):
            return hs, out.text_embeds
        return hs


def text_model(clip):
    """The CLIPTextTransformer inside a CLIPTextModel (transformers 4 and 5 nest it differently)."""
    return getattr(clip, "text_model", clip)


def clip_state_dict(clip):
    """State dict in the SD checkpoint's layout (text_model.* keys), whatever the transformers version."""
    sd = clip.state_dict()
    if not hasattr(clip, "text_model"):  # transformers >= 5 CLIPTextModel
        sd = {"text_model." + k: v for k, v in sd.items()}
    return {k: v for k, v in sd.items() if not k.endswith("position_ids")}


def meta_json(meta, key, default=None):
    return json.loads(meta[key]) if key in meta else default
