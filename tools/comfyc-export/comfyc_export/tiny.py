"""tiny — seeded-random small models of the real architectures, written as original-layout checkpoints.

The checkpoint is what a user would have on disk (keys `model.diffusion_model.*`,
`first_stage_model.*`, and `cond_stage_model.transformer.text_model.*` for SD1,
`cond_stage_model.model.*` for SD2, `conditioner.embedders.0.transformer.text_model.*` and
`conditioner.embedders.1.model.*` for SDXL); the hyperparameters that
shapes cannot tell go into the safetensors metadata (`comfyc.*`). The exporter then reads it
back through the same path as a real checkpoint.
"""
import json

import torch

from . import arch_unet, arch_vae, checkpoint

TINY_UNET = dict(in_channels=4, out_channels=4, model_channels=32, channel_mult=[1, 2], num_res_blocks=1,
                 attention_resolutions=[2], num_heads=2, num_head_channels=-1, context_dim=32,
                 transformer_depth=1, use_linear_in_transformer=False)
TINY_VAE = dict(ch=32, ch_mult=[1, 1, 2, 2], num_res_blocks=1, z_channels=4, in_channels=3, out_ch=3)
TINY_CLIP = dict(hidden=32, layers=3, heads=2, intermediate=64, vocab=49408, positions=77)
# SD2.x: linear transformer projections, heads from a head width, v-prediction, OpenCLIP text tower
# (projection width differs from the model width so a transposed projection cannot pass unnoticed)
TINY_UNET_SD2 = dict(TINY_UNET, num_heads=-1, num_head_channels=16, use_linear_in_transformer=True)
TINY_OPENCLIP = dict(width=32, layers=3, heads=2, mlp=128, vocab=49408, context=77, proj=24)
# SDXL: per-block transformer depths (none at level 0, 2 at level 1, 1 in the middle), linear
# projections, 16-wide heads; context = CLIP-L width + bigG width; y = [bigG pooled projection (32)
# | 6 x 256 size embeddings]
TINY_CLIP_G = dict(TINY_OPENCLIP, proj=32)
TINY_UNET_SDXL = dict(in_channels=4, out_channels=4, model_channels=32, channel_mult=[1, 2], num_res_blocks=1,
                      num_heads=-1, num_head_channels=16, context_dim=TINY_CLIP["hidden"] + TINY_CLIP_G["width"],
                      transformer_depth=[0, 2], transformer_depth_middle=1, transformer_depth_output=[2, 2, 0, 0],
                      use_linear_in_transformer=True, adm_in_channels=TINY_CLIP_G["proj"] + 6 * 256)


def _perturb(module, gen, scale=0.05):
    """Default init leaves norms at 1/0 and some biases at 0; jitter everything so every weight matters."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * scale)


# Full-size SD1.5 architecture (for timing on a GPU: random weights, the real shapes)
FULL_CLIP = dict(hidden=768, layers=12, heads=12, intermediate=3072, vocab=49408, positions=77)
SIZES = {"tiny": (TINY_UNET, TINY_VAE, TINY_CLIP), "full": (arch_unet.SD1_CONFIG, arch_vae.SD_VAE_CONFIG, FULL_CLIP)}


def tiny_clip(gen, c=TINY_CLIP):
    from transformers import CLIPTextConfig, CLIPTextModel
    cfg = CLIPTextConfig(vocab_size=c["vocab"], hidden_size=c["hidden"], intermediate_size=c["intermediate"],
                         num_hidden_layers=c["layers"], num_attention_heads=c["heads"],
                         max_position_embeddings=c["positions"], hidden_act="quick_gelu",
                         bos_token_id=49406, eos_token_id=49407, pad_token_id=49407)
    m = CLIPTextModel(cfg)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * (0.02 if p.ndim > 1 else 0.05))
        tm = checkpoint.text_model(m)
        for ln in [tm.final_layer_norm] + [l.layer_norm1 for l in tm.encoder.layers] + \
                [l.layer_norm2 for l in tm.encoder.layers]:
            ln.weight.add_(1.0)
        tm.embeddings.token_embedding.weight.mul_(20.0)
    return m


def _seeded_unet_vae(seed, unet_cfg, vae_cfg, perturb=True):
    """The UNet and VAE of a random checkpoint, seeded: returns (generator for what follows,
    their weights under the checkpoint's prefixes)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    unet = arch_unet.UNetModel(unet_cfg)
    vae = arch_vae.AutoencoderKL(vae_cfg)
    if perturb:
        _perturb(unet, gen)
        _perturb(vae, gen)
    sd = {checkpoint.UNET_PREFIX + k: v for k, v in unet.state_dict().items()}
    sd.update({checkpoint.VAE_PREFIX + k: v for k, v in vae.state_dict().items()})
    return gen, sd


def make_checkpoint(seed, path, size="tiny", dtype=torch.float32):
    """Write an SD1-architecture checkpoint (UNet + VAE + CLIP-L-style text encoder) with seeded
    random weights to path: size "tiny" (the test models) or "full" (SD1.5's real shapes, ~1.07 G
    parameters, for timings; written in `dtype`)."""
    unet_cfg, vae_cfg, clip_cfg = SIZES[size]
    # full size keeps the default init: jitter on 860 M weights would overflow fp16
    gen, sd = _seeded_unet_vae(seed, unet_cfg, vae_cfg, perturb=size == "tiny")
    clip = tiny_clip(gen, clip_cfg)
    sd.update({checkpoint.CLIP_PREFIX + k: v for k, v in checkpoint.clip_state_dict(clip).items()})
    sd = {k: v.contiguous().to(dtype) for k, v in sd.items()}
    meta = {"comfyc.family": "sd1", "comfyc.prediction": "eps", "comfyc.tiny_seed": str(seed),
            "comfyc.unet_num_heads": str(unet_cfg["num_heads"]), "comfyc.clip_num_heads": str(clip_cfg["heads"]),
            "comfyc.tiny_config": json.dumps({"unet": unet_cfg, "vae": vae_cfg, "clip": clip_cfg})}
    from safetensors.torch import save_file
    save_file(sd, str(path), metadata=meta)
    return path


def tiny_openclip(gen, c=TINY_OPENCLIP):
    """Random OpenCLIP text-tower weights in open_clip's own key layout (as SD2 checkpoints store them
    under cond_stage_model.model., SDXL under conditioner.embedders.1.model.)."""
    w = c["width"]

    def rnd(*shape, scale=0.02):
        return torch.randn(shape, generator=gen) * scale

    def norm(prefix):
        return {prefix + ".weight": 1.0 + rnd(w, scale=0.05), prefix + ".bias": rnd(w, scale=0.05)}

    sd = {"token_embedding.weight": rnd(c["vocab"], w, scale=0.4), "positional_embedding": rnd(c["context"], w, scale=0.05),
          "text_projection": rnd(w, c["proj"], scale=w ** -0.5), "logit_scale": torch.tensor(4.6052)}
    sd.update(norm("ln_final"))
    for i in range(c["layers"]):
        p = f"transformer.resblocks.{i}."
        sd.update(norm(p + "ln_1"))
        sd.update(norm(p + "ln_2"))
        sd.update({p + "attn.in_proj_weight": rnd(3 * w, w, scale=0.15), p + "attn.in_proj_bias": rnd(3 * w, scale=0.05),
                   p + "attn.out_proj.weight": rnd(w, w, scale=0.15), p + "attn.out_proj.bias": rnd(w, scale=0.05),
                   p + "mlp.c_fc.weight": rnd(c["mlp"], w, scale=0.15), p + "mlp.c_fc.bias": rnd(c["mlp"], scale=0.05),
                   p + "mlp.c_proj.weight": rnd(w, c["mlp"], scale=0.1), p + "mlp.c_proj.bias": rnd(w, scale=0.05)})
    return sd


def make_checkpoint_sd2(seed, path):
    """Write a tiny SD2.x-architecture v-prediction checkpoint (UNet with linear projections + VAE +
    OpenCLIP text tower) to path."""
    gen, sd = _seeded_unet_vae(seed, TINY_UNET_SD2, TINY_VAE)
    sd.update({checkpoint.OPENCLIP_PREFIX + k: v for k, v in tiny_openclip(gen).items()})
    sd = {k: v.contiguous().float() for k, v in sd.items()}
    meta = {"comfyc.family": "sd2", "comfyc.prediction": "v", "comfyc.tiny_seed": str(seed),
            "comfyc.unet_head_channels": str(TINY_UNET_SD2["num_head_channels"]),
            "comfyc.clip_num_heads": str(TINY_OPENCLIP["heads"]),
            "comfyc.tiny_config": json.dumps({"unet": TINY_UNET_SD2, "vae": TINY_VAE, "clip": TINY_OPENCLIP})}
    from safetensors.torch import save_file
    save_file(sd, str(path), metadata=meta)
    return path


def make_checkpoint_sdxl(seed, path):
    """Write a tiny SDXL-base-architecture checkpoint (UNet with per-block transformer depths and
    label_emb + VAE + CLIP-L + OpenCLIP bigG-style text towers) to path."""
    gen, sd = _seeded_unet_vae(seed, TINY_UNET_SDXL, TINY_VAE)
    clip_l = tiny_clip(gen)
    sd.update({checkpoint.SDXL_CLIP_L_PREFIX + k: v for k, v in checkpoint.clip_state_dict(clip_l).items()})
    sd.update({checkpoint.SDXL_CLIP_G_PREFIX + k: v for k, v in tiny_openclip(gen, TINY_CLIP_G).items()})
    sd = {k: v.contiguous().float() for k, v in sd.items()}
    meta = {"comfyc.family": "sdxl", "comfyc.prediction": "eps", "comfyc.tiny_seed": str(seed),
            "comfyc.unet_head_channels": str(TINY_UNET_SDXL["num_head_channels"]),
            "comfyc.clip_num_heads": str(TINY_CLIP["heads"]), "comfyc.clip_g_num_heads": str(TINY_CLIP_G["heads"]),
            "comfyc.tiny_config": json.dumps({"unet": TINY_UNET_SDXL, "vae": TINY_VAE, "clip_l": TINY_CLIP,
                                              "clip_g": TINY_CLIP_G})}
    from safetensors.torch import save_file
    save_file(sd, str(path), metadata=meta)
    return path


def make_vae(seed, path):
    """Write a tiny standalone VAE file (keys encoder.*, decoder.*, quant_conv, post_quant_conv)."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    vae = arch_vae.AutoencoderKL(TINY_VAE)
    _perturb(vae, gen)
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in vae.state_dict().items()}, str(path),
              metadata={"comfyc.tiny_seed": str(seed)})
    return path
