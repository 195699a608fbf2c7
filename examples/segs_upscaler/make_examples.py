"""make_examples.py — writes the SEGSUpscaler example workflows in API format (*.api.json) and in
ComfyUI's UI format (*.json, legacy litegraph layout), from one description per example.

    python3 make_examples.py [path/to/comfyc]

The UI widget order comes from `comfyc nodes --json` (ComfyUI's /object_info shape), so the UI
files convert back to the API files with `comfyc convert` (tests/oracle/test_examples.py checks it).

Examples (tiny test models, see README.md in this folder):
  a_tiled_upscale      LoadImage -> ImpactMakeTileSEGS -> SEGSUpscaler -> SaveImage
  b_model_upscale      the same with UpscaleModelLoader -> upscale_model_opt
  c_mask_inpaint       LoadImageMask -> MaskToSEGS -> SEGSUpscaler (inpaint_model, noise_mask_feather)
  d_hook_gits          (a) with PreviewDetailerHookProvider and GITSSchedulerFuncProvider

"""
import json
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
CKPT = "tiny-sd1-s1.safetensors"
UPSCALER = "tiny-esrgan-4x-s1.safetensors"


def base(name):
    """Nodes shared by every example: checkpoint, prompts, image, SEGSUpscaler, SaveImage."""
    return {
        "1": ("CheckpointLoaderSimple", {"ckpt_name": CKPT}),
        "2": ("CLIPTextEncode", {"text": "a detailed photo of a red fox in a sunny forest", "clip": ["1", 1]}),
        "3": ("CLIPTextEncode", {"text": "blurry, low quality", "clip": ["1", 1]}),
        "4": ("LoadImage", {"image": "segs_demo.png"}),
        "5": ("ImpactMakeTileSEGS", {"images": ["4", 0], "bbox_size": 72, "crop_factor": 1.25, "min_overlap": 8,
                                     "filter_segs_dilation": 20, "mask_irregularity": 0.0,
                                     "irregular_mask_mode": "Reuse fast"}),
        "6": ("SEGSUpscaler", {"image": ["4", 0], "segs": ["5", 0], "model": ["1", 0], "clip": ["1", 1],
                               "vae": ["1", 2], "rescale_factor": 1.5, "resampling_method": "lanczos",
                               "supersample": "true", "rounding_modulus": 8, "seed": 42, "steps": 4, "cfg": 7.0,
                               "sampler_name": "euler", "scheduler": "normal", "positive": ["2", 0],
                               "negative": ["3", 0], "denoise": 0.5, "feather": 5, "inpaint_model": False,
                               "noise_mask_feather": 20}),
        "7": ("SaveImage", {"images": ["6", 0], "filename_prefix": "segs_upscaler_" + name}),
    }


def example_a():
    return base("a")


def example_b():
    w = base("b")
    w["8"] = ("UpscaleModelLoader", {"model_name": UPSCALER})
    w["6"][1]["upscale_model_opt"] = ["8", 0]
    return w


def example_c():
    w = base("c")
    w["4"] = ("LoadImage", {"image": "segs_demo.png"})
    w["9"] = ("LoadImageMask", {"image": "segs_demo_mask.png", "channel": "red"})
    w["5"] = ("MaskToSEGS", {"mask": ["9", 0], "combined": False, "crop_factor": 1.5, "bbox_fill": False,
                             "drop_size": 10, "contour_fill": False})
    s = w["6"][1]
    s.update({"inpaint_model": True, "noise_mask_feather": 8, "sampler_name": "euler_ancestral", "denoise": 0.6})
    return w


def example_d():
    w = base("d")
    w["10"] = ("PreviewDetailerHookProvider", {"quality": 95})
    w["11"] = ("GITSSchedulerFuncProvider", {"coeff": 1.2, "denoise": 1.0})
    w["6"][1]["upscaler_hook_opt"] = ["10", 1]
    w["6"][1]["scheduler_func_opt"] = ["11", 0]
    return w


EXAMPLES = {"a_tiled_upscale": example_a, "b_model_upscale": example_b, "c_mask_inpaint": example_c,
            "d_hook_gits": example_d}


def api(wf):
    return {nid: {"class_type": ct, "inputs": dict(inp)} for nid, (ct, inp) in wf.items()}


def is_link(v):
    return isinstance(v, list) and len(v) == 2 and isinstance(v[0], str)


def ui(wf, info):
    """Legacy UI workflow: nodes with sockets and widgets_values, links as 6-item lists."""
    nodes, links = [], []
    out_links = {}  # (node id, slot) -> [link ids]
    order = sorted(wf, key=int)
    for nid in order:
        ct, inp = wf[nid]
        for name, v in inp.items():
            if is_link(v):
                lid = len(links) + 1
                src, slot = v
                links.append([lid, int(src), slot, int(nid), None, None])
                out_links.setdefault((src, slot), []).append(lid)
    lid_of = {}
    for l in links:
        lid_of.setdefault(l[3], []).append(l)
    for k, nid in enumerate(order):
        ct, inp = wf[nid]
        d = info[ct]
        req = list(d["input"].get("required", {}).items())
        spec = req + list(d["input"].get("optional", {}).items())
        sockets, widgets, upload = [], [], False
        for idx, (name, (typ, *rest)) in enumerate(spec):
            if idx == len(req) and upload:
                widgets.append("image")  # the upload button's phantom value follows the required widgets
            opts = rest[0] if rest else {}
            widget_type = isinstance(typ, list) or typ in ("INT", "FLOAT", "STRING", "BOOLEAN", "COMBO")
            v = inp.get(name)
            if is_link(v):
                link = next(l for l in links if l[3] == int(nid) and l[0] in out_links[tuple(v)] and l[4] is None)
                link[4] = len(sockets)
                t = typ if isinstance(typ, str) else "COMBO"
                link[5] = t
                s = {"name": name, "type": t, "link": link[0]}
                if widget_type:
                    s["widget"] = {"name": name}
                sockets.append(s)
            elif not widget_type:
                if name in d["input"].get("required", {}):
                    raise SystemExit(f"{ct}: required input {name} is not connected")
                sockets.append({"name": name, "type": typ, "link": None})
            if widget_type and not is_link(v):
                val = v if name in inp else opts.get("default", typ[0] if isinstance(typ, list) else None)
                widgets.append(val)
                if name in ("seed", "noise_seed") or opts.get("control_after_generate"):
                    widgets.append("fixed")
                upload = upload or bool(opts.get("image_upload"))
        if upload and len(spec) == len(req):
            widgets.append("image")
        outs = []
        for slot, t in enumerate(d["output"]):
            outs.append({"name": d["output_name"][slot] if d.get("output_name") else t, "type": t,
                         "links": out_links.get((nid, slot), []), "slot_index": slot})
        nodes.append({"id": int(nid), "type": ct, "pos": [40 + 360 * (k % 4), 60 + 320 * (k // 4)],
                      "size": [320, 260], "flags": {}, "order": k, "mode": 0, "inputs": sockets, "outputs": outs,
                      "properties": {"Node name for S&R": ct}, "widgets_values": widgets})
    return {"last_node_id": max(int(n) for n in wf), "last_link_id": len(links), "nodes": nodes, "links": links,
            "groups": [], "config": {}, "extra": {}, "version": 0.4}


def main():
    comfyc = sys.argv[1] if len(sys.argv) > 1 else "comfyc"
    info = json.loads(subprocess.run([comfyc, "nodes", "--json"], check=True, capture_output=True, text=True).stdout)
    for name, fn in EXAMPLES.items():
        wf = fn()
        (HERE / f"{name}.api.json").write_text(json.dumps(api(wf), indent=2) + "\n")
        (HERE / f"{name}.json").write_text(json.dumps(ui(wf, info), indent=1) + "\n")
        print("wrote", name)


if __name__ == "__main__":
    main()
