"""The export tool without compiling: architecture inference on full-size SD layouts (built on
the meta device), family / prediction detection, and refusal of unrecognised checkpoints."""
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

from tiny_models import ROOT  # noqa: E402

from comfyc_export import arch_unet, arch_vae, checkpoint  # noqa: E402


def meta_state(module_cls, cfg):
    with torch.device("meta"):
        return module_cls(cfg).state_dict()


@pytest.mark.parametrize("cfg,family", [(arch_unet.SD1_CONFIG, "sd1"), (arch_unet.SD2_CONFIG, "sd2")])
def test_unet_config_inferred_from_weights(cfg, family):
    sd = meta_state(arch_unet.UNetModel, cfg)
    got = checkpoint.unet_config(sd, {})
    assert dict(got, attention_resolutions=sorted(got["attention_resolutions"])) == \
        dict(cfg, attention_resolutions=sorted(cfg["attention_resolutions"]))
    assert checkpoint.detect_family(got, {}) == family
    assert len(sd) == 686


def test_sd15_sizes():
    with torch.device("meta"):
        u = arch_unet.UNetModel(arch_unet.SD1_CONFIG)
        v = arch_vae.AutoencoderKL(arch_vae.SD_VAE_CONFIG)
    assert sum(p.numel() for p in u.parameters()) == 859520964  # published SD1.5 UNet size
    assert sum(p.numel() for p in v.parameters()) == 83653863


def test_vae_config_inferred_from_weights():
    sd = meta_state(arch_vae.AutoencoderKL, arch_vae.SD_VAE_CONFIG)
    assert checkpoint.vae_config(sd) == arch_vae.SD_VAE_CONFIG


def test_sd2_v_prediction_rule():
    u = {"output_blocks.11.1.transformer_blocks.0.norm1.bias": torch.randn(320) * 0.2}
    assert checkpoint.detect_prediction(u, "sd2", {}) == "v"
    u = {"output_blocks.11.1.transformer_blocks.0.norm1.bias": torch.randn(320) * 0.01}
    assert checkpoint.detect_prediction(u, "sd2", {}) == "eps"
    assert checkpoint.detect_prediction(u, "sd1", {}) == "eps"


def test_unrecognised_checkpoint_is_refused(tmp_path):
    from safetensors.torch import save_file
    src = tmp_path / "weird.safetensors"
    save_file({"foo.weight": torch.zeros(3)}, str(src))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools" / "comfyc-export"))
    r = subprocess.run([sys.executable, "-m", "comfyc_export", "checkpoint", str(src), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1
    assert "no UNet found" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "comfyc_export", "upscale", str(src), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1 and "not an ESRGAN" in r.stderr


def vit_h_text_tower(layers=24, width=1024, proj=1024):
    """OpenCLIP ViT-H-14 text tower key layout and shapes (as in SD2.x checkpoints), on the meta device."""
    with torch.device("meta"):
        sd = {"token_embedding.weight": torch.empty(49408, width), "positional_embedding": torch.empty(77, width),
              "ln_final.weight": torch.empty(width), "ln_final.bias": torch.empty(width),
              "text_projection": torch.empty(width, proj), "logit_scale": torch.empty(())}
        for i in range(layers):
            p = f"transformer.resblocks.{i}."
            for n, shape in [("ln_1", (width,)), ("ln_2", (width,)), ("attn.out_proj", (width, width)),
                             ("mlp.c_fc", (4 * width, width)), ("mlp.c_proj", (width, 4 * width))]:
                sd[p + n + ".weight"] = torch.empty(shape)
                sd[p + n + ".bias"] = torch.empty(shape[0])
            sd[p + "attn.in_proj_weight"] = torch.empty(3 * width, width)
            sd[p + "attn.in_proj_bias"] = torch.empty(3 * width)
    return sd


def test_sd2_openclip_text_encoder_layout():
    """ViT-H-14 text tower: converted keys are exactly transformers' CLIPTextModelWithProjection's,
    and the config is OpenCLIP's (1024 wide, 24 layers, 16 heads, exact GELU, pad 0)."""
    transformers = pytest.importorskip("transformers")
    hf = checkpoint.openclip_to_hf(vit_h_text_tower())
    cfg = checkpoint.clip_config(hf, {}, openclip=True)
    assert (cfg.hidden_size, cfg.num_hidden_layers, cfg.num_attention_heads, cfg.intermediate_size,
            cfg.projection_dim, cfg.hidden_act, cfg.pad_token_id) == (1024, 24, 16, 4096, 1024, "gelu", 0)
    with torch.device("meta"):
        m = transformers.CLIPTextModelWithProjection(cfg)
    want = {k for k in m.state_dict() if not k.endswith("position_ids")}
    assert set(hf) == want
    assert hf["text_projection.weight"].shape == (1024, 1024)
    # open_clip's model profile lists the ViT-H-14 text tower at 354.03 M parameters
    assert round(sum(v.numel() for v in hf.values()) / 1e6, 2) == 354.03


def test_openclip_without_attention_is_refused():
    sd = {checkpoint.OPENCLIP_PREFIX + "token_embedding.weight": torch.zeros(10, 4)}
    with pytest.raises(checkpoint.ExportError, match="in_proj_weight"):
        checkpoint.build_clip(sd, {})
    with pytest.raises(checkpoint.ExportError, match="no CLIP text encoder found"):
        checkpoint.build_clip({"foo": torch.zeros(1)}, {})
