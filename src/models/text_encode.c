/* text_encode.c — CLIPTextEncode: weighted tokens, 77-token windows, encoder batch, weight blending. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/runtime.h"
#include "models/embedding.h"
#include "models/prompt.h"
#include "models/text_encode.h"

#define WINDOW 77
#define LARGE_GROUP 8 /* groups this long may be split across windows */

/* One text encoder of the CLIP (SDXL has two: CLIP-L, then CLIP-G). */
typedef struct clip_encoder {
    const cfy_text_encoder_info *info; /* borrowed from the package's manifest */
    cfy_aoti_component *component;     /* borrowed from the package */
    cfy_tokenizer *tokenizer;          /* owned, unless shared_tokenizer */
    bool shared_tokenizer;             /* the previous encoder's (same vocabulary files) */
} clip_encoder;

struct cfy_clip_shared {
    int refs;
    cfy_package *package;  /* owned reference */
    char **embedding_dirs; /* owned NULL-terminated list (NULL: none) */
    int n_enc;
    clip_encoder enc[CFY_TEXT_ENCODERS_MAX];
};

static char **copy_list(const char *const *l, bool *ok)
{
    *ok = true;
    if (!l) return NULL;
    size_t n = 0;
    while (l[n])
        n++;
    char **c = calloc(n + 1, sizeof *c);
    for (size_t i = 0; c && i < n; i++)
        if (!(c[i] = strdup(l[i]))) {
            cfy_strlist_free(c);
            c = NULL;
        }
    *ok = c != NULL;
    return c;
}

static void shared_release(cfy_clip_shared *s)
{
    if (!s || atomic_fetch_sub_explicit((_Atomic int *)&s->refs, 1, memory_order_acq_rel) != 1) return;
    for (int k = 0; k < s->n_enc; k++)
        if (!s->enc[k].shared_tokenizer) cfy_tokenizer_destroy(s->enc[k].tokenizer);
    cfy_package_release(s->package);
    cfy_strlist_free(s->embedding_dirs);
    free(s);
}

/* Whether the compiled text encoder takes embedding vectors (packages from comfyc-export >= 0.2). */
static bool takes_vectors(const clip_encoder *e)
{
    return cfy_aoti_component_spec(e->component)->n_in >= 2;
}

cfy_status cfy_clip_new(cfy_package *pkg, const char *const *embedding_dirs, cfy_clip **out, cfy_error *err)
{
    *out = NULL;
    const cfy_manifest *m = pkg->manifest;
    if (m->n_text < 1) return cfy_error_set(err, CFY_EINVAL, "%s has no text encoder", m->dir);
    for (int k = 0; k < m->n_text; k++)
        if (!cfy_package_component(pkg, m->text[k].component))
            return cfy_error_set(err, CFY_EINVAL, "%s: no compiled component '%s' for its text encoder", m->dir,
                                 m->text[k].component);
    cfy_clip_shared *s = calloc(1, sizeof *s);
    cfy_clip *c = calloc(1, sizeof *c);
    if (!s || !c) {
        free(s);
        free(c);
        return cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
    }
    s->refs = 1;
    s->package = cfy_package_retain(pkg);
    bool ok;
    s->embedding_dirs = copy_list(embedding_dirs, &ok);
    cfy_status st = ok ? CFY_OK : cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
    for (int k = 0; !st && k < m->n_text; k++) {
        clip_encoder *e = &s->enc[k];
        e->info = &m->text[k];
        e->component = cfy_package_component(pkg, e->info->component);
        if (k > 0 && !strcmp(e->info->vocab_path, s->enc[k - 1].info->vocab_path) &&
            !strcmp(e->info->merges_path, s->enc[k - 1].info->merges_path)) {
            e->tokenizer = s->enc[k - 1].tokenizer;
            e->shared_tokenizer = true;
        } else {
            st = cfy_tokenizer_load(e->info->vocab_path, e->info->merges_path, &e->tokenizer, err);
        }
        if (!st) s->n_enc = k + 1;
    }
    if (st) {
        s->refs = 1;
        shared_release(s);
        free(c);
        return st;
    }
    c->shared = s;
    c->layer = m->text[0].default_layer ? m->text[0].default_layer : -1;
    *out = c;
    return CFY_OK;
}

cfy_status cfy_clip_with_layer(const cfy_clip *clip, int stop_at_layer, cfy_clip **out, cfy_error *err)
{
    *out = NULL;
    if (stop_at_layer >= 0) return cfy_error_set(err, CFY_EINVAL, "stop_at_layer %d: must be negative", stop_at_layer);
    cfy_clip *c = malloc(sizeof *c);
    if (!c) return cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
    c->shared = clip->shared;
    atomic_fetch_add_explicit((_Atomic int *)&c->shared->refs, 1, memory_order_relaxed);
    c->layer = stop_at_layer;
    *out = c;
    return CFY_OK;
}

void cfy_clip_free(void *clip)
{
    cfy_clip *c = clip;
    if (!c) return;
    shared_release(c->shared);
    free(c);
}

/* ---------------------------------------------------------------- tokenize + pack */

typedef struct packer {
    int32_t *tok; /* token ids; -1-k for the k-th embedding vector */
    float *w;
    int len, cap; /* entries used / allocated (windows * 77 when finished) */
    int window_start;
    float *vec;   /* embedding vectors, n_vec * dim */
    int n_vec, dim;
    const clip_encoder *enc; /* whose tokenizer, special tokens and embedding key */
    cfy_runtime *rt;         /* for warnings; may be NULL */
} packer;

static bool put(packer *p, int32_t t, float w)
{
    if (p->len == p->cap) {
        int cap = p->cap ? p->cap * 2 : WINDOW * 2;
        int32_t *nt = realloc(p->tok, (size_t)cap * sizeof *nt);
        if (!nt) return false;
        p->tok = nt;
        float *nw = realloc(p->w, (size_t)cap * sizeof *nw);
        if (!nw) return false;
        p->w = nw;
        p->cap = cap;
    }
    p->tok[p->len] = t;
    p->w[p->len++] = w;
    return true;
}

/* Append one group of (token, weight) following ComfyUI's window rules. */
static bool add_group(packer *p, const int32_t *ids, int n, float w)
{
    const cfy_text_encoder_info *t = p->enc->info;
    bool large = n >= LARGE_GROUP;
    while (n > 0) {
        int batch = p->len - p->window_start;
        if (n + batch > WINDOW - 1) {
            int remaining = WINDOW - batch - 1;
            if (large) {
                for (int i = 0; i < remaining; i++)
                    if (!put(p, ids[i], w)) return false;
                if (!put(p, t->eos, 1.0f)) return false;
                ids += remaining;
                n -= remaining;
            } else {
                if (!put(p, t->eos, 1.0f)) return false;
                for (int i = 0; i < remaining; i++)
                    if (!put(p, t->pad, 1.0f)) return false;
            }
            p->window_start = p->len;
            if (!put(p, t->bos, 1.0f)) return false;
        } else {
            for (int i = 0; i < n; i++)
                if (!put(p, ids[i], w)) return false;
            n = 0;
        }
    }
    return true;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Load embedding `name` into a group of vector markers (-1-k) appended to p->vec. *group and *n
 * describe the group (n = 0 when the embedding is missing or of another width: warned). */
static cfy_status embedding_group(const cfy_clip *clip, packer *p, const char *name, int32_t **group, int *n,
                                  bool *found, cfy_error *err)
{
    *group = NULL;
    *n = 0;
    *found = false;
    cfy_embedding e;
    cfy_status st = cfy_embedding_load((const char *const *)clip->shared->embedding_dirs, name,
                                       p->enc->info->type, p->dim, &e, err);
    if (st) return st;
    if (e.outcome == CFY_EMBEDDING_MISSING) return CFY_OK;
    *found = true;
    if (e.outcome == CFY_EMBEDDING_WRONG_WIDTH) {
        if (p->rt)
            cfy_log(p->rt, 1, "embedding:%s (%s) has %d-wide vectors, this text encoder takes %d: ignored", name, e.path,
                    e.dim, p->dim);
        return CFY_OK;
    }
    if (!takes_vectors(p->enc)) {
        cfy_embedding_free(&e);
        return cfy_error_set(err, CFY_EUNSUPPORTED,
                             "embedding:%s: this package's text encoder was exported without embedding support "
                             "(comfyc-export < 0.2); re-export the checkpoint", name);
    }
    float *nv = realloc(p->vec, ((size_t)p->n_vec + (size_t)e.n) * (size_t)p->dim * sizeof *nv);
    int32_t *g = malloc((size_t)e.n * sizeof *g);
    if (nv) p->vec = nv;
    if (!nv || !g) {
        free(g);
        cfy_embedding_free(&e);
        return cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
    }
    memcpy(p->vec + (size_t)p->n_vec * (size_t)p->dim, e.vectors, (size_t)e.n * (size_t)p->dim * sizeof(float));
    for (int i = 0; i < e.n; i++)
        g[i] = -1 - (p->n_vec + i);
    p->n_vec += e.n;
    *group = g;
    *n = e.n;
    cfy_embedding_free(&e);
    return CFY_OK;
}

/* Tokenise one word of a segment into a group: plain text, or "embedding:NAME rest" following
 * ComfyUI: NAME is the first whitespace-separated word; when no embedding NAME exists but NAME
 * has commas around it, NAME without them is tried and the leftover text becomes
 * "<the stripped tail> <rest>"; a missing embedding is warned about and dropped; the leftover
 * text is tokenised as text. */
static cfy_status add_word(const cfy_clip *clip, packer *p, const char *word, float w, cfy_error *err)
{
    static const char ident[] = "embedding:";
    char *leftover = NULL;
    if (!strncmp(word, ident, sizeof ident - 1)) {
        const char *s = word + sizeof ident - 1;
        while (*s == '\n' || is_ws(*s))
            s++;
        const char *name0 = s;
        while (*s && !is_ws(*s))
            s++;
        size_t name_len = (size_t)(s - name0);
        size_t cap = strlen(word) + 4, k = 0;
        char *name = malloc(name_len + 1);
        if (!name || !(leftover = malloc(cap))) {
            free(name);
            return cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
        }
        memcpy(name, name0, name_len);
        name[name_len] = 0;
        /* the rest, words re-joined with single spaces (Python's ' '.join(str.split())) */
        char *rest = leftover + 0;
        bool first = true;
        while (*s) {
            while (is_ws(*s))
                s++;
            if (!*s) break;
            if (!first) rest[k++] = ' ';
            while (*s && !is_ws(*s))
                rest[k++] = *s++;
            first = false;
        }
        rest[k] = 0;
        int32_t *group = NULL;
        int n = 0;
        bool found = false;
        cfy_status st = embedding_group(clip, p, name, &group, &n, &found, err);
        if (!st && !found) {
            /* name.strip(',') */
            const char *a = name, *b = name + name_len;
            while (a < b && *a == ',')
                a++;
            while (b > a && b[-1] == ',')
                b--;
            size_t sl = (size_t)(b - a);
            if (sl < name_len) {
                char *stripped = strndup(a, sl);
                /* ComfyUI takes the tail after len(stripped) characters of the original name */
                const char *tail = name + sl;
                char *nl = stripped ? malloc(strlen(tail) + 1 + k + 1) : NULL;
                if (!stripped || !nl) {
                    free(stripped);
                    free(nl);
                    st = cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
                } else {
                    sprintf(nl, "%s %s", tail, leftover);
                    free(leftover);
                    leftover = nl;
                    st = embedding_group(clip, p, stripped, &group, &n, &found, err);
                    free(stripped);
                }
            }
        }
        if (!st && !found && p->rt) cfy_log(p->rt, 1, "warning, embedding:%s does not exist, ignoring", name);
        free(name);
        if (!st && n && !add_group(p, group, n, w)) st = cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
        free(group);
        if (st || !leftover[0]) {
            free(leftover);
            return st;
        }
        word = leftover;
    }
    int32_t *ids = NULL;
    int n = 0;
    cfy_status st = cfy_tokenizer_encode(p->enc->tokenizer, word, &ids, &n, err);
    free(leftover);
    if (st) return st;
    if (!add_group(p, ids, n, w)) st = cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
    free(ids);
    return st;
}

/* Split a segment before " embedding:" / "\nembedding:" (ComfyUI keeps the identifier). */
static cfy_status add_segment(const cfy_clip *clip, packer *p, const char *text, float w, cfy_error *err)
{
    char *buf = strdup(text);
    if (!buf) return cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
    char *start = buf;
    cfy_status st = CFY_OK;
    for (;;) {
        char *a = strstr(start, " embedding:"), *b = strstr(start, "\nembedding:");
        char *cut = a && (!b || a < b) ? a : b;
        if (cut) *cut = 0;
        if ((st = add_word(clip, p, start, w, err))) break;
        if (!cut) break;
        start = cut + 1;
    }
    free(buf);
    return st;
}

int cfy_clip_n_encoders(const cfy_clip *clip)
{
    return clip->shared->n_enc;
}

cfy_status cfy_clip_tokenize(const cfy_clip *clip, int encoder, const char *text, cfy_runtime *rt,
                             cfy_clip_tokens *out, cfy_error *err)
{
    memset(out, 0, sizeof *out);
    if (encoder < 0 || encoder >= clip->shared->n_enc)
        return cfy_error_set(err, CFY_EINVAL, "clip: no text encoder %d", encoder);
    const clip_encoder *enc = &clip->shared->enc[encoder];
    const cfy_text_encoder_info *t = enc->info;
    cfy_prompt_segment *segs = NULL;
    int n = 0;
    cfy_status st = cfy_prompt_parse(text, &segs, &n, err);
    if (st) return st;
    packer p = {.dim = t->hidden, .enc = enc, .rt = rt};
    if (!put(&p, t->bos, 1.0f)) st = cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
    for (int i = 0; !st && i < n; i++)
        st = add_segment(clip, &p, segs[i].text, (float)segs[i].weight, err);
    cfy_prompt_segments_free(segs, n);
    if (!st && !put(&p, t->eos, 1.0f)) st = cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
    while (!st && p.len - p.window_start < WINDOW)
        if (!put(&p, t->pad, 1.0f)) st = cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
    if (st) {
        free(p.tok);
        free(p.w);
        free(p.vec);
        return st;
    }
    out->tokens = p.tok;
    out->weights = p.w;
    out->n_windows = p.len / WINDOW;
    out->vectors = p.vec;
    out->n_vectors = p.n_vec;
    out->dim = p.dim;
    return CFY_OK;
}

void cfy_clip_tokens_free(cfy_clip_tokens *t)
{
    if (!t) return;
    free(t->tokens);
    free(t->weights);
    free(t->vectors);
    memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- encode */

/* Width of the pooled output: the projection width when the graph returns a projected pooled
 * output (SD2's OpenCLIP, SDXL's CLIP-G; output 1, [B, P]), otherwise the hidden width (SD1
 * pools the last layer at the first EOS without a projection). */
static int pooled_width(const cfy_component_spec *s, int hidden)
{
    return s->n_out >= 2 && s->out[1].ndim == 2 ? (int)s->out[1].dims[1].min : hidden;
}

/* The graph's second input for rows [start, start+b): each position whose token is -1-k holds
 * embedding vector k, the others zeros. out: returns new f32 [b,77,D]. */
static cfy_status vectors_input(const cfy_clip_tokens *tk, const int64_t *tokens, int start, int b, int D,
                                cfy_tensor **out, cfy_error *err)
{
    int64_t sizes[3] = {b, WINDOW, D};
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sizes, true, out, err);
    if (st) return st;
    float *v = cfy_tensor_f32(*out);
    for (size_t i = 0; i < (size_t)b * WINDOW; i++) {
        int64_t t = tokens[(size_t)start * WINDOW + i];
        if (t < 0 && -1 - t < tk->n_vectors)
            memcpy(v + i * (size_t)D, tk->vectors + (size_t)(-1 - t) * (size_t)D, (size_t)D * sizeof(float));
    }
    return CFY_OK;
}

/* Run encoder e on rows [rows, 77] in batches; copies layer `li` into z [rows,77,D] and, for
 * row 0, the last layer into last0 [77,D] and the projected pooled output (when the graph has
 * one) into proj0 [P]. Negative tokens are embedding vectors of tk. */
static cfy_status run_encoder(const clip_encoder *e, const cfy_clip_tokens *tk, const int64_t *tokens, int rows,
                              int li, float *z, float *last0, float *proj0, cfy_error *err)
{
    const cfy_component_spec *s = cfy_aoti_component_spec(e->component);
    int max_b = (int)(s->in[0].dims[0].name[0] ? s->in[0].dims[0].max : s->in[0].dims[0].min);
    int L = e->info->layers, D = e->info->hidden;
    int n_out = s->n_out >= 2 ? 2 : 1, P = pooled_width(s, D);
    size_t row = (size_t)WINDOW * (size_t)D;
    for (int start = 0; start < rows; start += max_b) {
        int b = rows - start < max_b ? rows - start : max_b;
        int64_t sizes[2] = {b, WINDOW};
        cfy_tensor *in[2] = {NULL, NULL}, *res[2] = {NULL, NULL};
        int n_in = takes_vectors(e) ? 2 : 1;
        cfy_status st = cfy_tensor_new(CFY_I64, cfy_cpu(), 2, sizes, false, &in[0], err);
        if (!st) {
            memcpy(cfy_tensor_data(in[0]), tokens + (size_t)start * WINDOW, (size_t)b * WINDOW * sizeof(int64_t));
            if (n_in == 2) st = vectors_input(tk, tokens, start, b, D, &in[1], err);
        }
        if (!st) st = cfy_component_call_host(e->component, (const cfy_tensor *const *)in, n_in, res, n_out, err);
        cfy_tensor_release(in[0]);
        cfy_tensor_release(in[1]);
        if (st) return st;
        if (res[0]->ndim != 4 || res[0]->sizes[0] != L || res[0]->sizes[1] != b || res[0]->sizes[2] != WINDOW ||
            res[0]->sizes[3] != D || (n_out == 2 && (res[1]->ndim != 2 || res[1]->sizes[0] != b || res[1]->sizes[1] != P)))
            st = cfy_error_set(err, CFY_EINVAL, "%s: output shape does not match the manifest (%d layers x %d)",
                               e->info->component, L, D);
        if (!st) {
            const float *h = cfy_tensor_f32(res[0]); /* [L, b, 77, D] */
            memcpy(z + (size_t)start * row, h + (size_t)li * b * row, (size_t)b * row * sizeof(float));
            if (start == 0) memcpy(last0, h + (size_t)(L - 1) * b * row, row * sizeof(float));
            if (start == 0 && n_out == 2) memcpy(proj0, cfy_tensor_f32(res[1]), (size_t)P * sizeof(float));
        }
        cfy_tensor_release(res[0]);
        cfy_tensor_release(res[1]);
        if (st) return st;
    }
    return CFY_OK;
}

/* Append empty windows [BOS, EOS, pad...] (weight 1) until tk has `windows` windows. */
static cfy_status pad_windows(const cfy_text_encoder_info *t, cfy_clip_tokens *tk, int windows, cfy_error *err)
{
    if (tk->n_windows >= windows) return CFY_OK;
    size_t n = (size_t)windows * WINDOW;
    int32_t *nt = realloc(tk->tokens, n * sizeof *nt);
    if (nt) tk->tokens = nt;
    float *nw = nt ? realloc(tk->weights, n * sizeof *nw) : NULL;
    if (nw) tk->weights = nw;
    if (!nt || !nw) return cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
    for (size_t i = (size_t)tk->n_windows * WINDOW; i < n; i++) {
        size_t j = i % WINDOW;
        tk->tokens[i] = j == 0 ? t->bos : j == 1 ? t->eos : t->pad;
        tk->weights[i] = 1.0f;
    }
    tk->n_windows = windows;
    return CFY_OK;
}

/* One encoder's share of CLIPTextEncode on its tokens tk: *z = the weighted windows
 * [n_windows*77, D] (malloc'd), *pooled = its pooled output [*P] (malloc'd). */
static cfy_status encode_one(const cfy_clip *clip, int k, const cfy_clip_tokens *tkp, float **z_out, int *n_windows,
                             float **pooled_out, int *P_out, cfy_error *err)
{
    const clip_encoder *enc = &clip->shared->enc[k];
    const cfy_text_encoder_info *t = enc->info;
    const cfy_clip_tokens tk = *tkp;
    cfy_status st = CFY_OK;
    int nw = tk.n_windows, L = t->layers, D = t->hidden;
    bool weighted = false;
    for (int i = 0; i < nw * WINDOW; i++)
        if (tk.weights[i] != 1.0f) weighted = true;
    int rows = nw + (weighted ? 1 : 0);
    int li = L + clip->layer;
    if (li < 0 || li >= L) li = L - 1; /* |layer| beyond the depth: the last layer, as ComfyUI */
    int64_t *tokens = malloc((size_t)rows * WINDOW * sizeof *tokens);
    float *z = malloc((size_t)rows * WINDOW * (size_t)D * sizeof *z);
    float *last0 = malloc((size_t)WINDOW * (size_t)D * sizeof *last0);
    const cfy_component_spec *spec = cfy_aoti_component_spec(enc->component);
    int P = pooled_width(spec, D);
    bool projected = spec->n_out >= 2;
    float *pooled = malloc((size_t)P * sizeof *pooled);
    if (!tokens || !z || !last0 || !pooled) {
        st = cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
        goto done;
    }
    for (int i = 0; i < nw * WINDOW; i++)
        tokens[i] = tk.tokens[i];
    if (weighted) {
        int64_t *e = tokens + (size_t)nw * WINDOW;
        e[0] = t->bos;
        e[1] = t->eos;
        for (int j = 2; j < WINDOW; j++)
            e[j] = t->pad;
    }
    if ((st = run_encoder(enc, &tk, tokens, rows, li, z, last0, pooled, err))) goto done;
    if (weighted) {
        const float *e = z + (size_t)nw * WINDOW * D;
        for (int w_ = 0; w_ < nw; w_++)
            for (int j = 0; j < WINDOW; j++) {
                float w = tk.weights[w_ * WINDOW + j];
                if (w == 1.0f) continue;
                float *zz = z + ((size_t)w_ * WINDOW + j) * D;
                const float *ee = e + (size_t)j * D;
                for (int d = 0; d < D; d++)
                    zz[d] = (zz[d] - ee[d]) * w + ee[d];
            }
    }
    if (!projected) {
        int eos_pos = WINDOW - 1;
        for (int j = 0; j < WINDOW; j++)
            if (tk.tokens[j] == t->eos) {
                eos_pos = j;
                break;
            }
        memcpy(pooled, last0 + (size_t)eos_pos * D, (size_t)P * sizeof(float));
    }
    *z_out = z;
    *pooled_out = pooled;
    *n_windows = nw;
    *P_out = P;
    z = pooled = NULL;
done:
    free(tokens);
    free(z);
    free(last0);
    free(pooled);
    return st;
}

cfy_status cfy_clip_encode(const cfy_clip *clip, const char *text, cfy_runtime *rt, cfy_conditioning **out,
                           cfy_error *err)
{
    const char *texts[CFY_TEXT_ENCODERS_MAX] = {text, text};
    return cfy_clip_encode_texts(clip, texts, false, rt, out, err);
}

cfy_status cfy_clip_encode_texts(const cfy_clip *clip, const char *const *texts, bool equalize, cfy_runtime *rt,
                                 cfy_conditioning **out, cfy_error *err)
{
    *out = NULL;
    int n_enc = clip->shared->n_enc, nw[CFY_TEXT_ENCODERS_MAX] = {0}, P[CFY_TEXT_ENCODERS_MAX] = {0};
    float *z[CFY_TEXT_ENCODERS_MAX] = {0}, *pooled[CFY_TEXT_ENCODERS_MAX] = {0};
    cfy_clip_tokens tk[CFY_TEXT_ENCODERS_MAX] = {0};
    cfy_tensor *cond = NULL, *pool = NULL;
    cfy_conditioning *c = NULL;
    cfy_status st = CFY_OK;
    int most = 0;
    for (int k = 0; !st && k < n_enc; k++) {
        st = cfy_clip_tokenize(clip, k, texts[k], rt, &tk[k], err);
        if (!st && tk[k].n_windows > most) most = tk[k].n_windows;
    }
    for (int k = 0; !st && equalize && k < n_enc; k++) /* CLIPTextEncodeSDXL: the shorter gets empty windows */
        st = pad_windows(clip->shared->enc[k].info, &tk[k], most, err);
    for (int k = 0; !st && k < n_enc; k++)
        st = encode_one(clip, k, &tk[k], &z[k], &nw[k], &pooled[k], &P[k], err);
    if (st) goto done;
    /* SDXL: CLIP-L and CLIP-G side by side per token (cut to the shorter), pooled from the last (G) */
    int tokens = nw[0] * WINDOW, width = 0;
    for (int k = 0; k < n_enc; k++) {
        if (nw[k] * WINDOW < tokens) tokens = nw[k] * WINDOW;
        width += clip->shared->enc[k].info->hidden;
    }
    int64_t csz[3] = {1, tokens, width}, psz[2] = {1, P[n_enc - 1]};
    if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 3, csz, false, &cond, err)) ||
        (st = cfy_tensor_new(CFY_F32, cfy_cpu(), 2, psz, false, &pool, err)))
        goto done;
    float *cd = cfy_tensor_f32(cond);
    for (int i = 0, off = 0; i < n_enc; off += clip->shared->enc[i].info->hidden, i++) {
        int D = clip->shared->enc[i].info->hidden;
        for (int j = 0; j < tokens; j++)
            memcpy(cd + (size_t)j * width + off, z[i] + (size_t)j * D, (size_t)D * sizeof(float));
    }
    memcpy(cfy_tensor_data(pool), pooled[n_enc - 1], (size_t)P[n_enc - 1] * sizeof(float));
    c = calloc(1, sizeof *c);
    if (!c || !(c->entries = calloc(1, sizeof *c->entries))) {
        free(c);
        c = NULL;
        st = cfy_error_set(err, CFY_ENOMEM, "clip: out of memory");
        goto done;
    }
    c->n = 1;
    cfy_cond_entry_init(&c->entries[0]);
    c->entries[0].cond = cond;
    c->entries[0].pooled = pool;
    cond = pool = NULL;
    *out = c;
done:
    cfy_tensor_release(cond);
    cfy_tensor_release(pool);
    for (int k = 0; k < CFY_TEXT_ENCODERS_MAX; k++) {
        free(z[k]);
        free(pooled[k]);
        cfy_clip_tokens_free(&tk[k]);
    }
    return st;
}
