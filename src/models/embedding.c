/* embedding.c — textual-inversion files: lookup in the embeddings folders, tensor choice, rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fsutil.h"
#include "models/embedding.h"
#include "models/safetensors.h"

#define MAX_EMBEDDING_BYTES ((size_t)64 << 20) /* real ones are a few KB; SDXL pairs < 1 MB */

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The first existing candidate file, as ComfyUI orders them; false when there is none. */
static bool find_file(const char *const *dirs, const char *name, char *path, size_t cap)
{
    static const char *const exts[] = {"", ".safetensors", ".pt", ".bin"};
    for (const char *const *d = dirs; d && *d; d++)
        for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
            char rel[1024], *p = NULL;
            cfy_error e = {0};
            if (snprintf(rel, sizeof rel, "%s%s", name, exts[i]) >= (int)sizeof rel) continue;
            if (cfy_path_join_name(*d, rel, &p, &e)) continue; /* would leave the folder */
            bool hit = is_file(p) && strlen(p) < cap;
            if (hit) snprintf(path, cap, "%s", p);
            free(p);
            if (hit) return true;
        }
    return false;
}

/* Which tensor of the file holds this encoder's vectors. */
static const char *pick_tensor(const cfy_safetensors *f, const char *key)
{
    int n = cfy_safetensors_count(f);
    const char *emb_params = NULL, *first = NULL;
    for (int i = 0; i < n; i++) {
        const char *t = cfy_safetensors_name(f, i);
        if (key && !strcmp(t, key)) return t;
        if (!strcmp(t, "emb_params")) emb_params = t;
        if (!first || strcmp(t, first) < 0) first = t; /* safetensors lists keys sorted */
    }
    return n == 1 ? first : emb_params ? emb_params : first;
}

cfy_status cfy_embedding_load(const char *const *dirs, const char *name, const char *key, int dim,
                              cfy_embedding *out, cfy_error *err)
{
    memset(out, 0, sizeof *out);
    out->outcome = CFY_EMBEDDING_MISSING;
    if (!name[0] || !find_file(dirs, name, out->path, sizeof out->path)) return CFY_OK;
    if (cfy_path_has_suffix(out->path, ".pt") || cfy_path_has_suffix(out->path, ".bin") || cfy_path_has_suffix(out->path, ".ckpt"))
        return cfy_error_set(err, CFY_EUNSUPPORTED,
                             "embedding '%s' is a PyTorch pickle (%s), which comfyc cannot read; convert it once with "
                             "`comfyc-export embedding '%s' --out <its folder>` (writes a .safetensors beside it)",
                             name, out->path, out->path);
    cfy_safetensors *f = NULL;
    cfy_status st = cfy_safetensors_open(out->path, MAX_EMBEDDING_BYTES, &f, err);
    if (st) return st;
    const char *t = pick_tensor(f, key);
    cfy_tensor *v = NULL;
    if (!t) st = cfy_error_set(err, CFY_EPARSE, "embedding '%s' (%s) holds no tensor", name, out->path);
    else st = cfy_safetensors_get_f32(f, t, &v, err);
    if (!st && (v->ndim < 1 || v->ndim > 2 || cfy_tensor_numel(v) == 0))
        st = cfy_error_set(err, CFY_EPARSE, "embedding '%s' (%s): tensor '%s' should be [vectors, width], not %d-D", name,
                           out->path, t, v->ndim);
    if (!st) {
        out->dim = (int)v->sizes[v->ndim - 1];
        out->n = v->ndim == 2 ? (int)v->sizes[0] : 1;
        if (out->dim != dim) {
            out->outcome = CFY_EMBEDDING_WRONG_WIDTH;
            out->n = 0;
        } else if (!(out->vectors = malloc((size_t)out->n * (size_t)dim * sizeof(float)))) {
            st = cfy_error_set(err, CFY_ENOMEM, "out of memory");
        } else {
            memcpy(out->vectors, cfy_tensor_f32(v), (size_t)out->n * (size_t)dim * sizeof(float));
            out->outcome = CFY_EMBEDDING_FOUND;
        }
    }
    cfy_tensor_release(v);
    cfy_safetensors_close(f);
    if (st) cfy_embedding_free(out);
    return st;
}

void cfy_embedding_free(cfy_embedding *e)
{
    if (!e) return;
    free(e->vectors);
    e->vectors = NULL;
    e->n = 0;
}
