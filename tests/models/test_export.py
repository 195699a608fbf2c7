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


# ---------------------------------------------------------------- SDXL

def test_sdxl_unet_config_inferred_from_weights():
    """SDXL base: per-block transformer depths (none at level 0, 2 at level 1, 10 at level 2 and in
    the middle), 64-wide heads, context 2048 (CLIP-L 768 + bigG 1280), label_emb on y [B,2816]."""
    sd = meta_state(arch_unet.UNetModel, arch_unet.SDXL_CONFIG)
    got = checkpoint.unet_config(sd, {})
    assert got == arch_unet.SDXL_CONFIG
    assert checkpoint.detect_family(got, {}) == "sdxl"
    assert "attention_resolutions" not in got
    # the key layout of the published checkpoint (model.diffusion_model.* without the prefix)
    assert sd["label_emb.0.0.weight"].shape == (1280, 2816)
    assert sd["label_emb.0.2.weight"].shape == (1280, 1280)
    assert sd["input_blocks.8.1.transformer_blocks.9.attn2.to_k.weight"].shape == (1280, 2048)
    assert sd["middle_block.1.transformer_blocks.9.ff.net.0.proj.weight"].shape == (10240, 1280)
    assert sd["output_blocks.2.2.conv.weight"].shape == (1280, 1280, 3, 3)
    assert sd["output_blocks.5.2.conv.weight"].shape == (640, 640, 3, 3)
    assert "input_blocks.1.1.norm.weight" not in sd and "output_blocks.8.1.norm.weight" not in sd
    assert "input_blocks.4.1.transformer_blocks.1.attn1.to_q.weight" in sd
    assert "input_blocks.4.1.transformer_blocks.2.attn1.to_q.weight" not in sd


def test_sdxl_size():
    with torch.device("meta"):
        u = arch_unet.UNetModel(arch_unet.SDXL_CONFIG)
    assert sum(p.numel() for p in u.parameters()) == 2567463684  # published SDXL base UNet size


def test_sd1_sd2_configs_keep_their_form():
    """SD1/SD2 keep attention_resolutions + one transformer_depth (the manifest's unet.config is unchanged)."""
    for cfg in (arch_unet.SD1_CONFIG, arch_unet.SD2_CONFIG):
        got = checkpoint.unet_config(meta_state(arch_unet.UNetModel, cfg), {})
        assert list(got) == ["in_channels", "out_channels", "model_channels", "channel_mult", "num_res_blocks",
                             "attention_resolutions", "context_dim", "transformer_depth",
                             "use_linear_in_transformer", "num_heads", "num_head_channels"]
        assert arch_unet.block_depths(got) == ([1] * 6 + [0, 0], 1, [0] * 3 + [1] * 9)


SDXL_REFINER = dict(in_channels=4, out_channels=4, model_channels=384, channel_mult=[1, 2, 4, 4], num_res_blocks=2,
                    num_heads=-1, num_head_channels=64, context_dim=1280,
                    transformer_depth=[0, 0, 4, 4, 4, 4, 0, 0], transformer_depth_middle=4,
                    transformer_depth_output=[0, 0, 0, 4, 4, 4, 4, 4, 4, 0, 0, 0],
                    use_linear_in_transformer=True, adm_in_channels=2560)


def test_sdxl_refiner_is_refused():
    sd = meta_state(arch_unet.UNetModel, SDXL_REFINER)
    with pytest.raises(checkpoint.ExportError, match="SDXL refiner not supported yet"):
        checkpoint.unet_config(sd, {})


def test_sdxl_refiner_is_refused_by_the_cli(tmp_path):
    """A small UNet with the refiner's context (1280) and ADM (2560) widths, through the command line."""
    from safetensors.torch import save_file
    cfg = dict(SDXL_REFINER, model_channels=32, channel_mult=[1, 2], num_res_blocks=1, num_head_channels=16,
               transformer_depth=[0, 1], transformer_depth_middle=1, transformer_depth_output=[1, 1, 0, 0])
    u = arch_unet.UNetModel(cfg)
    src = tmp_path / "refiner.safetensors"
    save_file({checkpoint.UNET_PREFIX + k: v.contiguous() for k, v in u.state_dict().items()}, str(src))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools" / "comfyc-export"))
    r = subprocess.run([sys.executable, "-m", "comfyc_export", "checkpoint", str(src), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1
    assert "SDXL refiner not supported yet" in r.stderr and "Traceback" not in r.stderr


def test_other_adm_unets_are_refused():
    """unCLIP (SD2.1 unclip-h: context 1024, ADM 2048) and class-label UNets are not SDXL."""
    cfg = dict(arch_unet.SDXL_CONFIG, model_channels=32, channel_mult=[1, 2], num_res_blocks=1,
               num_head_channels=16, transformer_depth=[1, 1], transformer_depth_middle=1,
               transformer_depth_output=[1, 1, 1, 1], context_dim=1024, adm_in_channels=2048)
    sd = meta_state(arch_unet.UNetModel, cfg)
    with pytest.raises(checkpoint.ExportError, match="ADM conditioning other than SDXL base"):
        checkpoint.unet_config(sd, {})
    sd = meta_state(arch_unet.UNetModel, arch_unet.SD1_CONFIG)
    sd["label_emb.weight"] = torch.empty(1000, 1280, device="meta")
    with pytest.raises(checkpoint.ExportError, match="class-label"):
        checkpoint.unet_config(sd, {})


def test_sdxl_prediction_rule():
    """SDXL: v-prediction when the checkpoint has a top-level `v_pred` key (as ComfyUI reads it)."""
    assert checkpoint.detect_prediction({}, "sdxl", {}, ["model.diffusion_model.out.2.weight"]) == "eps"
    assert checkpoint.detect_prediction({}, "sdxl", {}, ["v_pred", "model.diffusion_model.out.2.weight"]) == "v"
    assert checkpoint.detect_prediction({}, "sd1", {}, ["v_pred"]) == "eps"
    assert checkpoint.detect_prediction({}, "sdxl", {"comfyc.prediction": "eps"}, ["v_pred"]) == "eps"


def test_sdxl_bigg_text_encoder_layout():
    """OpenCLIP ViT-bigG-14 text tower (SDXL's conditioner.embedders.1.model.*): 1280 wide, 32 layers,
    20 heads, exact GELU, pad 0, a square 1280x1280 text projection."""
    transformers = pytest.importorskip("transformers")
    hf = checkpoint.openclip_to_hf(vit_h_text_tower(layers=32, width=1280, proj=1280))
    cfg = checkpoint.clip_config(hf, {}, openclip=True)
    assert (cfg.hidden_size, cfg.num_hidden_layers, cfg.num_attention_heads, cfg.intermediate_size,
            cfg.projection_dim, cfg.hidden_act, cfg.pad_token_id) == (1280, 32, 20, 5120, 1280, "gelu", 0)
    with torch.device("meta"):
        m = transformers.CLIPTextModelWithProjection(cfg)
    assert set(hf) == {k for k in m.state_dict() if not k.endswith("position_ids")}
    # open_clip's model profile lists the ViT-bigG-14 text tower at 694.66 M parameters
    assert round(sum(v.numel() for v in hf.values()) / 1e6, 2) == 694.66


def test_sdxl_text_encoders_missing_are_refused():
    with pytest.raises(checkpoint.ExportError, match="CLIP-L"):
        checkpoint.build_sdxl_clips({}, {})
    sd = {checkpoint.SDXL_CLIP_L_PREFIX + "text_model.embeddings.token_embedding.weight": torch.zeros(10, 4)}
    with pytest.raises(checkpoint.ExportError, match="bigG"):
        checkpoint.build_sdxl_clips(sd, {})
