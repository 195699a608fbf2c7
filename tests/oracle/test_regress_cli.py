"""`comfyc compare` and `comfyc check`: metrics against NumPy/SciPy references, thresholds and exit
codes, and a check suite run against goldens made by the Python oracle (never by comfyc), with
its JUnit XML report.

The binary is $CFY_COMFYC when set, else $CFY_BUILD_DIR/comfyc."""
import json
import os
import pathlib
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("CFY_BUILD_DIR", ROOT / "build"))
COMFYC = os.environ.get("CFY_COMFYC", str(BUILD / "comfyc"))
EX = ROOT / "examples" / "segs_upscaler"


def comfyc(*args):
    return subprocess.run([COMFYC, *map(str, args)], capture_output=True, text=True, timeout=600)


def ssim_ref(a, b):
    """scikit-image structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
    data_range=1, channel_axis=-1), rebuilt with scipy.ndimage."""
    from scipy.ndimage import gaussian_filter
    vals = []
    for c in range(a.shape[-1]):
        x, y = a[..., c].astype(np.float64), b[..., c].astype(np.float64)
        f = lambda z: gaussian_filter(z, 1.5, truncate=3.5)  # noqa: E731
        mx, my = f(x), f(y)
        vx, vy, cxy = f(x * x) - mx * mx, f(y * y) - my * my, f(x * y) - mx * my
        s = ((2 * mx * my + 1e-4) * (2 * cxy + 9e-4)) / ((mx * mx + my * my + 1e-4) * (vx + vy + 9e-4))
        vals.append(s[5:-5, 5:-5].mean())
    return float(np.mean(vals))


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(3)
    a = (rng.random((40, 56, 3)) * 255).astype(np.uint8)
    b = a.copy()
    b[10:20, 10:30] = np.clip(b[10:20, 10:30].astype(int) + rng.integers(-6, 7, (10, 20, 3)), 0, 255)
    Image.fromarray(a).save(tmp_path / "a.png")
    Image.fromarray(b).save(tmp_path / "b.png")
    np.save(tmp_path / "b.npy", (b.astype(np.float32) / 255)[None])
    return tmp_path, a.astype(np.float64) / 255, b.astype(np.float64) / 255


def test_compare_metrics_match_reference(pair):
    d, a, b = pair
    r = comfyc("compare", d / "a.png", d / "b.png", "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    mse = np.mean((a - b) ** 2)
    assert abs(j["psnr_db"] - 10 * np.log10(1 / mse)) < 1e-3
    assert abs(j["max_abs_diff"] - np.abs(a - b).max()) < 1e-6
    assert abs(j["ssim"] - ssim_ref(a, b)) < 1e-5
    assert j["different"] == int((a != b).sum())
    # a .npy (as --dump writes) compares like the PNG it came from
    r2 = comfyc("compare", d / "a.png", d / "b.npy", "--json")
    assert r2.returncode == 0 and abs(json.loads(r2.stdout)["psnr_db"] - j["psnr_db"]) < 1e-3


def test_compare_thresholds_and_exit_codes(pair):
    d, a, b = pair
    assert "inf" in comfyc("compare", d / "a.png", d / "a.png").stdout
    assert comfyc("compare", d / "a.png", d / "a.png", "--max-diff", "0").returncode == 0
    r = comfyc("compare", d / "a.png", d / "b.png", "--psnr-min", "99")
    assert r.returncode == 1 and "PSNR" in r.stderr
    assert comfyc("compare", d / "a.png", d / "b.png", "--ssim-min", "0.99999").returncode == 1
    assert comfyc("compare", d / "a.png", d / "b.png", "--max-diff", str(1 / 255)).returncode == 1
    assert comfyc("compare", d / "a.png", d / "b.png", "--max-diff", str(7 / 255)).returncode == 0
    Image.fromarray(np.zeros((5, 5, 3), np.uint8)).save(d / "small.png")
    assert comfyc("compare", d / "a.png", d / "small.png").returncode == 1          # shapes differ
    assert comfyc("compare", d / "a.png", d / "missing.png").returncode == 2        # unreadable
    assert comfyc("compare", d / "a.png").returncode == 2                           # bad arguments
    assert comfyc("compare", d / "a.png", d / "b.png", "--psnr-min", "x").returncode == 2


@pytest.mark.skipif(not (BUILD / "models" / "checkpoints" / "tiny-sd1-s1.safetensors.comfyc").exists(),
                    reason="tiny models not exported in this build dir (run the parity tests first)")
def test_check_suite_against_oracle_goldens(tmp_path):
    suite = json.loads((EX / "check_suite.json").read_text())
    suite["models"] = str(BUILD / "models")
    for c in suite["cases"]:
        for k in ("workflow", "golden"):
            c[k] = str(EX / c[k])
    suite["input_dir"] = str(EX / "input")
    # a failing case and an erroring case next to the passing ones
    suite["cases"].append(dict(suite["cases"][0], name="too_strict", psnr_min=200))
    suite["cases"].append(dict(suite["cases"][0], name="no_such_output", output="99"))
    p = tmp_path / "suite.json"
    p.write_text(json.dumps(suite))
    xml = tmp_path / "junit.xml"
    r = comfyc("check", p, "--junit", xml)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "PASS  a_tiled_upscale" in r.stdout and "FAIL  too_strict" in r.stdout and "ERROR no_such_output" in r.stdout
    ts = ET.parse(xml).getroot().find("testsuite")
    assert ts.get("tests") == "5" and ts.get("failures") == "1" and ts.get("errors") == "1"
    cases = {c.get("name"): c for c in ts.findall("testcase")}
    assert cases["too_strict"].find("failure") is not None
    assert cases["no_such_output"].find("error") is not None
    assert cases["c_mask_inpaint"].find("failure") is None and "psnr_db=" in cases["c_mask_inpaint"].find("system-out").text
    # only the passing ones
    r = comfyc("check", p, "--case", "a_tiled_upscale", "--case", "c_mask_inpaint", "--junit", xml)
    assert r.returncode == 0, r.stdout + r.stderr
    # bad suite
    (tmp_path / "bad.json").write_text("{\"cases\": 3}")
    assert comfyc("check", tmp_path / "bad.json").returncode == 2
