"""vocab — the CLIP BPE vocabulary and merges in the Hugging Face file format (vocab.json, merges.txt).

Source: the BPE merge list `bpe_simple_vocab_16e6.txt.gz` that OpenAI released with CLIP and that
the open_clip_torch package ships (install it with `pip install --no-deps open_clip_torch`), or a
path given with --bpe. The vocabulary is derived from it the way CLIP defines it: the 256
byte symbols, the same with `</w>`, one entry per merge (48,894), then <|startoftext|> and
<|endoftext|> — 49,408 entries, identical to openai/clip-vit-large-patch14's vocab.json.
"""
import gzip
import importlib.util
import json
import os

N_MERGES = 49152 - 256 - 2


class VocabError(Exception):
    pass


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable-character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def find_bpe(explicit=None):
    if explicit:
        return explicit
    env = os.environ.get("COMFYC_CLIP_BPE")
    if env:
        return env
    spec = importlib.util.find_spec("open_clip")  # locates the package without importing it
    if spec and spec.submodule_search_locations:
        for d in spec.submodule_search_locations:
            p = os.path.join(d, "bpe_simple_vocab_16e6.txt.gz")
            if os.path.exists(p):
                return p
    raise VocabError("CLIP BPE merges not found: `pip install --no-deps open_clip_torch`, or pass --bpe FILE "
                     "(bpe_simple_vocab_16e6.txt.gz), or set COMFYC_CLIP_BPE")


def write_tokenizer_files(out_dir, bpe_path=None):
    """Write vocab.json and merges.txt into out_dir. Returns their file names."""
    p = find_bpe(bpe_path)
    opener = gzip.open if p.endswith(".gz") else open
    with opener(p, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [tuple(l.split()) for l in lines[1:1 + N_MERGES]]
    if len(merges) != N_MERGES or any(len(m) != 2 for m in merges):
        raise VocabError(f"{p}: expected {N_MERGES} merges after the header line")
    syms = list(bytes_to_unicode().values())
    vocab = syms + [s + "</w>" for s in syms] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(out_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    return "vocab.json", "merges.txt"
