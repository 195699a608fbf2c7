"""aoti — torch.export + AOTInductor compile of one component into a folder comfyc can load from C.

Each component becomes `<pkg>/<name>/`: the model `.so`, its weights as a separate binary blob
(`package_constants_in_so=False`, `package_constants_on_disk_format="binary_blob"`, loaded from
C with AOTInductorModelUpdateConstantsFromBlob, so large weights never go through the linker),
the AOTI metadata json and, for CUDA, the kernel binaries (the folder is the cubin_dir).
The manifest entry records the input/output signature with the exported dynamic ranges, which
comfyc checks before every Run (the generated code does not, by default).
"""
import glob
import json
import os
import shutil
import tempfile
import time
import zipfile

import torch
from torch.export import Dim

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
DTYPE_NAMES = {torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16", torch.int64: "i64",
               torch.int32: "i32", torch.uint8: "u8"}


class CompileError(Exception):
    pass


def dyn(name, lo, hi, mul=1):
    """A dynamic dimension: a manifest entry and the torch.export Dim expression."""
    d = Dim(name, min=lo, max=hi)
    return {"dim": name, "min": lo * mul, "max": hi * mul, "mul": mul}, (d * mul if mul != 1 else d)


def compile_component(module, name, inputs, outputs, pkg_dir, device="cpu", log=print):
    """Export and AOT-compile module into pkg_dir/name.

    inputs: list of (input name, example tensor, dims) where dims lists, per dimension, either an
    int (static) or a dyn(...) pair. outputs: list of (name, dtype name, dims-description list).
    Returns the manifest entry of the component."""
    examples = tuple(t for _, t, _ in inputs)
    dynamic = []
    for n, _, dims in inputs:
        spec = {i: d[1] for i, d in enumerate(dims) if isinstance(d, tuple)}
        dynamic.append(spec or None)
    dynamic = tuple(dynamic)
    os.environ.setdefault("AOTI_RUNTIME_CHECK_INPUTS", "1")
    t0 = time.time()
    with torch.no_grad():
        ep = torch.export.export(module, examples, dynamic_shapes=dynamic, strict=False)
        t1 = time.time()
        with tempfile.TemporaryDirectory() as tmp:
            pt2 = os.path.join(tmp, f"{name}.pt2")
            torch._inductor.aoti_compile_and_package(
                ep, package_path=pt2,
                inductor_configs={"aot_inductor.package_constants_in_so": False,
                                  "aot_inductor.package_constants_on_disk_format": "binary_blob"})
            t2 = time.time()
            files = _extract(pt2, os.path.join(pkg_dir, name))
    log(f"  {name}: export {t1 - t0:.1f}s, AOT compile {t2 - t1:.1f}s")
    entry = {
        "dir": name,
        "so": files["so"],
        "blob": files["blob"],
        "so_bytes": os.path.getsize(os.path.join(pkg_dir, name, files["so"])),
        "blob_bytes": os.path.getsize(os.path.join(pkg_dir, name, files["blob"])),
        "device": device,
        "compile_seconds": round(t2 - t1, 1),
        "inputs": [{"name": n, "dtype": DTYPE_NAMES[t.dtype],
                    "shape": [d[0] if isinstance(d, tuple) else d for d in dims]} for n, t, dims in inputs],
        "outputs": [{"name": n, "dtype": dt, "shape": dims} for n, dt, dims in outputs],
    }
    return entry


def _extract(pt2, out_dir):
    """Copy the model folder of a .pt2 archive into out_dir; refuse archives a C loader cannot use."""
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    with zipfile.ZipFile(pt2) as z:
        names = z.namelist()
        model = [n for n in names if "/data/aotinductor/model/" in n and not n.endswith("/")]
        if not model:
            raise CompileError(f"{pt2}: no data/aotinductor/model/ folder")
        sos = [n for n in model if n.endswith(".so")]
        blobs = [n for n in model if n.endswith(".blob")]
        stems = [os.path.basename(s)[:-3] for s in sos]
        if len(sos) != 1:
            raise CompileError(f"{pt2}: expected one .so, found {len(sos)} (a package_cpp_only build?)")
        if any(os.path.basename(n) == stems[0] + ".json" for n in model):
            raise CompileError(f"{pt2}: the model needs the proxy executor (an op without a C shim); "
                               "it cannot run from C")
        if len(blobs) != 1:
            raise CompileError(f"{pt2}: expected one weights .blob, found {len(blobs)}")
        if any("/data/constants/" in n for n in names):
            raise CompileError(f"{pt2}: extra constants under data/constants are not supported")
        for n in model:
            if n.endswith(".cpp"):
                continue
            with z.open(n) as src, open(os.path.join(out_dir, os.path.basename(n)), "wb") as dst:
                shutil.copyfileobj(src, dst)
    meta = glob.glob(os.path.join(out_dir, "*wrapper_metadata.json"))
    if meta:
        with open(meta[0]) as f:
            dev = json.load(f).get("AOTI_DEVICE_KEY")
        if dev is None:
            raise CompileError(f"{meta[0]}: no AOTI_DEVICE_KEY")
    return {"so": os.path.basename(sos[0]), "blob": os.path.basename(blobs[0])}


def torch_info():
    import torch as t
    return {"version": t.__version__, "lib_dir": os.path.join(os.path.dirname(t.__file__), "lib"),
            "abi": _abi(t.__version__), "cuda": t.version.cuda}


def _abi(v):
    """"MAJOR.MINOR.PATCH" of a torch version, compared by comfyc with aoti_torch_abi_version()."""
    nums = []
    for p in v.split("+")[0].split(".")[:3]:
        digits = ""
        for ch in p:
            if not ch.isdigit():
                break
            digits += ch
        nums.append(int(digits or 0))
    while len(nums) < 3:
        nums.append(0)
    return ".".join(str(n) for n in nums)
