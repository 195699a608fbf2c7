"""Textual-inversion embeddings ("embedding:NAME" in a prompt), from C against the Python oracle of
test_text_encode (ComfyUI's lookup, comma retry, groups and packing) for both tiny families: the
file lookup in the embeddings folders, the tensor chosen from the file, vectors in place of token
embeddings in the compiled encoder, weights, wrong widths, pickles and the comfyc-export
conversion, and the embeddings folder reached from a workflow."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")

import cfy_models  # noqa: E402
from test_text_encode import Family  # noqa: E402
from tiny_models import BUILD, CKPT, CKPT_SD2, EXPORT_PATH  # noqa: E402

WIDTH = 32  # both tiny text encoders


def rows(seed, n, width=WIDTH):
    return (np.random.default_rng(seed).standard_normal((n, width)) * 0.5).astype(np.float32)


@pytest.fixture(scope="module")
def emb_dirs(tmp_path_factory):
    """Two folders, searched in order, with the files the tests refer to."""
    a, b = tmp_path_factory.mktemp("emb_a"), tmp_path_factory.mktemp("emb_b")
    save = safetensors_torch.save_file
    save({"emb_params": torch.from_numpy(rows(1, 3))}, str(a / "style.safetensors"))
    save({"emb_params": torch.from_numpy(rows(2, 1)[0])}, str(a / "single.safetensors"))  # one [D] vector
    save({"clip_l": torch.from_numpy(rows(3, 2)), "clip_h": torch.from_numpy(rows(4, 4))},
         str(b / "keyed.safetensors"))  # per-encoder keys: SD1 takes clip_l, SD2 clip_h
    save({"emb_params": torch.from_numpy(rows(5, 2, 64))}, str(b / "wide.safetensors"))  # another encoder's width
    save({"emb_params": torch.from_numpy(rows(6, 9)).half()}, str(b / "long.safetensors"))  # fp16, a large group
    save({"emb_params": torch.from_numpy(rows(7, 2))}, str(b / "style.safetensors"))  # shadowed by a/style
    save({"emb_params": torch.from_numpy(rows(8, 2))}, str(a / "odd.name.safetensors"))
    torch.save({"string_to_param": {"*": torch.from_numpy(rows(9, 2))}}, str(b / "pickled.pt"))
    return [a, b]


def oracle_lookup(dirs, key):
    """ComfyUI's load_embed over the folders: exact file, else .safetensors/.pt/.bin; the key's
    tensor, else the only one, else emb_params; rows of other widths count as missing."""
    def embed(name):
        for d in dirs:
            for ext in ("", ".safetensors", ".pt", ".bin"):
                p = d / (name + ext)
                if p.is_file() and p.suffix == ".safetensors":
                    t = safetensors_torch.load_file(str(p))
                    v = t[key] if key in t else next(iter(t.values())) if len(t) == 1 else t["emb_params"]
                    v = v.float().numpy().reshape(-1, v.shape[-1])
                    return v if v.shape[-1] == WIDTH else None
        return None
    return embed


PROMPTS = [
    "a photo, embedding:style, of a cat",
    "embedding:single (embedding:style:1.3) dog",
    "x embedding:keyed y",
    "embedding:style, cat",                      # the name with its comma is not a file: retried without
    "a embedding:missing b",
    "a embedding:wide b",                        # other width: ignored like a missing one
    "embedding:odd.name\nembedding:long " + "word " * 70,  # a 9-vector group split across windows
    "(embedding:keyed:0.8), (embedding:style:1.2)",
]


@pytest.fixture(scope="module", params=[CKPT, CKPT_SD2])
def fam(request, tiny_models):
    f = Family(tiny_models, request.param)
    f.key = "clip_h" if request.param == CKPT_SD2 else "clip_l"
    yield f
    f.pkg.close()


@pytest.mark.parametrize("text", PROMPTS)
def test_tokens_and_vectors(fam, emb_dirs, text):
    clip = cfy_models.Clip(fam.pkg, embedding_dirs=emb_dirs)
    got = clip.tokenize(text)
    got_vectors = np.asarray(clip.vectors, np.float32).reshape(-1, WIDTH)
    clip.close()
    vectors = []
    want = fam.tokens(text, oracle_lookup(emb_dirs, fam.key), vectors)
    assert [[t for t, _ in w] for w in got] == [[t for t, _ in w] for w in want]
    assert [[np.float32(x) for _, x in w] for w in got] == [[np.float32(x) for _, x in w] for w in want]
    assert np.array_equal(got_vectors, np.asarray(vectors, np.float32).reshape(-1, WIDTH))


@pytest.mark.parametrize("text", PROMPTS)
def test_encode_with_embeddings(fam, emb_dirs, text):
    clip = cfy_models.Clip(fam.pkg, embedding_dirs=emb_dirs)
    cond, pooled = clip.encode(text)
    clip.close()
    rc, rp = fam.encode(text, embed=oracle_lookup(emb_dirs, fam.key))
    assert cond.shape == rc.shape and pooled.shape == rp.shape
    assert np.linalg.norm(cond - rc) <= 1e-4 * np.linalg.norm(rc)
    assert np.linalg.norm(pooled - rp) <= 1e-4 * np.linalg.norm(rp)


def test_embedding_changes_the_conditioning(fam, emb_dirs):
    with_dirs = cfy_models.Clip(fam.pkg, embedding_dirs=emb_dirs)
    without = cfy_models.Clip(fam.pkg)
    a, _ = with_dirs.encode("a photo, embedding:style, of a cat")
    b, _ = without.encode("a photo, embedding:style, of a cat")
    with_dirs.close()
    without.close()
    assert np.linalg.norm(a - b) > 1e-2 * np.linalg.norm(b)


def test_pickle_is_refused_with_the_conversion_command(fam, emb_dirs):
    clip = cfy_models.Clip(fam.pkg, embedding_dirs=emb_dirs)
    with pytest.raises(RuntimeError, match="comfyc-export embedding"):
        clip.encode("a embedding:pickled b")
    clip.close()


def test_export_converts_a_pickle(tmp_path, emb_dirs):
    env = dict(os.environ, PYTHONPATH=str(EXPORT_PATH))
    r = subprocess.run([sys.executable, "-m", "comfyc_export", "embedding", str(emb_dirs[1] / "pickled.pt"),
                        "--out", str(tmp_path)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    t = safetensors_torch.load_file(str(tmp_path / "pickled.safetensors"))
    assert list(t) == ["emb_params"] and np.array_equal(t["emb_params"].numpy(), rows(9, 2))


def test_malformed_embedding_is_a_clear_error(fam, tmp_path):
    (tmp_path / "broken.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": 1}")
    clip = cfy_models.Clip(fam.pkg, embedding_dirs=[tmp_path])
    with pytest.raises(RuntimeError, match="broken.safetensors"):
        clip.encode("embedding:broken")
    clip.close()


def test_workflow_reads_the_embeddings_folder(tmp_path, tiny_models, emb_dirs):
    """CheckpointLoaderSimple gives its CLIP <models>/embeddings: a pickle there is found (and
    refused with the conversion hint), a missing name is only a warning."""
    import shutil
    models = tmp_path / "models"
    (models / "checkpoints").mkdir(parents=True)
    os.symlink(tiny_models / "checkpoints" / (CKPT + ".comfyc"), models / "checkpoints" / (CKPT + ".comfyc"))
    (models / "embeddings").mkdir()
    shutil.copy(emb_dirs[1] / "pickled.pt", models / "embeddings" / "pickled.pt")
    wf = {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": CKPT}},
          "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["1", 1]}},
          "3": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
          "4": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "positive": ["2", 0], "negative": ["2", 0],
                                                     "latent_image": ["3", 0], "seed": 1, "steps": 1, "cfg": 1.0,
                                                     "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0}},
          "5": {"class_type": "VAEDecode", "inputs": {"samples": ["4", 0], "vae": ["1", 2]}},
          "6": {"class_type": "PreviewImage", "inputs": {"images": ["5", 0]}}}

    def run(text):
        wf["2"]["inputs"]["text"] = text
        p = tmp_path / "wf.json"
        p.write_text(json.dumps(wf))
        return subprocess.run([str(BUILD / "comfyc"), "run", str(p), "--models", str(models), "--output-dir",
                               str(tmp_path / "out"), "--temp-dir", str(tmp_path / "temp")],
                              capture_output=True, text=True)
    r = run("a embedding:pickled cat")
    assert r.returncode == 1 and "comfyc-export embedding" in r.stderr and "CLIPTextEncode" in r.stderr, r.stderr
    r = run("a embedding:nothere cat")
    assert r.returncode == 0, r.stderr
    assert "embedding:nothere does not exist" in r.stderr
