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

def unet_config(u, meta):
    """Infer the UNet config from its weights (keys without the model.diffusion_model. prefix)."""
    if "input_blocks.0.0.weight" not in u:
        raise ExportError("no UNet found (expected model.diffusion_model.input_blocks.0.0.weight)")
    mc = u["input_blocks.0.0.weight"].shape[0]
    cfg = dict(in_channels=u["input_blocks.0.0.weight"].shape[1], out_channels=u["out.2.weight"].shape[0],
               model_channels=mc)
    mult, attn_res, nrb_levels = [], [], []
    ds, count, level_attn = 1, 0, False
    i = 1
    while f"input_blocks.{i}.0.op.weight" in u or f"input_blocks.{i}.0.in_layers.2.weight" in u:
        if f"input_blocks.{i}.0.op.weight" in u:
            nrb_levels.append(count)
            if level_attn:
                attn_res.append(ds)
            ds, count, level_attn = ds * 2, 0, False
        else:
            out = u[f"input_blocks.{i}.0.out_layers.3.weight"].shape[0]
            if count == 0:
                mult.append(out // mc)
            count += 1
            if f"input_blocks.{i}.1.norm.weight" in u:
                level_attn = True
        i += 1
    nrb_levels.append(count)
    if level_attn:
        attn_res.append(ds)
    if len(set(nrb_levels)) != 1:
        raise ExportError(f"UNet with uneven res blocks per level {nrb_levels} is not supported")
    cfg["channel_mult"] = mult
    cfg["num_res_blocks"] = nrb_levels[0]
    cfg["attention_resolutions"] = attn_res
    k = "middle_block.1.transformer_blocks.0.attn2.to_k.weight"
    if k not in u:
        raise ExportError("UNet without a middle-block transformer is not supported")
    cfg["context_dim"] = u[k].shape[1]
    cfg["transformer_depth"] = _count(u, r"middle_block\.1\.transformer_blocks\.(\d+)\.")
    cfg["use_linear_in_transformer"] = u["middle_block.1.proj_in.weight"].ndim == 2
    if "comfyc.unet_num_heads" in meta:
        cfg["num_heads"], cfg["num_head_channels"] = int(meta["comfyc.unet_num_heads"]), -1
    elif cfg["context_dim"] == 768:
        cfg["num_heads"], cfg["num_head_channels"] = 8, -1
    else:
        cfg["num_heads"], cfg["num_head_channels"] = -1, 64
    if any(k.startswith("label_emb.") for k in u):
        raise ExportError("UNets with class/ADM conditioning (SDXL, unCLIP) are not supported yet")
    return cfg


def detect_family(u_cfg, meta):
    if "comfyc.family" in meta:
        return meta["comfyc.family"]
    if u_cfg["context_dim"] == 768:
        return "sd1"
    if u_cfg["context_dim"] == 1024:
        return "sd2"
    raise ExportError(f"unrecognised UNet (context_dim {u_cfg['context_dim']}): not an SD1.x/2.x checkpoint")


def detect_prediction(u, family, meta):
    """eps or v. SD2 768-v checkpoints are told apart by the spread of one norm bias (ComfyUI's rule)."""
    if "comfyc.prediction" in meta:
        return meta["comfyc.prediction"]
    if family == "sd2":
        b = u.get("output_blocks.11.1.transformer_blocks.0.norm1.bias")
        if b is not None and torch.std(b.float(), unbiased=False).item() > 0.09:
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

def clip_config(c, meta):
    from transformers import CLIPTextConfig
    hidden = c["text_model.embeddings.token_embedding.weight"].shape[1]
    heads = int(meta.get("comfyc.clip_num_heads", max(1, hidden // 64)))
    return CLIPTextConfig(
        vocab_size=c["text_model.embeddings.token_embedding.weight"].shape[0],
        hidden_size=hidden,
        intermediate_size=c["text_model.encoder.layers.0.mlp.fc1.weight"].shape[0],
        num_hidden_layers=_count(c, r"text_model\.encoder\.layers\.(\d+)\."),
        num_attention_heads=heads,
        max_position_embeddings=c["text_model.embeddings.position_embedding.weight"].shape[0],
        hidden_act="quick_gelu", layer_norm_eps=1e-5, bos_token_id=49406, eos_token_id=49407, pad_token_id=49407)


def build_clip(sd, meta):
    from transformers import CLIPTextModel
    c = sub(sd, CLIP_PREFIX)
    if "text_model.embeddings.token_embedding.weight" not in c:
        if any(k.startswith("cond_stage_model.model.") for k in sd):
            raise ExportError("OpenCLIP text encoders (SD2.x) are not supported yet")
        raise ExportError("no CLIP text encoder found (expected cond_stage_model.transformer.text_model.*)")
    c = {k: v for k, v in c.items() if not k.endswith("position_ids")}
    cfg = clip_config(c, meta)
    cfg._attn_implementation = "eager"
    m = CLIPTextModel(cfg)
    if not hasattr(m, "text_model"):  # transformers >= 5 dropped the text_model level
        c = {k[len("text_model."):] if k.startswith("text_model.") else k: v for k, v in c.items()}
    missing, unexpected = m.load_state_dict(c, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ExportError(f"CLIP text encoder keys do not match: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return m.eval(), cfg


class TextEncoderLayers(torch.nn.Module):
    """tokens i64 [B,77] -> f32 [L,B,77,D]: every layer's hidden state after the final layer norm.

    Layer L-1 is the usual output; CLIPSetLastLayer -n picks layer L-n. The pooled output is
    row [L-1, b, first EOS] (SD1 models do not use a text projection)."""

    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, tokens):
        out = self.clip(input_ids=tokens, output_hidden_states=True)
        hs = torch.stack(list(out.hidden_states[1:]), dim=0)
        return text_model(self.clip).final_layer_norm(hs)


def text_model(clip):
    """The CLIPTextTransformer inside a CLIPTextModel (transformers 4 and 5 nest it differently)."""
    return getattr(clip, "text_model", clip)


def clip_state_dict(clip):
    """State dict in the SD checkpoint's layout (text_model.* keys), whatever the transformers version."""
    sd = clip.state_dict()
    if not hasattr(clip, "text_model"):
        sd = {"text_model." + k: v for k, v in sd.items()}
    return {k: v for k, v in sd.items() if not k.endswith("position_ids")}


def meta_json(meta, key, default=None):
    return json.loads(meta[key]) if key in meta else default
