/* embedding.h — textual-inversion embeddings ("embedding:NAME" in a prompt), found and read the
 * way ComfyUI's load_embed does.
 *
 * Lookup: for each folder in order, the file <dir>/NAME if it exists, else NAME + ".safetensors",
 * ".pt", ".bin"; the first hit wins and paths never leave their folder. Only .safetensors is
 * read (a PyTorch pickle cannot be read without Python: `comfyc-export embedding FILE.pt`
 * converts it once). The tensor: the text encoder's own key ("clip_l", "clip_h") when present,
 * else the file's only tensor, else "emb_params". Vectors are its rows ([n, D] or one [D]). */
#ifndef CFY_MODELS_EMBEDDING_H
#define CFY_MODELS_EMBEDDING_H

#include "comfyc/error.h"

typedef enum cfy_embedding_outcome {
    CFY_EMBEDDING_FOUND = 0,   /* vectors filled */
    CFY_EMBEDDING_MISSING,     /* no such file: ComfyUI warns and ignores the name */
    CFY_EMBEDDING_WRONG_WIDTH, /* vectors for another text encoder: warned and ignored */
} cfy_embedding_outcome;

typedef struct cfy_embedding {
    cfy_embedding_outcome outcome;
    float *vectors; /* owned: n * dim floats (FOUND only) */
    int n, dim;     /* dim: the file's width (also for WRONG_WIDTH) */
    char path[1024];
} cfy_embedding;

/* Find and read embedding `name` for a text encoder of width `dim` whose key in multi-encoder
 * files is `key` (may be NULL). dirs: NULL-terminated folder list (borrowed; NULL = none).
 * out filled (cfy_embedding_free). Errors: unreadable or malformed files, .pt/.bin files
 * (CFY_EUNSUPPORTED with the conversion command), more than 2 dims. */
cfy_status cfy_embedding_load(const char *const *dirs, const char *name, const char *key, int dim,
                              cfy_embedding *out, cfy_error *err);
void cfy_embedding_free(cfy_embedding *e); /* NULL-safe; frees the vectors */

#endif
