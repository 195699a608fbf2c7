"""The SEGSUpscaler example workflows (examples/segs_upscaler): the files match the node tables
(regenerated from `comfyc nodes --json`), each UI file converts to its API file, each validates,
the UI and API forms give bit-identical outputs, and (d) writes the hook's WebP preview file."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("CFY_BUILD_DIR", ROOT / "build"))
COMFYC = str(BUILD / "comfyc")
EX = ROOT / "examples" / "segs_upscaler"
sys.path.insert(0, str(EX))
import make_examples  # noqa: E402

NAMES = list(make_examples.EXAMPLES)
HAVE_MODELS = (BUILD / "models" / "checkpoints" / "tiny-sd1-s1.safetensors.comfyc").exists()


def comfyc(*args):
    return subprocess.run([COMFYC, *map(str, args)], capture_output=True, text=True, timeout=600)


def strip_meta(p):
    return {k: {kk: vv for kk, vv in v.items() if kk != "_meta"} for k, v in p.items()}


@pytest.fixture(scope="module")
def info():
    return json.loads(comfyc("nodes", "--json").stdout)


@pytest.mark.parametrize("name", NAMES)
def test_files_are_current_and_convert(info, name, tmp_path):
    wf = make_examples.EXAMPLES[name]()
    assert json.loads((EX / f"{name}.api.json").read_text()) == make_examples.api(wf)
    assert json.loads((EX / f"{name}.json").read_text()) == make_examples.ui(wf, info)
    r = comfyc("convert", EX / f"{name}.json")
    assert r.returncode == 0, r.stderr
    assert strip_meta(json.loads(r.stdout)) == make_examples.api(wf)


@pytest.mark.skipif(not HAVE_MODELS, reason="tiny models not exported in this build dir")
@pytest.mark.parametrize("name", NAMES)
def test_validates(name):
    r = comfyc("validate", EX / f"{name}.json", "--models", BUILD / "models", "--input-dir", EX / "input")
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(not HAVE_MODELS, reason="tiny models not exported in this build dir")
def test_ui_and_api_give_the_same_image_and_hook_preview(tmp_path):
    outs = {}
    for form in ("json", "api.json"):
        d = tmp_path / form
        r = comfyc("run", EX / f"d_hook_gits.{form}", "--models", BUILD / "models", "--input-dir", EX / "input",
                   "--output-dir", d / "out", "--temp-dir", d / "temp", "--dump", f"6:0={d / 'o.npy'}", "-q")
        assert r.returncode == 0, r.stderr
        outs[form] = np.load(d / "o.npy")
        pngs = list((d / "out").glob("segs_upscaler_d_*.png"))
        preview = d / "temp" / "pvhook" / "10.webp"
        assert len(pngs) == 1 and preview.exists()
        # the last preview is written after the last paste: the final image as SaveImage quantizes
        # it, through lossy WebP at the hook's quality 95 — as close to it as Pillow's own
        # save(quality=95) of those pixels (the Impact Pack's call; the tiny model's noisy output
        # makes lossy WebP lose a lot, so the bound is relative)
        import io
        from PIL import Image
        saved = Image.open(pngs[0]).convert("RGB")
        pv = Image.open(preview)
        assert pv.format == "WEBP" and pv.size == saved.size
        buf = io.BytesIO()
        saved.save(buf, format="WEBP", quality=95)
        ref = np.asarray(saved).astype(np.float64)
        mse = {k: np.mean((np.asarray(im.convert("RGB")).astype(np.float64) - ref) ** 2)
               for k, im in (("comfyc", pv), ("pillow", Image.open(buf)))}
        assert mse["comfyc"] <= 1.25 * mse["pillow"] + 1e-9, mse
    assert np.array_equal(outs["json"], outs["api.json"])


@pytest.mark.skipif(not HAVE_MODELS, reason="tiny models not exported in this build dir")
def test_progress_bars_segments_and_steps(tmp_path):
    """SEGSUpscaler's two bars carry distinct labels: "segments" (one tick per segment) and "steps"
    (each segment's sampler steps), each finished bar on its own line."""
    api = json.loads((EX / "a_tiled_upscale.api.json").read_text())
    r = subprocess.run([COMFYC, "run", str(EX / "a_tiled_upscale.api.json"), "--models", str(BUILD / "models"),
                        "--input-dir", str(EX / "input"), "--output-dir", str(tmp_path / "out")],
                       capture_output=True, timeout=600)
    err = r.stderr.decode()
    assert r.returncode == 0, err
    shown = [ln.rsplit("\r", 1)[-1].split("] ", 1)[1] for ln in err.split("\n") if ln.startswith("\r")]
    done = [ln.rsplit("\r", 1)[-1].split()[0] for ln in err.split("\n") if ln.startswith("\r")]
    seg = [d for d, s in zip(done, shown) if s == "node 6 (SEGSUpscaler) segments"]
    steps = [d for d, s in zip(done, shown) if s == "node 6 (SEGSUpscaler) steps"]
    assert set(shown) == {"node 6 (SEGSUpscaler) segments", "node 6 (SEGSUpscaler) steps"}, err
    n = len(seg)
    assert n >= 2 and seg == [f"{i}/{n}" for i in range(1, n + 1)], err
    assert len(steps) == n and len(set(steps)) == 1, err  # one finished steps bar per segment
    assert api["6"]["inputs"]["steps"] >= 1


@pytest.mark.skipif(not HAVE_MODELS, reason="tiny models not exported in this build dir")
def test_pipe_variant_matches(tmp_path):
    """SEGSUpscalerPipe fed by ToBasicPipe gives the same pixels as SEGSUpscaler."""
    wf = make_examples.api(make_examples.example_a())
    s = dict(wf["6"]["inputs"])
    wf["12"] = {"class_type": "ToBasicPipe", "inputs": {"model": s.pop("model"), "clip": s.pop("clip"),
                                                         "vae": s.pop("vae"), "positive": s.pop("positive"),
                                                         "negative": s.pop("negative")}}
    s["basic_pipe"] = ["12", 0]
    wf["13"] = {"class_type": "SEGSUpscalerPipe", "inputs": s}
    wf["7"]["inputs"]["images"] = ["13", 0]
    wf["14"] = {"class_type": "PreviewImage", "inputs": {"images": ["6", 0]}}
    p = tmp_path / "pipe.api.json"
    p.write_text(json.dumps(wf))
    r = comfyc("run", p, "--models", BUILD / "models", "--input-dir", EX / "input", "--output-dir", tmp_path / "o",
               "--temp-dir", tmp_path / "t", "--dump", f"6:0={tmp_path / 'a.npy'}", "--dump",
               f"13:0={tmp_path / 'b.npy'}", "-q")
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))


@pytest.mark.skipif(not HAVE_MODELS, reason="tiny models not exported in this build dir")
def test_hook_keeps_pixels_and_gits_replaces_schedule(tmp_path):
    """(d) without its SCHEDULER_FUNC equals (a) bit for bit (the preview hook never changes pixels);
    with it the result differs (GITS replaced the `normal` schedule)."""
    res = {}
    for key, wf in [("a", make_examples.api(make_examples.example_a())),
                    ("d", make_examples.api(make_examples.example_d()))]:
        res[key] = wf
    no_sched = json.loads(json.dumps(res["d"]))
    del no_sched["6"]["inputs"]["scheduler_func_opt"]
    del no_sched["11"]
    outs = {}
    for key, wf in [("a", res["a"]), ("d", res["d"]), ("d_no_sched", no_sched)]:
        p = tmp_path / f"{key}.api.json"
        p.write_text(json.dumps(wf))
        r = comfyc("run", p, "--models", BUILD / "models", "--input-dir", EX / "input", "--output-dir",
                   tmp_path / "o", "--temp-dir", tmp_path / "t", "--dump", f"6:0={tmp_path / (key + '.npy')}", "-q")
        assert r.returncode == 0, r.stderr
        outs[key] = np.load(tmp_path / (key + ".npy"))
    assert np.array_equal(outs["a"], outs["d_no_sched"])
    assert not np.array_equal(outs["a"], outs["d"])


@pytest.mark.skipif(not HAVE_MODELS, reason="tiny models not exported in this build dir")
def test_report_lists_each_segment(tmp_path):
    """--report carries one entry per segment: crop region (from the oracle's tiling and its
    swapped-factor scale match), seed + index, skipped flag and time."""
    from PIL import Image
    sys.path.insert(0, str(ROOT / "tests" / "oracle"))
    import segs_oracle as so
    api = json.loads((EX / "a_tiled_upscale.api.json").read_text())
    tile, up = api["5"]["inputs"], api["6"]["inputs"]
    W, H = Image.open(EX / "input" / api["4"]["inputs"]["image"]).size
    shape, segs = so.make_tile_segs(H, W, tile["bbox_size"], tile["crop_factor"], tile["min_overlap"])
    f = up["rescale_factor"]
    segs = so.segs_scale_match(shape, segs, int(H * f), int(W * f))
    report = tmp_path / "report.json"
    r = comfyc("run", EX / "a_tiled_upscale.api.json", "--models", BUILD / "models", "--input-dir", EX / "input",
               "--output-dir", tmp_path / "out", "--report", report, "-q")
    assert r.returncode == 0, r.stderr
    node = next(n for n in json.loads(report.read_text())["nodes"] if n["id"] == "6")
    got = node["segments"]
    assert [s["index"] for s in got] == list(range(len(segs)))
    assert [s["crop_region"] for s in got] == [list(s.crop) for s in segs]
    assert [s["seed"] for s in got] == [up["seed"] + i for i in range(len(segs))]
    assert all(s["skipped"] is False and s["seconds"] >= 0 for s in got)
