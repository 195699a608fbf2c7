"""cli — `comfyc-export`: checkpoint / VAE / upscale model -> comfyc model package.

  comfyc-export checkpoint SRC.safetensors --out MODELS/checkpoints [--device cpu|cuda] [--dtype fp32|fp16|bf16]
  comfyc-export vae SRC.safetensors --out MODELS/vae
  comfyc-export upscale SRC.pth|.safetensors --out MODELS/upscale_models   (ESRGAN, SRVGGNetCompact)
  comfyc-export embedding SRC.pt|.bin --out MODELS/embeddings   (textual inversion -> .safetensors)
  comfyc-export --tiny-random SEED --models MODELS [--what checkpoint,sd2,sdxl,vae,upscale,sd15-full]

A package is the folder `<out>/<source file name>.comfyc/` holding manifest.json, one folder per
compiled component and the tokenizer files; an existing package built from the same source
file by the same torch version is kept unless --force is given.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import time

from . import PACKAGE_FORMAT, __version__
from .checkpoint import ExportError

SD_SAMPLING = {"schedule": "discrete", "beta_schedule": "linear", "linear_start": 0.00085, "linear_end": 0.012,
               "timesteps": 1000}  # SD1, SD2 and SDXL alike
LATENT_SCALE = {"sdxl": 0.13025}  # others 0.18215
SDXL_SIZE_EMBEDDINGS = 6 * 256  # y = [pooled | sinusoidal embeddings of (h, w, crop top, left, target h, w)]


def _file_id(path):
    st = os.stat(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return {"file": os.path.basename(path), "bytes": st.st_size, "sha256": h.hexdigest()}


def _up_to_date(pkg, src_id, args):
    from .aoti import torch_info
    try:
        with open(os.path.join(pkg, "manifest.json")) as f:
            m = json.load(f)
    except (OSError, ValueError):
        return False
    return (m.get("source", {}).get("sha256") == src_id["sha256"] and m.get("exporter") == f"comfyc-export {__version__}"
            and m.get("format_version") == PACKAGE_FORMAT and m.get("torch", {}).get("version") ==
            torch_info()["version"] and m.get("device") == args.device and m.get("dtype") == args.dtype and
            m.get("limits") == _limits(args))


def _limits(args):
    return {"max_batch": args.max_batch, "max_latent": args.max_latent, "max_chunks": args.max_chunks}


def _begin(src, out_root, args):
    """Returns (final package dir, temporary dir to build in, source id), or None when up to date."""
    src_id = _file_id(src)
    final = os.path.join(out_root, os.path.basename(src) + ".comfyc")
    if not args.force and _up_to_date(final, src_id, args):
        print(f"{final}: up to date")
        return None
    tmp = f"{final}.tmp-{os.getpid()}"  # per process: concurrent exports never share a folder
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    os.makedirs(tmp)
    return final, tmp, src_id


def _finish(final, tmp, manifest):
    with open(os.path.join(tmp, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    if os.path.exists(final):
        shutil.rmtree(final, ignore_errors=True)
    try:
        os.rename(tmp, final)
    except OSError:  # another export finished first: keep its package
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"wrote {final}")


def _base_manifest(kind, src_id, args):
    from .aoti import torch_info
    return {"format": "comfyc-model-package", "format_version": PACKAGE_FORMAT, "kind": kind, "source": src_id,
            "exporter": f"comfyc-export {__version__}", "device": args.device, "dtype": args.dtype,
            "torch": torch_info(), "limits": _limits(args), "components": {}}


# ---------------------------------------------------------------- components

def _example(shape, dtype, device):
    import torch
    return torch.randn(*shape, generator=torch.Generator().manual_seed(0)).to(dtype=dtype, device=device)


def export_unet(unet, cfg, tmp, args):
    import torch
    from .aoti import DTYPES, compile_component, dyn
    dt = DTYPES[args.dtype]
    m = unet.to(device=args.device, dtype=dt)
    c = cfg["in_channels"]
    batch = dyn("batch", 1, args.max_batch)
    # Any latent side from `lo` up: every down-sampled size must stay >= 2 (export specialises
    # sizes 0 and 1); odd sides follow ComfyUI (up-sampling to the skip connection's size).
    lo = 2 ** (len(cfg["channel_mult"]) - 1) + 1
    h, w = dyn("h", lo, args.max_latent), dyn("w", lo, args.max_latent)
    tokens = dyn("chunks", 1, args.max_chunks, 77)
    ex_x = _example((2, c, lo + 2, lo + 4), dt, args.device)
    ex_t = torch.tensor([999.0, 500.0], device=args.device)
    ex_ctx = _example((2, 154, cfg["context_dim"]), dt, args.device)
    inputs = [("x", ex_x, [batch, c, h, w]), ("timesteps", ex_t, [batch]),
              ("context", ex_ctx, [batch, tokens, cfg["context_dim"]])]
    adm = cfg.get("adm_in_channels") or 0
    if adm:  # SDXL: y = [pooled text embedding | 6 x 256 sinusoidal size/crop embeddings]
        inputs.append(("y", _example((2, adm), dt, args.device), [batch, adm]))
    return compile_component(
        m, "unet", inputs,
        [("out", {torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16"}[dt],
          [batch[0], cfg["out_channels"], h[0], w[0]])],
        tmp, args.device)


def export_vae(vae, cfg, tmp, args):
    from .aoti import DTYPES, DTYPE_NAMES, compile_component, dyn
    from .arch_vae import VAEDecode, VAEEncode
    dt = DTYPES[args.dtype]
    vae = vae.to(device=args.device, dtype=dt)
    z = cfg["z_channels"]
    batch = dyn("batch", 1, args.max_batch)
    h8, w8 = dyn("h8", 1, args.max_latent, 8), dyn("w8", 1, args.max_latent, 8)
    enc = compile_component(
        VAEEncode(vae).eval(), "vae_encoder", [("pixels", _example((2, 64, 96, 3), dt, args.device).abs().clamp(0, 1), [batch, h8, w8, 3])],
        [("latent", DTYPE_NAMES[dt], [batch[0], z, {"dim": "h8"}, {"dim": "w8"}])], tmp, args.device)
    h, w = dyn("h", 1, args.max_latent), dyn("w", 1, args.max_latent)
    dec = compile_component(
        VAEDecode(vae).eval(), "vae_decoder", [("latent", _example((2, z, 8, 12), dt, args.device), [batch, z, h, w])],
        [("image", DTYPE_NAMES[dt], [batch[0], {"dim": "h", "scale": 8}, {"dim": "w", "scale": 8}, 3])], tmp, args.device)
    return enc, dec


def export_clip(clip, ccfg, tmp, args, name="text_encoder", final_norm=True):
    import torch
    from .aoti import DTYPES, DTYPE_NAMES, compile_component, dyn
    from .checkpoint import TextEncoderLayers, has_projection
    dt = DTYPES[args.dtype]
    m = TextEncoderLayers(clip.to(device=args.device, dtype=dt), final_norm=final_norm).eval()
    batch = dyn("batch", 1, args.max_chunks * 2 + 1)
    ex = torch.randint(0, 49406, (2, 77), generator=torch.Generator().manual_seed(0)).to(args.device)
    ex[:, 0] = 49406
    ex[:, 3] = -1  # an embedding vector's position
    ex[:, 10:] = 49407
    vec = _example((2, 77, ccfg.hidden_size), dt, args.device)
    outs = [("hidden", DTYPE_NAMES[dt], [ccfg.num_hidden_layers, batch[0], 77, ccfg.hidden_size])]
    if has_projection(clip):
        outs.append(("pooled", DTYPE_NAMES[dt], [batch[0], ccfg.projection_dim]))
    return compile_component(m, name, [("tokens", ex, [batch, 77]),
                                       ("vectors", vec, [batch, 77, ccfg.hidden_size])],
                             outs, tmp, args.device)


# ComfyUI's text encoder conventions per family: (type, pad, default layer, final layer norm on
# the hidden states). SD2 and SDXL's bigG pad with 0 instead of EOS; SD2 and SDXL take the
# penultimate layer unless CLIPSetLastLayer says otherwise; SDXL uses the hidden states without
# the final layer norm (layer_norm_hidden_state=False).
TEXT_ENCODERS = {
    "sd1": [("clip_l", 49407, -1, True)],
    "sd2": [("clip_h", 0, -2, True)],
    "sdxl": [("clip_l", 49407, -2, False), ("clip_g", 0, -2, False)],
}
TEXT_ENCODER_KEYS = ["text_encoder", "text_encoder_2"]


def text_encoder_manifest(family, ccfg, tok_dir, index=0):
    """The manifest entry of text encoder `index` (0: "text_encoder", 1: "text_encoder_2")."""
    typ, pad, layer, norm = TEXT_ENCODERS[family][index]
    return {"type": typ, "vocab": f"{tok_dir}/vocab.json",
            "merges": f"{tok_dir}/merges.txt", "max_length": 77, "bos": 49406, "eos": 49407,
            "pad": pad, "hidden_size": ccfg.hidden_size,
            "num_layers": ccfg.num_hidden_layers, "default_layer": layer,
            "component": TEXT_ENCODER_KEYS[index], "final_norm": norm}


# ---------------------------------------------------------------- commands

def cmd_checkpoint(src, out_root, args):
    from . import checkpoint, vocab
    t0 = time.time()
    sd, meta = checkpoint.load_state_dict(src)
    unet, ucfg, u = checkpoint.build_unet(sd, meta)
    family = detect = checkpoint.detect_family(ucfg, meta)
    pred = args.prediction
    if pred == "auto":
        pred = checkpoint.detect_prediction(u, detect, meta, sd.keys())
    vae, vcfg = checkpoint.build_vae(sd)
    if family == "sdxl":
        clips = checkpoint.build_sdxl_clips(sd, meta)
    else:
        clips = [checkpoint.build_clip(sd, meta)]
    unet_entry = {"config": ucfg}
    if ucfg.get("adm_in_channels"):
        pooled = clips[-1][1].projection_dim if checkpoint.has_projection(clips[-1][0]) else 0
        if family != "sdxl" or ucfg["adm_in_channels"] != pooled + SDXL_SIZE_EMBEDDINGS:
            raise ExportError(f"UNet adm_in_channels {ucfg['adm_in_channels']} is not the pooled text embedding "
                              f"({pooled}) + {SDXL_SIZE_EMBEDDINGS} (SDXL's y layout)")
        unet_entry.update({"adm_in_channels": ucfg["adm_in_channels"], "pooled_width": pooled})
    del sd, u
    begun = _begin(src, out_root, args)
    if begun is None:
        return 0
    final, tmp, src_id = begun
    print(f"{src}: {family}, {pred}-prediction; UNet {ucfg['model_channels']}ch x{ucfg['channel_mult']}, "
          f"VAE {vcfg['ch']}ch, " + ", ".join(f"CLIP {c.hidden_size}x{c.num_hidden_layers}" for _, c in clips))
    man = _base_manifest("checkpoint", src_id, args)
    man.update({"family": family, "prediction": pred,
                "latent": {"channels": vcfg["z_channels"], "scale_factor": LATENT_SCALE.get(family, 0.18215),
                           "downscale": 8},
                "sampling": SD_SAMPLING, "unet": unet_entry, "vae": {"config": vcfg}})
    man["components"]["unet"] = export_unet(unet, ucfg, tmp, args)
    man["components"]["vae_encoder"], man["components"]["vae_decoder"] = export_vae(vae, vcfg, tmp, args)
    for i, (clip, ccfg) in enumerate(clips):
        key = TEXT_ENCODER_KEYS[i]
        te = text_encoder_manifest(family, ccfg, "tokenizer", i)
        man["components"][key] = export_clip(clip, ccfg, tmp, args, name=key, final_norm=te["final_norm"])
        man[key] = te
    vocab.write_tokenizer_files(os.path.join(tmp, "tokenizer"), args.bpe)
    man["export_seconds"] = round(time.time() - t0, 1)
    _finish(final, tmp, man)
    return 0


def cmd_vae(src, out_root, args):
    from . import checkpoint
    sd, _ = checkpoint.load_state_dict(src)
    vae, vcfg = checkpoint.build_vae(sd)
    begun = _begin(src, out_root, args)
    if begun is None:
        return 0
    final, tmp, src_id = begun
    man = _base_manifest("vae", src_id, args)
    man.update({"latent": {"channels": vcfg["z_channels"], "scale_factor": 0.18215, "downscale": 8},
                "vae": {"config": vcfg}})
    man["components"]["vae_encoder"], man["components"]["vae_decoder"] = export_vae(vae, vcfg, tmp, args)
    _finish(final, tmp, man)
    return 0


def cmd_upscale(src, out_root, args):
    from . import aoti, arch_compact, arch_esrgan, checkpoint
    sd, _ = checkpoint.load_state_dict(src)
    if arch_compact.matches(sd):  # told apart by key layout
        (net, cfg), arch = arch_compact.build(sd), arch_compact.ARCHITECTURE
    else:
        (net, cfg), arch = arch_esrgan.build(sd), "ESRGAN"
    begun = _begin(src, out_root, args)
    if begun is None:
        return 0
    final, tmp, src_id = begun
    man = _base_manifest("upscale_model", src_id, args)
    man.update({"architecture": arch, "scale": cfg["scale"], "config": cfg})
    dt = aoti.DTYPES[args.dtype]
    net = net.to(device=args.device, dtype=dt)
    batch = aoti.dyn("batch", 1, args.max_batch)
    s = cfg["scale"]
    fold = cfg.get("unshuffle", 1)  # Real-ESRGAN x2/x1 fold 2x2/4x4 pixels into channels: sides must divide
    if fold == 1:
        h, w = aoti.dyn("h", 2, args.max_tile), aoti.dyn("w", 2, args.max_tile)
    else:
        h, w = aoti.dyn("h", 1, args.max_tile // fold, fold), aoti.dyn("w", 1, args.max_tile // fold, fold)
    man["components"]["upscaler"] = aoti.compile_component(
        net, "upscaler", [("image", _example((2, cfg["in_nc"], 16, 24), dt, args.device), [batch, cfg["in_nc"], h, w])],
        [("image", aoti.DTYPE_NAMES[dt], [batch[0], cfg["out_nc"], {"dim": "h", "scale": s}, {"dim": "w", "scale": s}])],
        tmp, args.device)
    _finish(final, tmp, man)
    return 0


def embedding_tensors(obj):
    """The tensors of a textual-inversion file as ComfyUI's load_embed reads them: A1111's
    string_to_param, a list of dicts, per-encoder keys (clip_l, clip_g, ...) kept as they are,
    or the first tensor of a dict. Returns {name: tensor} for a .safetensors file."""
    import torch
    if isinstance(obj, torch.Tensor):
        return {"emb_params": obj}
    if isinstance(obj, dict) and "string_to_param" in obj:
        return {"emb_params": next(iter(obj["string_to_param"].values()))}
    if isinstance(obj, list):
        rows = [t.reshape(-1, t.shape[-1]) for d in obj for t in d.values() if isinstance(t, torch.Tensor)]
        if not rows:
            raise ExportError("embedding: the list holds no tensors")
        return {"emb_params": torch.cat(rows, dim=0)}
    if isinstance(obj, dict):
        tensors = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
        if any(k.startswith("clip_") for k in tensors):
            return tensors
        if tensors:
            return {"emb_params": next(iter(tensors.values()))}
    raise ExportError("embedding: no tensor found (expected string_to_param, emb_params or clip_l/clip_g)")


def cmd_embedding(src, out_root, args):
    import torch
    from safetensors.torch import save_file
    if src.endswith(".safetensors"):
        from safetensors.torch import load_file
        obj = load_file(src)
    else:
        obj = torch.load(src, map_location="cpu", weights_only=True)
    tensors = {k: v.detach().to(torch.float32).contiguous() for k, v in embedding_tensors(obj).items()}
    for k, v in tensors.items():
        if v.ndim not in (1, 2):
            raise ExportError(f"embedding: tensor {k!r} has shape {tuple(v.shape)}, expected [vectors, width]")
    stem = os.path.splitext(os.path.basename(src))[0]
    dst = os.path.join(out_root, stem + ".safetensors")
    if os.path.abspath(dst) == os.path.abspath(src):
        raise ExportError(f"{src} is already a .safetensors file in {out_root}")
    tmp = f"{dst}.tmp-{os.getpid()}"
    save_file(tensors, tmp, metadata={"comfyc.source": os.path.basename(src)})
    os.replace(tmp, dst)
    print(f"wrote {dst} ({', '.join(f'{k} {tuple(v.shape)}' for k, v in tensors.items())})")
    return 0


def _tiny_models():
    """--what name -> (models subfolder, file name pattern, writer(seed, path), exporter)."""
    import torch

    from . import arch_esrgan, tiny
    return {
        "checkpoint": ("checkpoints", "tiny-sd1-s{}.safetensors", tiny.make_checkpoint, cmd_checkpoint),
        "sd2": ("checkpoints", "tiny-sd2-v-s{}.safetensors", tiny.make_checkpoint_sd2, cmd_checkpoint),
        "sdxl": ("checkpoints", "tiny-sdxl-s{}.safetensors", tiny.make_checkpoint_sdxl, cmd_checkpoint),
        # full-size SD1.5 shapes with random weights, for GPU timings (~2 GB file)
        "sd15-full": ("checkpoints", "random-sd15-full-s{}.safetensors",
                      lambda seed, path: tiny.make_checkpoint(seed, path, size="full", dtype=torch.float16),
                      cmd_checkpoint),
        "vae": ("vae", "tiny-vae-s{}.safetensors", lambda seed, path: tiny.make_vae(seed + 1, path), cmd_vae),
        "upscale": ("upscale_models", "tiny-esrgan-4x-s{}.safetensors", arch_esrgan.make_tiny, cmd_upscale),
    }


def cmd_tiny(seed, models, args):
    table = _tiny_models()
    what = args.what.split(",")
    unknown = [w for w in what if w not in table]
    if unknown:
        raise ExportError(f"--what: unknown model {unknown[0]!r} (choose from {', '.join(table)})")
    rc = 0
    for name in what:
        sub, pattern, write, export = table[name]
        d = os.path.join(models, sub)
        os.makedirs(d, exist_ok=True)
        src = os.path.join(d, pattern.format(seed))
        if not os.path.exists(src) or args.force:
            write(seed, src)
        rc |= export(src, d, args)
    return rc


def main(argv=None):
    p = argparse.ArgumentParser(prog="comfyc-export", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", nargs="?", choices=["checkpoint", "vae", "upscale", "embedding"])
    p.add_argument("source", nargs="?")
    p.add_argument("--out", help="folder receiving <source name>.comfyc/ (e.g. models/checkpoints)")
    p.add_argument("--tiny-random", type=int, metavar="SEED", help="build seeded-random tiny models and export them")
    p.add_argument("--models", help="models folder for --tiny-random (checkpoints/, vae/, upscale_models/)")
    p.add_argument("--what", default="checkpoint,sd2,sdxl,vae,upscale",
                   help="--tiny-random: which models (checkpoint = SD1.x, sd2 = SD2.x v-prediction, sdxl = SDXL base; "
                        "sd15-full = full-size SD1.5 shapes with random weights, for timings)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--dtype", default="fp32", choices=["fp32", "fp16", "bf16"])
    p.add_argument("--prediction", default="auto", choices=["auto", "eps", "v"])
    p.add_argument("--max-batch", type=int, default=8, help="largest UNet/VAE batch (CFG doubles it)")
    p.add_argument("--max-latent", type=int, default=192, help="largest latent side (pixels / 8)")
    p.add_argument("--max-chunks", type=int, default=8, help="largest prompt length in 77-token windows")
    p.add_argument("--max-tile", type=int, default=512, help="upscale models: largest input side")
    p.add_argument("--bpe", help="CLIP bpe_simple_vocab_16e6.txt(.gz) (default: the one open_clip_torch ships)")
    p.add_argument("--force", action="store_true", help="rebuild even when the package is up to date")
    args = p.parse_args(argv)
    try:
        if args.tiny_random is not None:
            if not args.models:
                p.error("--tiny-random needs --models DIR")
            return cmd_tiny(args.tiny_random, args.models, args)
        if not args.command or not args.source or not args.out:
            p.error("give COMMAND SOURCE --out DIR, or --tiny-random SEED --models DIR")
        if not os.path.isfile(args.source):
            raise ExportError(f"{args.source}: no such file")
        os.makedirs(args.out, exist_ok=True)
        commands = {"checkpoint": cmd_checkpoint, "vae": cmd_vae, "upscale": cmd_upscale, "embedding": cmd_embedding}
        return commands[args.command](
            args.source, args.out, args)
    except Exception as e:  # one line for the user; the traceback with COMFYC_EXPORT_DEBUG=1
        if os.environ.get("COMFYC_EXPORT_DEBUG"):
            raise
        print(f"comfyc-export: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
