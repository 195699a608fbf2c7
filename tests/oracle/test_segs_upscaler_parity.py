"""SEGSUpscaler end to end: comfyc's CLI on the example workflows vs the Python oracle (segs_oracle.py).

* examples (a) tiled, (b) upscale model, (c) MaskToSEGS + inpaint_model + noise_mask_feather, each at
  two seeds and two resampling methods: PSNR >= 40 dB against the oracle;
* the upscale-only stage (SEGS replaced by EmptySegs, so the output is the stage-A image):
  bit-exact, for the resize-only path and the upscale-model path, four filters, with and without
  supersampling;
* edge cases through the same CLI: overlapping segments, sizes not divisible by 8, rescale_factor < 1
  (the all-zero-mask segment and the seed counter are covered by the C test
  tests/nodes/impact/test_segs_upscale_algo.c: no SEGS producer makes an all-zero mask);
* bad inputs: exit codes, node/input named in the message, no output file written.

Needs the tiny models (exported once per build dir, see tests/models/conftest.py) and torch.
"""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("safetensors")

import segs_oracle as O  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("CFY_BUILD_DIR", ROOT / "build"))
COMFYC = BUILD / "comfyc"
EX = ROOT / "examples" / "segs_upscaler"
INPUT = EX / "input"
PSNR_MIN = 40.0


@pytest.fixture(scope="session")
def models():
    """The tiny packages, built with the models engineer's recipe (tests/models/conftest.py) and cached
    in the build dir; an up-to-date package is kept by the export tool."""
    import sys
    d = BUILD / "models"
    ckpt, up = O.Models.__init__.__defaults__
    if not (d / "checkpoints" / (ckpt + ".comfyc")).exists() or not (d / "upscale_models" / (up + ".comfyc")).exists():
        env = dict(os.environ, PYTHONPATH=str(ROOT / "tools" / "comfyc-export") + os.pathsep +
                   os.environ.get("PYTHONPATH", ""))
        r = subprocess.run([sys.executable, "-m", "comfyc_export", "--tiny-random", "1", "--models", str(d),
                            "--what", "checkpoint,upscale"], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-4000:]
    return d


@pytest.fixture(scope="session")
def M(models):
    return O.Models(models)


@pytest.fixture(scope="session")
def conds(M):
    wf = load("a_tiled_upscale")
    return M.encode_text(wf["2"]["inputs"]["text"]), M.encode_text(wf["3"]["inputs"]["text"])


def load(name):
    return json.loads((EX / f"{name}.api.json").read_text())


def run(models, tmp_path, wf, sets=(), dump="6:0", expect=0):
    """Run a workflow dict through `comfyc run`; returns (rc, stderr, dumped array or None, out dir)."""
    p = tmp_path / "wf.api.json"
    p.write_text(json.dumps(wf))
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    npy = tmp_path / "dump.npy"
    if npy.exists():
        npy.unlink()
    cmd = [str(COMFYC), "run", str(p), "--models", str(models), "--input-dir", str(INPUT), "--output-dir", str(out),
           "--temp-dir", str(tmp_path / "temp"), "-q"]
    for s in sets:
        cmd += ["--set", s]
    if dump:
        cmd += ["--dump", f"{dump}={npy}"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == expect, r.stderr[-3000:]
    arr = np.load(npy) if npy.exists() else None
    return r.returncode, r.stderr, arr, out


def load_image(name):
    from PIL import Image
    return O.pil2tensor(Image.open(INPUT / name).convert("RGB"))[None]


def oracle_segs(wf, image):
    n5 = wf["5"]
    if n5["class_type"] == "EmptySegs":
        return (0, 0), []
    if n5["class_type"] == "ImpactMakeTileSEGS":
        i = n5["inputs"]
        return O.make_tile_segs(image.shape[1], image.shape[2], i["bbox_size"], i["crop_factor"], i["min_overlap"])
    from PIL import Image
    m = np.asarray(Image.open(INPUT / wf["9"]["inputs"]["image"]).convert("RGB"))[..., 0].astype(np.float32) / 255.0
    i = n5["inputs"]
    return O.mask_to_segs(m.astype(np.float32), i["crop_factor"], i["drop_size"])


def oracle_run(M, conds, wf, seed, method, stage_a_only=False, segs=None, sched_func=None):
    s = dict(wf["6"]["inputs"])
    image = load_image(wf["4"]["inputs"]["image"])
    shape, sl = segs if segs is not None else oracle_segs(wf, image)
    return O.segs_upscaler(M, image, shape, sl, s["rescale_factor"], method, s["supersample"], seed, s["steps"],
                           s["cfg"], s["sampler_name"], s["scheduler"], conds[0], conds[1], s["denoise"], s["feather"],
                           s["inpaint_model"], s["noise_mask_feather"], upscale="upscale_model_opt" in s,
                           stage_a_only=stage_a_only, sched_func=sched_func)


RESULTS = {}


@pytest.mark.parametrize("name", ["a_tiled_upscale", "b_model_upscale", "c_mask_inpaint"])
@pytest.mark.parametrize("seed", [42, 7])
@pytest.mark.parametrize("method", ["lanczos", "bicubic"])
def test_example_matches_oracle(models, M, conds, tmp_path, name, seed, method):
    wf = load(name)
    _, _, got, out = run(models, tmp_path, wf, sets=[f"6.seed={seed}", f"6.resampling_method={method}"])
    ref = oracle_run(M, conds, wf, seed, method)
    assert got.shape == ref.shape
    p = O.psnr(got, ref)
    RESULTS[(name, seed, method)] = p
    print(f"{name} seed {seed} {method}: PSNR {p:.2f} dB, max abs diff {np.abs(got - ref).max():.4g}")
    assert p >= PSNR_MIN
    assert list(out.glob("segs_upscaler_*.png")), "SaveImage wrote no file"


@pytest.mark.parametrize("name", ["a_tiled_upscale", "b_model_upscale"])
@pytest.mark.parametrize("method,supersample", [("lanczos", "true"), ("bicubic", "true"), ("nearest", "true"),
                                                ("bilinear", "false")])
@pytest.mark.parametrize("factor", [1.5, 2.3, 0.75])
def test_upscale_stage(models, M, conds, tmp_path, name, method, supersample, factor):
    """Empty SEGS: the output is the stage-A image, trunc(W*f) x trunc(H*f) (2.3: 257 x 184)."""
    wf = load(name)
    wf["5"] = {"class_type": "EmptySegs", "inputs": {}}
    wf.pop("9", None)
    _, _, got, _ = run(models, tmp_path, wf, sets=[f"6.resampling_method={method}", f'6.supersample="{supersample}"',
                                                   f"6.rescale_factor={factor}"])
    w = dict(wf)
    w["6"] = {"class_type": "SEGSUpscaler",
              "inputs": dict(wf["6"]["inputs"], supersample=supersample, rescale_factor=factor)}
    ref = oracle_run(M, conds, w, 0, method, stage_a_only=True)
    assert got.shape == ref.shape == (1, int(80 * factor), int(112 * factor), 3) and got.dtype == np.float32
    # Bit-exact in both paths. With the model, exactness also needs the compiled ESRGAN to give the
    # eager module's floats up to values that quantize alike (measured: 0 differing values here).
    levels = np.abs(np.round(got * 255) - np.round(ref * 255))
    print(f"{name} {method} supersample {supersample}: {int((got != ref).sum())} of {got.size} values differ, "
          f"max {levels.max():.0f} level(s)")
    assert np.array_equal(got.view(np.uint32), ref.view(np.uint32))


@pytest.mark.parametrize("name,changes", [
    ("c_mask_inpaint", {"noise_mask_feather": 0}),                                  # inpaint without DD
    ("a_tiled_upscale", {"feather": 0, "supersample": "false", "resampling_method": "nearest"}),
    ("a_tiled_upscale", {"sampler_name": "euler_ancestral", "scheduler": "karras", "cfg": 3.5}),
    ("b_model_upscale", {"inpaint_model": True, "denoise": 0.35, "scheduler": "simple"}),
])
def test_variants_match_oracle(models, M, conds, tmp_path, name, changes):
    wf = load(name)
    wf["6"]["inputs"].update(changes)
    _, _, got, _ = run(models, tmp_path, wf)
    ref = oracle_run(M, conds, wf, wf["6"]["inputs"]["seed"], wf["6"]["inputs"]["resampling_method"])
    p = O.psnr(got, ref)
    print(f"{name} {changes}: PSNR {p:.2f} dB")
    assert p >= PSNR_MIN


@pytest.mark.parametrize("name", ["a_tiled_upscale", "c_mask_inpaint"])
@pytest.mark.parametrize("nmf", [0, 3, 5, 8, 13, 20, 40])
def test_noise_mask_feathers(models, M, conds, tmp_path, name, nmf):
    """Differential Diffusion's first-step threshold is exactly 1.0: the inside of a blurred noise mask
    must round like torchvision's convolution (src/image/blur_flat.h). Feathers whose kernel sums
    round differently in a plain separable blur (5, 8, 20, ...) gave about 20 dB before that fix."""
    wf = load(name)
    wf["6"]["inputs"]["noise_mask_feather"] = nmf
    _, _, got, _ = run(models, tmp_path, wf)
    p = O.psnr(got, oracle_run(M, conds, wf, 42, "lanczos"))
    print(f"{name} noise_mask_feather {nmf}: PSNR {p:.2f} dB")
    assert p >= PSNR_MIN


def test_hook_and_gits_example_matches_oracle(models, M, conds, tmp_path):
    """(d): the GITS SCHEDULER_FUNC replaces the schedule (8 steps for steps 4 / denoise 0.5); the
    preview hook leaves the pixels alone."""
    wf = load("d_hook_gits")
    _, _, got, _ = run(models, tmp_path, wf)
    ref = oracle_run(M, conds, wf, 42, "lanczos", sched_func=O.gits_1_20)
    p = O.psnr(got, ref)
    print(f"d_hook_gits: PSNR {p:.2f} dB")
    assert p >= PSNR_MIN
    assert (tmp_path / "temp" / "pvhook" / "10.webp").exists()


def test_edge_cases_overlap_odd_sizes_downscale(models, M, conds, tmp_path):
    """rescale_factor < 1 (0.75), crops not divisible by 8, overlapping segments (the later one reads
    the earlier paste) — comfyc vs oracle through the CLI."""
    wf = load("a_tiled_upscale")
    i = wf["5"]["inputs"]
    i.update(bbox_size=64, crop_factor=1.5, min_overlap=16)
    sets = ["6.rescale_factor=0.75", "6.seed=3"]
    image = load_image("segs_demo.png")
    shape, sl = O.make_tile_segs(image.shape[1], image.shape[2], 64, 1.5, 16)
    scaled = O.segs_scale_match(shape, sl, int(80 * 0.75), int(112 * 0.75))
    assert any((s.crop[2] - s.crop[0]) % 8 or (s.crop[3] - s.crop[1]) % 8 for s in scaled)
    boxes = [s.crop for s in scaled]
    assert any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] for k, a in enumerate(boxes)
               for b in boxes[k + 1:])
    _, _, got, _ = run(models, tmp_path, wf, sets=sets)
    w = json.loads(json.dumps(wf))
    w["6"]["inputs"]["rescale_factor"] = 0.75
    ref = oracle_run(M, conds, w, 3, "lanczos", segs=(shape, sl))
    p = O.psnr(got, ref)
    print(f"downscale/overlap/odd sizes: PSNR {p:.2f} dB")
    assert got.shape == (1, 60, 84, 3) and p >= PSNR_MIN


def test_bad_inputs(models, tmp_path):
    wf = load("a_tiled_upscale")
    # zero target size: runtime error naming node 6 and rescale_factor; no output file
    rc, err, _, out = run(models, tmp_path, wf, sets=["6.rescale_factor=0.01"], dump=None, expect=1)
    assert "node 6" in err and "rescale_factor" in err and not list(out.glob("*.png"))
    # steps = 0, unknown sampler / scheduler: validation errors (exit 2) naming node and input
    for s, inp in [("6.steps=0", "steps"), ("6.sampler_name=warp_drive", "sampler_name"),
                   ("6.scheduler=sideways", "scheduler")]:
        rc, err, _, out = run(models, tmp_path, wf, sets=[s], dump=None, expect=2)
        assert inp in err and "6" in err and not list(out.glob("*.png")), err
    # batch of 2 images
    w = json.loads(json.dumps(wf))
    w["12"] = {"class_type": "EmptyImage", "inputs": {"width": 112, "height": 80, "batch_size": 2, "color": 0}}
    w["6"]["inputs"]["image"] = ["12", 0]
    rc, err, _, out = run(models, tmp_path, w, dump=None, expect=1)
    assert "node 6" in err and "'image'" in err and "batch" in err and not list(out.glob("*.png"))
    # SEGS made from another image (shape mismatch)
    w = json.loads(json.dumps(wf))
    w["12"] = {"class_type": "EmptyImage", "inputs": {"width": 200, "height": 150, "batch_size": 1, "color": 0}}
    w["5"]["inputs"]["images"] = ["12", 0]
    rc, err, _, out = run(models, tmp_path, w, dump=None, expect=1)
    assert "node 6" in err and "'segs'" in err and not list(out.glob("*.png"))
