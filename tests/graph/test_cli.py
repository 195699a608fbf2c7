"""test_cli.py — the comfyc command line: help, exit codes, validate/convert/nodes output, run options, plugins, Ctrl-C.

Runs the built binary ($CFY_BUILD_DIR/comfyc, default build/comfyc). A test plugin
(tests/graph/cli_test_plugin.c) is compiled with the system C compiler into a temporary folder.
"""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import time

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("CFY_BUILD_DIR", ROOT / "build"))
COMFYC = BUILD / "comfyc"

pytestmark = pytest.mark.skipif(not COMFYC.exists(), reason=f"{COMFYC} not built")


def run(*args, timeout=60, **kw):
    return subprocess.run([str(COMFYC), *map(str, args)], capture_output=True, text=True, timeout=timeout, **kw)


@pytest.fixture(scope="module")
def plugins(tmp_path_factory):
    d = tmp_path_factory.mktemp("plugins")
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        pytest.skip("no C compiler for the test plugin")
    src = ROOT / "tests/graph/cli_test_plugin.c"
    out = {}
    for name, extra in (("good", []), ("bad_abi", ["-DCFY_TEST_BAD_ABI"])):
        so = d / f"{name}.so"
        subprocess.run([cc, "-std=c11", "-shared", "-fPIC", "-O1", f"-I{ROOT / 'include'}", *extra, str(src), "-o", str(so)],
                       check=True)
        out[name] = so
    return out


API = {
    "1": {"class_type": "EmptyImage", "inputs": {"width": 16, "height": 8, "batch_size": 1, "color": 0x336699},
          "_meta": {"title": "Empty"}},
    "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
    "3": {"class_type": "SaveImage", "inputs": {"filename_prefix": "cli", "images": ["2", 0]}},
}

UI = {
    "last_node_id": 3, "last_link_id": 2, "version": 0.4,
    "nodes": [
        {"id": 1, "type": "EmptyImage", "mode": 0, "inputs": [], "title": "Empty",
         "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [1]}], "widgets_values": [16, 8, 1, 0x336699]},
        {"id": 2, "type": "ImageInvert", "mode": 0, "inputs": [{"name": "image", "type": "IMAGE", "link": 1}],
         "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [2]}], "widgets_values": []},
        {"id": 3, "type": "SaveImage", "mode": 0, "inputs": [{"name": "images", "type": "IMAGE", "link": 2}],
         "outputs": [], "widgets_values": ["cli"]},
    ],
    "links": [[1, 1, 0, 2, 0, "IMAGE"], [2, 2, 0, 3, 0, "IMAGE"]],
}


def write(path, obj):
    path.write_text(json.dumps(obj) if not isinstance(obj, str) else obj)
    return path


# ---------------------------------------------------------------- help and arguments

@pytest.mark.parametrize("cmd", [[], ["run"], ["validate"], ["convert"], ["nodes"]])
def test_help_everywhere(cmd):
    r = run(*cmd, "--help")
    assert r.returncode == 0
    assert "usage: comfyc" in r.stdout


def test_version_and_bad_arguments():
    assert run("--version").stdout.startswith("comfyc ")
    assert run().returncode == 2
    assert run("explode").returncode == 2
    assert run("run").returncode == 2                              # no workflow
    assert run("run", "x.json", "--frobnicate").returncode == 2    # unknown option
    assert run("run", "x.json", "--repeat", "0").returncode == 2
    assert run("run", "x.json", "--device", "tpu").returncode == 2
    assert run("run", "x.json", "--set").returncode == 2           # missing value
    assert run("nodes", "--bogus").returncode == 2


def test_help_startup_is_fast():
    t = time.perf_counter()
    for _ in range(5):
        run("--help")
    assert (time.perf_counter() - t) / 5 < 0.5  # generous: only guards against pathological start-up


# ---------------------------------------------------------------- nodes

def test_nodes_text_and_json():
    r = run("nodes")
    assert r.returncode == 0 and "SaveImage" in r.stdout
    info = json.loads(run("nodes", "--json").stdout)
    save = info["SaveImage"]
    assert save["output_node"] is True
    assert save["input_order"]["required"] == ["images", "filename_prefix"]
    assert save["input"]["hidden"] == {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}
    assert info["EmptyImage"]["input"]["required"]["width"][0] == "INT"
    assert info["EmptyImage"]["input"]["required"]["width"][1]["max"] == 16384
    for entry in info.values():
        for key in ("input", "input_order", "output", "output_is_list", "output_name", "name", "display_name",
                    "description", "python_module", "category", "output_node"):
            assert key in entry


def test_plugins(plugins):
    ex = BUILD / "example_plugin.so"
    info = json.loads(run("nodes", "--json", "--plugin", ex).stdout)
    assert info["ExampleAddInts"]["output"] == ["INT"]
    r = run("nodes", "--plugin", plugins["bad_abi"])
    assert r.returncode == 2
    import re
    abi = int(re.search(r"#define CFY_ABI_VERSION (\d+)u", (ROOT / "include/comfyc/node.h").read_text()).group(1))
    assert f"ABI {abi + 1000}" in r.stderr and f"ABI {abi}" in r.stderr  # both versions named
    r = run("nodes", "--plugin", "/nonexistent/p.so")
    assert r.returncode == 2
    r = run("nodes", "--plugin", ex, "--plugin", ex)  # duplicate class names both sources
    assert r.returncode == 2 and "already registered" in r.stderr


def test_run_with_plugin_nodes(tmp_path, plugins):
    wf = write(tmp_path / "p.json", {
        "1": {"class_type": "ExampleAddInts", "inputs": {"a": 40, "b": 2}},
        "2": {"class_type": "TestPrint", "inputs": {"value": ["1", 0]}}})
    r = run("run", wf, "--plugin", BUILD / "example_plugin.so", "--plugin", plugins["good"])
    assert r.returncode == 0, r.stderr
    assert "TestPrint 2: 42" in r.stdout


def test_progress_bars_named_per_label(tmp_path, plugins):
    """A node with two bars (sampler "steps" inside "segments", as SEGSUpscaler) prints each with its
    own label on its own line; an unlabelled bar (TestSleep) keeps the plain "node N (Class)" form;
    -q prints none."""
    wf = write(tmp_path / "b.json", {
        "1": {"class_type": "TestBars", "inputs": {"value": 2}},
        "2": {"class_type": "TestSleep", "inputs": {"value": ["1", 0], "seconds": 0.0}},
        "3": {"class_type": "TestPrint", "inputs": {"value": ["2", 0]}}})
    r = subprocess.run([str(COMFYC), "run", str(wf), "--plugin", str(plugins["good"]), "--output-dir",
                        str(tmp_path)], capture_output=True, timeout=60)  # bytes: keep the \r redraws
    err = r.stderr.decode()
    assert r.returncode == 0, err
    # what a terminal shows: the last redraw of each line, bar lines only
    lines = [ln.rsplit("\r", 1)[-1] for ln in err.split("\n") if ln.startswith("\r")]
    bar = "[" + "#" * 20 + "]"
    assert lines == [f"  3/3 {bar} node 1 (TestBars) steps",
                     f"  1/2 [{'#' * 10}{' ' * 10}] node 1 (TestBars) segments",
                     f"  3/3 {bar} node 1 (TestBars) steps",
                     f"  2/2 {bar} node 1 (TestBars) segments",
                     f"  100/100 {bar} node 2 (TestSleep)"], err
    r = run("run", wf, "--plugin", plugins["good"], "--output-dir", tmp_path, "-q")
    assert r.returncode == 0 and "node 1" not in r.stderr, r.stderr


# ---------------------------------------------------------------- validate

def test_validate_ok(tmp_path):
    r = run("validate", write(tmp_path / "w.json", API))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"error": None, "node_errors": {}}


@pytest.mark.parametrize("edit,node,etype", [
    (lambda w: w["1"]["inputs"].pop("width"), "1", "required_input_missing"),
    (lambda w: w["1"]["inputs"].update(width=0), "1", "value_smaller_than_min"),
    (lambda w: w["1"]["inputs"].update(width=99999), "1", "value_bigger_than_max"),
    (lambda w: w["1"]["inputs"].update(width="wide"), "1", "invalid_input_type"),
    (lambda w: w["2"]["inputs"].update(image=["1", 0, 0]), "2", "bad_linked_input"),
    (lambda w: w.update({"4": {"class_type": "SolidMask", "inputs": {"value": 1.0, "width": 8, "height": 8}}})
     or w["2"]["inputs"].update(image=["4", 0]), "2", "return_type_mismatch"),
    (lambda w: w["2"]["inputs"].update(image=["9", 0]), "2", "exception_during_inner_validation"),
    (lambda w: w["3"]["inputs"].update(images=["2", 3]), "3", "exception_during_validation"),
    (lambda w: w["2"]["inputs"].update(image=["2", 0]), "2", "dependency_cycle"),
])
def test_validate_errors(tmp_path, edit, node, etype):
    w = json.loads(json.dumps(API))
    edit(w)
    r = run("validate", write(tmp_path / "w.json", w))
    assert r.returncode == 2
    out = json.loads(r.stdout)
    assert out["error"]["type"] == "prompt_outputs_failed_validation"
    assert out["node_errors"][node]["errors"][0]["type"] == etype
    assert out["node_errors"][node]["dependent_outputs"] == ["3"]
    assert f"node {node} " in r.stderr


def test_validate_top_level_errors(tmp_path):
    w = json.loads(json.dumps(API))
    w["1"]["class_type"] = "NoSuchNode"
    out = run("validate", write(tmp_path / "a.json", w))
    assert out.returncode == 2 and json.loads(out.stdout)["error"]["type"] == "missing_node_type"
    w = {"1": API["1"]}
    out = run("validate", write(tmp_path / "b.json", w))
    assert out.returncode == 2 and json.loads(out.stdout)["error"]["type"] == "prompt_no_outputs"


def test_malformed_json_reports_line_and_column(tmp_path):
    r = run("validate", write(tmp_path / "m.json", '{"1": {"class_type": "EmptyImage",\n  "inputs": {"width": 16,}}}'))
    assert r.returncode == 2
    assert "line 2, column 26" in r.stderr
    assert json.loads(r.stdout)["error"]["type"] == "invalid_prompt"
    rep = tmp_path / "rep.json"
    r = run("run", tmp_path / "m.json", "--report", rep)
    assert r.returncode == 2 and "line 2, column 26" in r.stderr
    report = json.loads(rep.read_text())
    assert report["status"] == "invalid" and "line 2, column 26" in report["error"]["message"]


def test_wrong_shape_and_missing_file(tmp_path):
    r = run("validate", write(tmp_path / "s.json", "[1, 2, 3]"))
    assert r.returncode == 2 and "wrong top-level shape" in r.stderr
    r = run("run", tmp_path / "does-not-exist.json")
    assert r.returncode == 2


# ---------------------------------------------------------------- convert

def test_convert(tmp_path):
    r = run("convert", write(tmp_path / "ui.json", UI))
    assert r.returncode == 0, r.stderr
    api = json.loads(r.stdout)
    assert api["1"]["inputs"] == {"width": 16, "height": 8, "batch_size": 1, "color": 0x336699}
    assert api["3"]["inputs"]["images"] == ["2", 0]
    assert api["1"]["_meta"]["title"] == "Empty"
    r = run("convert", write(tmp_path / "api.json", API))
    assert r.returncode == 2
    out = tmp_path / "out.json"
    assert run("convert", tmp_path / "ui.json", "-o", out).returncode == 0
    assert json.loads(out.read_text()) == api


# ---------------------------------------------------------------- run

def saved(out_dir):
    return sorted(p.name for p in pathlib.Path(out_dir).glob("*.png"))


def test_run_api_ui_png_identical(tmp_path):
    from PIL import Image
    outs = {}
    for kind, obj in (("api", API), ("ui", UI)):
        out = tmp_path / f"out_{kind}"
        r = run("run", write(tmp_path / f"{kind}.json", obj), "--output-dir", out)
        assert r.returncode == 0, r.stderr
        assert saved(out) == ["cli_00001_.png"]
        outs[kind] = out / "cli_00001_.png"
    # the saved PNG carries the submitted prompt (after validation) and runs again as a workflow
    img = Image.open(outs["api"])
    assert json.loads(img.text["prompt"]) == API
    assert "workflow" not in img.text
    ui_img = Image.open(outs["ui"])
    assert json.loads(ui_img.text["workflow"]) == UI
    out = tmp_path / "out_png"
    r = run("run", outs["ui"], "--output-dir", out)
    assert r.returncode == 0, r.stderr
    a, b, c = (np.asarray(Image.open(p)) for p in (outs["api"], outs["ui"], out / "cli_00001_.png"))
    assert (a == b).all() and (a == c).all()


def test_run_report_repeat_set_dump(tmp_path):
    wf = write(tmp_path / "w.json", API)
    rep = tmp_path / "r.json"
    npy = tmp_path / "inv.npy"
    r = run("run", wf, "--output-dir", tmp_path / "o", "--repeat", "2", "--report", rep,
            "--set", "1.width=32", "--dump", f"2:0={npy}")
    assert r.returncode == 0, r.stderr
    assert "run 1/2: 3 executed, 0 cached" in r.stderr
    assert "run 2/2: 0 executed, 3 cached" in r.stderr
    report = json.loads(rep.read_text())
    assert report["status"] == "success" and report["error"] is None
    assert report["nodes_cached"] == 3 and [n["status"] for n in report["nodes"]] == ["cached"] * 3
    assert report["files"][0]["filename"] == "cli_00001_.png" and report["files"][0]["cached"]
    assert saved(tmp_path / "o") == ["cli_00001_.png"]  # the cached SaveImage wrote nothing new
    arr = np.load(npy)
    assert arr.shape == (1, 8, 32, 3) and arr.dtype == np.float32
    assert np.allclose(arr[0, 0, 0], [1 - 0x33 / 255, 1 - 0x66 / 255, 1 - 0x99 / 255])
    # a bad --set or --dump target is an argument error
    assert run("run", wf, "--set", "77.width=3", "--output-dir", tmp_path / "o").returncode == 2
    assert run("run", wf, "--set", "nodot=3").returncode == 2
    assert run("run", wf, "--dump", f"3={npy}", "--output-dir", tmp_path / "o2").returncode == 2


def test_run_exit_codes(tmp_path, plugins):
    w = json.loads(json.dumps(API))
    w["1"]["inputs"]["width"] = -5
    rep = tmp_path / "bad.json"
    r = run("run", write(tmp_path / "v.json", w), "--report", rep)
    assert r.returncode == 2
    assert json.loads(rep.read_text())["status"] == "invalid"
    fail = write(tmp_path / "f.json", {"1": {"class_type": "TestFail", "inputs": {"value": 3}},
                                       "2": {"class_type": "TestPrint", "inputs": {"value": ["1", 0]}}})
    r = run("run", fail, "--plugin", plugins["good"], "--report", rep)
    assert r.returncode == 1
    assert "node 1 (TestFail) input 'value'" in r.stderr
    report = json.loads(rep.read_text())
    assert report["error"]["node_id"] == "1" and report["error"]["input"] == "value"


def test_sigint_interrupts_between_nodes(tmp_path, plugins):
    wf = write(tmp_path / "s.json", {
        "1": {"class_type": "TestSleep", "inputs": {"value": 0, "seconds": 1.0}},
        "2": {"class_type": "TestSleep", "inputs": {"value": ["1", 0], "seconds": 1.0}},
        "3": {"class_type": "TestSleep", "inputs": {"value": ["2", 0], "seconds": 1.0}},
        "4": {"class_type": "TestPrint", "inputs": {"value": ["3", 0]}}})
    rep = tmp_path / "rep.json"
    p = subprocess.Popen([str(COMFYC), "run", str(wf), "--plugin", str(plugins["good"]), "--report", str(rep), "-q"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    t = time.perf_counter()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    assert time.perf_counter() - t < 1.0  # stopped at the next step, not after all nodes
    assert p.returncode == 1
    assert "interrupted" in err
    assert "TestPrint" not in out
    report = json.loads(rep.read_text())
    assert report["status"] == "interrupted"


# ---------------------------------------------------------------- issue 2's end-to-end case

SCALE_API = {
    "1": {"inputs": {"image": "photo.png"}, "class_type": "LoadImage", "_meta": {"title": "Load Image"}},
    "2": {"inputs": {"upscale_method": "nearest-exact", "scale_by": 0.5, "image": ["1", 0]},
          "class_type": "ImageScaleBy", "_meta": {"title": "Upscale Image By"}},
    "3": {"inputs": {"filename_prefix": "half/x", "images": ["2", 0]}, "class_type": "SaveImage",
          "_meta": {"title": "Save Image"}},
}

SCALE_UI = {
    "last_node_id": 4, "last_link_id": 3, "version": 0.4,
    "nodes": [
        {"id": 1, "type": "LoadImage", "pos": [0, 0], "size": [315, 314], "flags": {}, "order": 0, "mode": 0,
         "inputs": [], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [1, 3]},
                                   {"name": "MASK", "type": "MASK", "links": None}],
         "properties": {"Node name for S&R": "LoadImage"}, "widgets_values": ["photo.png", "image"]},
        {"id": 2, "type": "ImageScaleBy", "pos": [350, 0], "size": [315, 82], "flags": {}, "order": 1, "mode": 0,
         "inputs": [{"name": "image", "type": "IMAGE", "link": 1}],
         "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [2]}],
         "properties": {"Node name for S&R": "ImageScaleBy"}, "widgets_values": ["nearest-exact", 0.5]},
        {"id": 3, "type": "SaveImage", "pos": [700, 0], "size": [315, 270], "flags": {}, "order": 2, "mode": 0,
         "inputs": [{"name": "images", "type": "IMAGE", "link": 2}],
         "properties": {"Node name for S&R": "SaveImage"}, "widgets_values": ["half/x"]},
        {"id": 4, "type": "PreviewImage", "pos": [350, 200], "size": [210, 246], "flags": {}, "order": 3, "mode": 2,
         "inputs": [{"name": "images", "type": "IMAGE", "link": 3}],
         "properties": {"Node name for S&R": "PreviewImage"}, "widgets_values": []},
    ],
    "links": [[1, 1, 0, 2, 0, "IMAGE"], [2, 2, 0, 3, 0, "IMAGE"], [3, 1, 0, 4, 0, "IMAGE"]],
    "groups": [], "config": {}, "extra": {},
}


def test_load_scale_save_api_ui_png(tmp_path):
    from PIL import Image
    info = json.loads(run("nodes", "--json").stdout)
    assert {"LoadImage", "ImageScaleBy", "SaveImage"} <= info.keys()
    inp = tmp_path / "input"
    inp.mkdir()
    rng = np.random.default_rng(7)
    Image.fromarray(rng.integers(0, 256, (12, 20, 3), dtype=np.uint8)).save(inp / "photo.png")
    files = {}
    for kind, obj in (("api", SCALE_API), ("ui", SCALE_UI)):
        out = tmp_path / f"out_{kind}"
        r = run("run", write(tmp_path / f"{kind}.json", obj), "--input-dir", inp, "--output-dir", out)
        assert r.returncode == 0, r.stderr
        files[kind] = out / "half" / "x_00001_.png"
        assert files[kind].exists()
    r = run("convert", tmp_path / "ui.json")
    assert json.loads(r.stdout) == SCALE_API  # the UI form converts to exactly the API form
    out = tmp_path / "out_png"
    r = run("run", files["ui"], "--input-dir", inp, "--output-dir", out)
    assert r.returncode == 0, r.stderr
    files["png"] = out / "half" / "x_00001_.png"
    imgs = {k: Image.open(p) for k, p in files.items()}
    arrays = {k: np.asarray(im) for k, im in imgs.items()}
    assert arrays["api"].shape == (6, 10, 3)
    assert (arrays["api"] == arrays["ui"]).all() and (arrays["api"] == arrays["png"]).all()
    for im in imgs.values():
        assert json.loads(im.text["prompt"]) == SCALE_API  # the prompt chunk is the submitted prompt
    assert json.loads(imgs["ui"].text["workflow"]) == SCALE_UI


def test_max_image_size_option(tmp_path):
    """--max-image-size refuses a larger input image naming the node and input; nothing is saved."""
    from PIL import Image
    inp = tmp_path / "input"
    inp.mkdir()
    Image.new("RGB", (20, 12)).save(inp / "photo.png")
    wf = write(tmp_path / "api.json", SCALE_API)
    out = tmp_path / "out"
    r = run("run", wf, "--input-dir", inp, "--output-dir", out, "--max-image-size", "16")
    assert r.returncode == 1, r.stderr
    assert "node 1 (LoadImage)" in r.stderr and "'image'" in r.stderr
    assert not (out / "half").exists() or not any((out / "half").iterdir())
    r = run("run", wf, "--input-dir", inp, "--output-dir", out, "--max-image-size", "20")
    assert r.returncode == 0, r.stderr
    r = run("run", wf, "--max-image-size", "zero")
    assert r.returncode == 2 and "--max-image-size" in r.stderr
