"""Model nodes run from workflow JSON through the comfyc CLI, against the eager tiny modules,
and the bad-input cases: unknown names, truncated artifacts, foreign torch version or device,
no libtorch."""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tiny_models import BUILD, CKPT, UPSCALER, VAE  # noqa: E402


def comfyc(tmp_path, wf, models, dumps=(), env=None):
    p = tmp_path / "wf.json"
    p.write_text(json.dumps(wf))
    cmd = [str(BUILD / "comfyc"), "run", str(p), "--models", str(models), "--output-dir", str(tmp_path / "out"),
           "--input-dir", str(tmp_path / "in"), "-q"]
    for d in dumps:
        cmd += ["--dump", d]
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def rel(a, b):
    return float(np.linalg.norm(a.astype(np.float64) - b) / max(np.linalg.norm(b.astype(np.float64)), 1e-30))


def save_png(path, h, w, seed):
    from PIL import Image
    a = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    os.makedirs(path.parent, exist_ok=True)
    Image.fromarray(a).save(path)
    return a.astype(np.float32) / 255.0


def test_vae_encode_decode_nodes(tmp_path, tiny_models):
    from comfyc_export import arch_vae, checkpoint
    img = save_png(tmp_path / "in" / "x.png", 53, 70, 0)  # cropped to 48 x 64 at offsets (2, 3)
    wf = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": CKPT}},
        "2": {"class_type": "LoadImage", "inputs": {"image": "x.png"}},
        "3": {"class_type": "VAEEncode", "inputs": {"pixels": ["2", 0], "vae": ["1", 2]}},
        "4": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["1", 2]}},
        "5": {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": "t"}},
    }
    r = comfyc(tmp_path, wf, tiny_models, [f"3={tmp_path}/lat.npy", f"4={tmp_path}/img.npy"])
    assert r.returncode == 0, r.stderr
    sd, _ = checkpoint.load_state_dict(tiny_models / "checkpoints" / CKPT)
    vae, _ = checkpoint.build_vae(sd)
    with torch.no_grad():
        crop = torch.from_numpy(img[2:50, 3:67][None].copy())
        ref_lat = arch_vae.VAEEncode(vae)(crop)
        ref_img = arch_vae.VAEDecode(vae)(ref_lat).numpy()
    lat, out = np.load(tmp_path / "lat.npy"), np.load(tmp_path / "img.npy")
    assert lat.shape == (1, 4, 6, 8) and out.shape == (1, 48, 64, 3)
    assert rel(lat, ref_lat.numpy()) <= 1e-4
    assert rel(out, ref_img) <= 1e-4


def test_vae_loader_and_empty_latent(tmp_path, tiny_models):
    from comfyc_export import arch_vae, checkpoint
    wf = {
        "1": {"class_type": "VAELoader", "inputs": {"vae_name": VAE}},
        "2": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 40, "batch_size": 2}},
        "3": {"class_type": "VAEDecode", "inputs": {"samples": ["2", 0], "vae": ["1", 0]}},
        "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "t"}},
    }
    r = comfyc(tmp_path, wf, tiny_models, [f"2={tmp_path}/lat.npy", f"3={tmp_path}/img.npy"])
    assert r.returncode == 0, r.stderr
    lat = np.load(tmp_path / "lat.npy")
    assert lat.shape == (2, 4, 5, 8) and not lat.any()
    sd, _ = checkpoint.load_state_dict(tiny_models / "vae" / VAE)
    vae, _ = checkpoint.build_vae(sd)
    with torch.no_grad():
        ref = arch_vae.VAEDecode(vae)(torch.zeros(2, 4, 5, 8)).numpy()
    assert rel(np.load(tmp_path / "img.npy"), ref) <= 1e-4


def test_upscale_with_model(tmp_path, tiny_models):
    if not os.path.exists(os.path.join(os.path.dirname(__file__), "..", "..", "src", "image", "tiled_scale.h")):
        pytest.skip("no tiled_scale")
    from comfyc_export import arch_esrgan, checkpoint
    img = save_png(tmp_path / "in" / "x.png", 37, 45, 1)
    wf = {
        "1": {"class_type": "UpscaleModelLoader", "inputs": {"model_name": UPSCALER}},
        "2": {"class_type": "LoadImage", "inputs": {"image": "x.png"}},
        "3": {"class_type": "ImageUpscaleWithModel", "inputs": {"upscale_model": ["1", 0], "image": ["2", 0]}},
        "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "t"}},
    }
    r = comfyc(tmp_path, wf, tiny_models, [f"3={tmp_path}/up.npy"])
    assert r.returncode == 0, r.stderr
    sd, _ = checkpoint.load_state_dict(tiny_models / "upscale_models" / UPSCALER)
    net, cfg = arch_esrgan.build(sd)
    with torch.no_grad():
        ref = net(torch.from_numpy(img).permute(2, 0, 1)[None]).clamp(0, 1).permute(0, 2, 3, 1).numpy()
    up = np.load(tmp_path / "up.npy")
    assert up.shape == (1, 37 * 4, 45 * 4, 3)
    assert rel(up, ref) <= 1e-4


def test_unknown_ckpt_name_lists_available(tmp_path, tiny_models):
    wf = {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "nope.safetensors"}},
          "2": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["1", 2]}},
          "3": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
          "4": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "t"}}}
    r = comfyc(tmp_path, wf, tiny_models)
    assert r.returncode == 2
    assert "nope.safetensors" in r.stderr and CKPT in r.stderr


def broken_copy(tmp_path, tiny_models, edit):
    models = tmp_path / "models"
    src = tiny_models / "checkpoints" / (CKPT + ".comfyc")
    dst = models / "checkpoints" / (CKPT + ".comfyc")
    shutil.copytree(src, dst)
    man = json.loads((dst / "manifest.json").read_text())
    edit(dst, man)
    (dst / "manifest.json").write_text(json.dumps(man))
    return models


DECODE_WF = {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": CKPT}},
             "2": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
             "3": {"class_type": "VAEDecode", "inputs": {"samples": ["2", 0], "vae": ["1", 2]}},
             "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "t"}}}


def truncate_blob(d, man):
    c = man["components"]["unet"]
    p = d / c["dir"] / c["blob"]
    p.write_bytes(p.read_bytes()[:1000])


def truncate_so(d, man):
    c = man["components"]["vae_decoder"]
    p = d / c["dir"] / c["so"]
    p.write_bytes(p.read_bytes()[:5000])
    c["so_bytes"] = 5000


def other_torch(d, man):
    man["torch"]["abi"] = "2.12.0"
    man["torch"]["version"] = "2.12.0+cpu"


def other_device(d, man):
    man["device"] = "cuda"


def no_torch(d, man):
    man["torch"]["lib_dir"] = "/nonexistent/torch/lib"


@pytest.mark.parametrize("edit,needle", [(truncate_blob, "truncated"), (truncate_so, "cannot load compiled graph"),
                                         (other_torch, "compiled with torch 2.12.0"), (other_device, "compiled for cuda"),
                                         (no_torch, "libtorch")])
def test_bad_packages_fail_cleanly(tmp_path, tiny_models, edit, needle):
    models = broken_copy(tmp_path, tiny_models, edit)
    env = {k: v for k, v in os.environ.items() if k != "CFY_TORCH_LIB_DIR"}
    r = comfyc(tmp_path, DECODE_WF, models, env=env)
    assert r.returncode == 1, r.stderr
    assert needle in r.stderr, r.stderr
    assert "CheckpointLoaderSimple" in r.stderr


def test_missing_manifest(tmp_path, tiny_models):
    models = tmp_path / "models"
    (models / "checkpoints" / (CKPT + ".comfyc")).mkdir(parents=True)
    r = comfyc(tmp_path, DECODE_WF, models)
    assert r.returncode == 1 and "no manifest.json" in r.stderr
