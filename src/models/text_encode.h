/* text_encode.h — the CLIP value: prompt -> CONDITIONING, as ComfyUI's CLIPTextEncode computes it.
 *
 * Pipeline (segs-upscaler spec §6): prompt weighting (prompt.h) -> per-segment BPE
 * (tokenizer.h, BOS/EOS dropped) -> packing into 77-token windows of 75 content tokens (groups
 * of 8+ tokens split across windows, shorter ones moved whole) -> one text-encoder batch of
 * all windows plus, when any weight != 1, the empty prompt's row -> the chosen layer (after the
 * final layer norm, or raw for SDXL) -> z = (z - e)*w + e for weighted positions -> windows
 * concatenated; SDXL runs this for CLIP-L and CLIP-G and joins them per token.
 * pooled = final layer at the first EOS of the first window (SD1), times the text projection
 * (SD2: the graph's second output). "embedding:NAME" inserts textual-inversion vectors from the
 * embeddings folders (embedding.h) in place of token embeddings. */
#ifndef CFY_MODELS_TEXT_ENCODE_H
#define CFY_MODELS_TEXT_ENCODE_H

#include <stdint.h>

#include "comfyc/runtime.h"
#include "comfyc/value.h"
#include "models/package.h"
#include "models/tokenizer.h"

typedef struct cfy_clip_shared cfy_clip_shared;

/* Payload of a CLIP value (type CFY_T_CLIP). Immutable; CLIPSetLastLayer makes a copy. */
typedef struct cfy_clip {
    cfy_clip_shared *shared; /* owned reference: package + tokenizer */
    int layer;               /* -1 = last layer, -2 = penultimate, ... (ComfyUI's stop_at_layer) */
} cfy_clip;

/* A CLIP over a package with a text encoder; loads the package's tokenizer files.
 * pkg borrowed (retained). embedding_dirs: NULL-terminated folders searched for "embedding:NAME"
 * (copied; NULL = none). out: returns new (cfy_clip_free). */
cfy_status cfy_clip_new(cfy_package *pkg, const char *const *embedding_dirs, cfy_clip **out, cfy_error *err);
/* A copy of clip using layer `stop_at_layer` (< 0). out: returns new. */
cfy_status cfy_clip_with_layer(const cfy_clip *clip, int stop_at_layer, cfy_clip **out, cfy_error *err);
void cfy_clip_free(void *clip); /* cfy_object_free_fn; NULL-safe */

/* Weighted tokens of a prompt packed into windows: tokens/weights hold n_windows * 77 entries.
 * A token -1-k stands for embedding vector k (vectors[k*dim .. k*dim+dim)). */
typedef struct cfy_clip_tokens {
    int32_t *tokens; /* owned */
    float *weights;  /* owned */
    int n_windows;
    float *vectors;  /* owned: n_vectors * dim (NULL when the prompt uses no embedding) */
    int n_vectors, dim;
} cfy_clip_tokens;

/* Number of text encoders: 1 (SD1, SD2) or 2 (SDXL: CLIP-L, CLIP-G). */
int cfy_clip_n_encoders(const cfy_clip *clip);
/* Tokenise and pack text for text encoder `encoder` (no encoding). rt: where warnings (missing
 * embeddings) are logged; may be NULL. out filled with owned arrays (cfy_clip_tokens_free). */
cfy_status cfy_clip_tokenize(const cfy_clip *clip, int encoder, const char *text, cfy_runtime *rt,
                             cfy_clip_tokens *out, cfy_error *err);
void cfy_clip_tokens_free(cfy_clip_tokens *t);

/* Encode text into a one-entry conditioning: cond f32 [1, 77*windows, D] and pooled [1, D or P].
 * With two encoders (SDXL) cond is [1, tokens, D_L + D_G] (each token's CLIP-L then CLIP-G
 * features, cut to the shorter) and pooled is CLIP-G's projected pooled output.
 * rt: for warnings, may be NULL. out: returns new (cfy_conditioning_free, or hand it to
 * cfy_value_new_conditioning). Blocks. */
cfy_status cfy_clip_encode(const cfy_clip *clip, const char *text, cfy_runtime *rt, cfy_conditioning **out,
                           cfy_error *err);
/* The same with one text per encoder (texts[k] for encoder k; CLIPTextEncodeSDXL's text_l,
 * text_g). equalize: pad the encoder with fewer 77-token windows with empty windows first, as
 * CLIPTextEncodeSDXL does (otherwise the joined result is cut to the shorter). */
cfy_status cfy_clip_encode_texts(const cfy_clip *clip, const char *const *texts, bool equalize, cfy_runtime *rt,
                                 cfy_conditioning **out, cfy_error *err);

#endif
