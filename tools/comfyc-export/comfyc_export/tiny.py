"""tiny — seeded-random small models of the real architectures, written as original-layout checkpoints.

The checkpoint is what a user would have on disk (keys `model.diffusion_model.*`,
`first_stage_model.*`, `cond_stage_model.transformer.text_model.*`); the hyperparameters that
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


def _perturb(module, gen, scale=0.05):
    """Default init leaves norms at 1/0 and some biases at 0; jitter everything so every weight matters."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * scale)


def tiny_clip(gen):
    from transformers import CLIPTextConfig, CLIPTextModel
    c = TINY_CLIP
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


def make_checkpoint(seed, path):
    """Write a tiny SD1-architecture checkpoint (UNet + VAE + CLIP-L-style text encoder) to path."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    unet = arch_unet.UNetModel(TINY_UNET)
    _perturb(unet, gen)
    vae = arch_vae.AutoencoderKL(TINY_VAE)
    _perturb(vae, gen)
    clip = tiny_clip(gen)
    sd = {}
    sd.update({checkpoint.UNET_PREFIX + k: v for k, v in unet.state_dict().items()})
    sd.update({checkpoint.VAE_PREFIX + k: v for k, v in vae.state_dict().items()})
    sd.update({checkpoint.CLIP_PREFIX + k: v for k, v in checkpoint.clip_state_dict(clip).items()})
    sd = {k: v.contiguous().float() for k, v in sd.items()}
    meta = {"comfyc.family": "sd1", "comfyc.prediction": "eps", "comfyc.tiny_seed": str(seed),
            "comfyc.unet_num_heads": str(TINY_UNET["num_heads"]), "comfyc.clip_num_heads": str(TINY_CLIP["heads"]),
            "comfyc.tiny_config": json.dumps({"unet": TINY_UNET, "vae": TINY_VAE, "clip": TINY_CLIP})}
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
