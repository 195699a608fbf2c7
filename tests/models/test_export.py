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
