"""examples/embed built against an installed libcomfyc: `cmake --install` into a temporary prefix,
compile examples/embed with its Makefile through pkg-config, run it.

(b) calling nodes directly is always required to work; (a) running a workflow is required once
the executor (cfy_workflow_run) is part of the library."""
import ctypes
import json
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
BUILD = pathlib.Path(os.environ.get("CFY_BUILD_DIR", ROOT / "build"))

WORKFLOW = {
    "1": {"inputs": {"width": 8, "height": 6, "batch_size": 1, "color": 0x336699}, "class_type": "EmptyImage"},
    "2": {"inputs": {"image": ["1", 0]}, "class_type": "ImageInvert"},
    "3": {"inputs": {"filename_prefix": "embed", "images": ["2", 0]}, "class_type": "SaveImage"},
}


def sanitized_build():
    cache = BUILD / "CMakeCache.txt"
    return cache.is_file() and "CFY_SANITIZE:BOOL=ON" in cache.read_text()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if not (BUILD / "libcomfyc.so").exists():
        pytest.skip(f"no build in {BUILD}")
    if sanitized_build():
        pytest.skip("sanitizer build: an uninstrumented example cannot load it")
    for tool in ("cmake", "pkg-config", "make", "cc"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} not found")
    root = tmp_path_factory.mktemp("embed")
    prefix = root / "prefix"
    subprocess.run(["cmake", "--install", str(BUILD), "--prefix", str(prefix)], check=True, capture_output=True)
    pcs = list(prefix.rglob("comfyc.pc"))
    assert pcs, "cmake --install did not install comfyc.pc"
    assert (prefix / "include" / "comfyc" / "comfyc.h").is_file()
    src = root / "src"
    shutil.copytree(ROOT / "examples" / "embed", src)
    env = dict(os.environ, PKG_CONFIG_PATH=str(pcs[0].parent))
    # --define-prefix: the .pc file names the configure-time prefix; relocate it to where it lies
    r = subprocess.run(["make", "-C", str(src), "PKG_CONFIG=pkg-config --define-prefix"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    libs = [p for p in prefix.rglob("libcomfyc.so") if p.is_file()]
    return {"exe": src / "embed", "root": root, "lib": libs[0]}


def test_direct_node_call(installed):
    r = subprocess.run([str(installed["exe"])], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("direct:")][0]
    assert "IMAGE [1,3,4,3]" in line
    assert "pixel0 = 0.800000 0.600000 0.400000" in line


def executor_present(lib_path):
    lib = ctypes.CDLL(str(lib_path))
    return hasattr(lib, "cfy_workflow_run") and hasattr(lib, "cfy_workflow_load")


def test_workflow_run(installed):
    if not executor_present(installed["lib"]):
        pytest.skip("the workflow executor is not in the library yet")
    root = installed["root"]
    wf = root / "wf.json"
    wf.write_text(json.dumps(WORKFLOW))
    out = root / "output"
    r = subprocess.run([str(installed["exe"]), "--input-dir", str(root), "--output-dir", str(out), str(wf), "2"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "node 2 output 0 is IMAGE [1,6,8,3]" in r.stdout
    assert (out / "embed_00001_.png").is_file()
