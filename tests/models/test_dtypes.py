"""Half-precision packages (`comfyc-export --dtype fp16|bf16`): the C side converts f32 inputs to
the graph's dtype and the outputs back (cfy_component_call_host). Checked on the tiny ESRGAN, the
quickest component to compile, against the eager f32 module; the tolerance is what the format's
mantissa allows through a few layers (fp16: 10 bits, bf16: 7 bits)."""
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import cfy_models  # noqa: E402
from tiny_models import BUILD, EXPORT_PATH, UPSCALER  # noqa: E402

TOLERANCE = {"fp16": 1e-3, "bf16": 1e-2}


@pytest.fixture(scope="module", params=["fp16", "bf16"])
def half_package(request, tiny_models):
    dtype = request.param
    out = BUILD / f"models-{dtype}"
    env = dict(os.environ, PYTHONPATH=str(EXPORT_PATH))
    r = subprocess.run([sys.executable, "-m", "comfyc_export", "upscale", str(tiny_models / "upscale_models" / UPSCALER),
                        "--out", str(out), "--dtype", dtype], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    pkg = cfy_models.Package(out / (UPSCALER + ".comfyc"))
    yield dtype, pkg
    pkg.close()


def test_half_precision_upscaler_matches_f32(half_package, tiny_models):
    from comfyc_export import arch_esrgan, checkpoint
    dtype, pkg = half_package
    sd, _ = checkpoint.load_state_dict(tiny_models / "upscale_models" / UPSCALER)
    net, _ = arch_esrgan.build(sd)
    x = np.random.default_rng(3).uniform(0, 1, (2, 3, 12, 20)).astype(np.float32)
    with torch.no_grad():
        ref = net.eval()(torch.from_numpy(x)).numpy()
    st, err = pkg.run("upscaler", x)
    assert st == 1 and f"expected {dtype[0]}" in str(err)  # the raw graph call takes its own dtype only
    st, out = pkg.run("upscaler", x, host=True)
    assert st == 0, str(out)
    assert out[0].dtype == np.float32 and out[0].shape == ref.shape == (2, 3, 48, 80)
    err = float(np.linalg.norm(out[0] - ref) / np.linalg.norm(ref))
    print(f"{dtype}: relative error {err:.2e}")
    assert err <= TOLERANCE[dtype]
    assert err > 1e-6  # really ran in half precision
