/* noise.c — prepare_noise, NumPy SeedSequence, torchsde's Brownian tree and the noise samplers
 * (spec sampling.md §8.5–8.7). */
#include "sampling/noise.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- prepare_noise (§8.5) */

cfy_status cfy_noise_prepare(uint64_t seed, int64_t batch, int64_t item_numel, const int64_t *batch_index,
                             int n_batch_index, cfy_randn_variant variant, float *out, cfy_error *err)
{
    cfy_rng g;
    cfy_rng_seed(&g, seed);
    if (!batch_index) {
        cfy_rng_randn(&g, out, batch * item_numel, variant);
        return CFY_OK;
    }
    if (n_batch_index != batch)
        return cfy_error_set(err, CFY_EINVAL, "batch_index has %d entries for a batch of %lld", n_batch_index,
                             (long long)batch);
    int64_t max_i = -1;
    for (int b = 0; b < n_batch_index; b++) {
        if (batch_index[b] < 0)
            return cfy_error_set(err, CFY_EINVAL, "batch_index[%d] = %lld is negative", b, (long long)batch_index[b]);
        if (batch_index[b] > max_i) max_i = batch_index[b];
    }
    if (max_i > 1000000) return cfy_error_set(err, CFY_EINVAL, "batch_index %lld is too large", (long long)max_i);
    float *draw = malloc((size_t)(item_numel > 0 ? item_numel : 1) * sizeof(float));
    if (!draw) return cfy_error_set(err, CFY_ENOMEM, "out of memory for noise");
    for (int64_t k = 0; k <= max_i; k++) {
        cfy_rng_randn(&g, draw, item_numel, variant);
        for (int b = 0; b < n_batch_index; b++)
            if (batch_index[b] == k) memcpy(out + (int64_t)b * item_numel, draw, (size_t)item_numel * sizeof(float));
    }
    free(draw);
    return CFY_OK;
}

/* ---------------------------------------------------------------- SeedSequence (§8.7) */

enum { POOL = 24 };

static uint32_t hashmix(uint32_t v, uint32_t *h)
{
    v ^= *h;
    *h *= 0x931e8875u;
    v *= *h;
    v ^= v >> 16;
    return v;
}

static uint32_t mix(uint32_t x, uint32_t y)
{
    uint32_t r = 0xca01f9ddu * x - 0x4973f715u * y;
    return r ^ (r >> 16);
}

static int split_words(uint64_t v, uint32_t *w)
{
    w[0] = (uint32_t)v;
    if (v >> 32) {
        w[1] = (uint32_t)(v >> 32);
        return 2;
    }
    return 1;
}

void cfy_seed_sequence(uint64_t entropy, const uint64_t *spawn_key, int n_spawn, uint32_t *out, int n_words)
{
    uint32_t words[POOL + 2 * 8];
    int n = split_words(entropy, words);
    if (n_spawn > 0) {
        while (n < POOL) words[n++] = 0;
        for (int i = 0; i < n_spawn && i < 8; i++) n += split_words(spawn_key[i], words + n);
    }
    uint32_t pool[POOL];
    uint32_t h = 0x43b0d7e5u;
    for (int i = 0; i < POOL; i++) pool[i] = hashmix(i < n ? words[i] : 0u, &h);
    for (int s = 0; s < POOL; s++)
        for (int d = 0; d < POOL; d++)
            if (s != d) pool[d] = mix(pool[d], hashmix(pool[s], &h));
    for (int s = POOL; s < n; s++)
        for (int d = 0; d < POOL; d++) pool[d] = mix(pool[d], hashmix(words[s], &h));
    uint32_t g = 0x8b51f9ddu;
    for (int k = 0; k < n_words; k++) {
        uint32_t v = pool[k % POOL] ^ g;
        g *= 0x58f38dedu;
        v *= g;
        v ^= v >> 16;
        out[k] = v;
    }
}

/* ---------------------------------------------------------------- Brownian tree (§8.7) */

/* Python round(v, 6): the double nearest to the correctly rounded 6-decimal value. */
static double round6(double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.6f", v);
    return strtod(buf, NULL);
}

typedef struct bt_cache bt_cache;
static bt_cache *cache_new(int64_t numel);

static void randn_seeded(uint64_t seed, float *out, int64_t n, cfy_randn_variant variant)
{
    cfy_rng g;
    cfy_rng_seed(&g, seed);
    cfy_rng_randn(&g, out, n, variant);
}

cfy_status cfy_brownian_tree_init(cfy_brownian_tree *bt, double sigma_min, double sigma_max, uint64_t seed,
                                  int64_t numel, cfy_randn_variant variant, cfy_error *err)
{
    memset(bt, 0, sizeof *bt);
    if (!(sigma_min <= sigma_max) || !isfinite(sigma_min) || !isfinite(sigma_max))
        return cfy_error_set(err, CFY_EINVAL, "Brownian tree needs finite sigma_min <= sigma_max (got %g, %g)",
                             sigma_min, sigma_max);
    bt->t0 = round6(sigma_min);
    bt->t1 = round6(sigma_max);
    bt->seed = seed;
    bt->numel = numel;
    bt->variant = variant;
    bt->root_w = malloc((size_t)(numel > 0 ? numel : 1) * sizeof(float));
    if (!bt->root_w) return cfy_error_set(err, CFY_ENOMEM, "out of memory for the Brownian tree");
    uint32_t g[3];
    cfy_seed_sequence(seed, NULL, 0, g, 3);
    randn_seeded(g[0], bt->root_w, numel, variant);
    float scale = (float)sqrt(sigma_max - sigma_min);
    for (int64_t i = 0; i < numel; i++) bt->root_w[i] = bt->root_w[i] * scale;
    bt->cache = cache_new(numel); /* NULL (out of memory) only disables caching */
    return CFY_OK;
}

/* Node-increment cache: consecutive queries share most of their ancestors, and each node costs
 * one randn of the latent size. Round-robin eviction; memory bounded to ~64 MiB. */
typedef struct bt_cache_entry {
    uint64_t k, d;
    bool used;
    float *w;
} bt_cache_entry;

struct bt_cache {
    int cap, next;
    bt_cache_entry e[];
};

static bt_cache *cache_new(int64_t numel)
{
    int64_t bytes = numel * (int64_t)sizeof(float);
    int64_t cap = bytes > 0 ? ((int64_t)64 << 20) / bytes : 128;
    if (cap > 128) cap = 128;
    if (cap < 8) cap = 8;
    bt_cache *c = calloc(1, sizeof *c + (size_t)cap * sizeof(bt_cache_entry));
    if (c) c->cap = (int)cap;
    return c;
}

static void cache_free(bt_cache *c)
{
    if (!c) return;
    for (int i = 0; i < c->cap; i++) free(c->e[i].w);
    free(c);
}

static const float *cache_get(bt_cache *c, uint64_t k, uint64_t d)
{
    if (!c) return NULL;
    for (int i = 0; i < c->cap; i++)
        if (c->e[i].used && c->e[i].k == k && c->e[i].d == d) return c->e[i].w;
    return NULL;
}

static void cache_put(bt_cache *c, uint64_t k, uint64_t d, const float *w, int64_t n)
{
    if (!c) return;
    bt_cache_entry *e = &c->e[c->next];
    c->next = (c->next + 1) % c->cap;
    if (!e->w) e->w = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    if (!e->w) {
        e->used = false;
        return;
    }
    memcpy(e->w, w, (size_t)n * sizeof(float));
    e->k = k;
    e->d = d;
    e->used = true;
}

void cfy_brownian_tree_free(cfy_brownian_tree *bt)
{
    if (!bt) return;
    free(bt->root_w);
    cache_free(bt->cache);
    memset(bt, 0, sizeof *bt);
}

typedef struct bt_query {
    const cfy_brownian_tree *bt;
    double a, b;
    float *acc;
    int have;
    float *scratch; /* 2 * numel * depth */
} bt_query;

static void bt_add(bt_query *q, const float *w)
{
    int64_t n = q->bt->numel;
    if (!q->have) {
        memcpy(q->acc, w, (size_t)n * sizeof(float));
        q->have = 1;
    } else {
        for (int64_t i = 0; i < n; i++) q->acc[i] = q->acc[i] + w[i];
    }
}

#define BT_MAX_DEPTH 48

static void bt_visit(bt_query *q, double s, double e, uint64_t k, uint64_t d, const float *w)
{
    if ((q->a <= s && e <= q->b) || d >= BT_MAX_DEPTH) {
        bt_add(q, w);
        return;
    }
    double mu = round6(0.5 * (e + s));
    if (!(mu > s && mu < e)) {
        bt_add(q, w);
        return;
    }
    int64_t n = q->bt->numel;
    float *left = q->scratch + (size_t)(2 * d) * (size_t)n;
    float *right = left + n;
    bt_cache *cache = q->bt->cache;
    const float *cl = cache_get(cache, 2 * k, d + 1), *cr = cache_get(cache, 2 * k + 1, d + 1);
    if (cl && cr) {
        memcpy(left, cl, (size_t)n * sizeof(float));
        memcpy(right, cr, (size_t)n * sizeof(float));
    } else {
        uint64_t key[2] = {k, d};
        uint32_t seed;
        cfy_seed_sequence(q->bt->seed, key, 2, &seed, 1);
        randn_seeded(seed, right, n, q->bt->variant); /* Z, overwritten below */
        double rho = 1.0 / (e - s), l = mu - s, r = e - mu;
        float fl = (float)l, frho = (float)rho, fs = (float)sqrt(l * r * rho);
        for (int64_t i = 0; i < n; i++) {
            float t1 = w[i] * fl;
            t1 = t1 * frho;
            float t2 = fs * right[i];
            left[i] = t1 + t2;
            right[i] = w[i] - left[i];
        }
        cache_put(cache, 2 * k, d + 1, left, n);
        cache_put(cache, 2 * k + 1, d + 1, right, n);
    }
    if (q->a < mu) bt_visit(q, s, mu, 2 * k, d + 1, left);
    if (q->b > mu) bt_visit(q, mu, e, 2 * k + 1, d + 1, right);
}

cfy_status cfy_brownian_tree_noise(const cfy_brownian_tree *bt, float sigma, float sigma_next, float *out,
                                   cfy_error *err)
{
    int64_t n = bt->numel;
    double lo = sigma < sigma_next ? sigma : sigma_next;
    double hi = sigma < sigma_next ? sigma_next : sigma;
    float sign = sigma < sigma_next ? 1.0f : -1.0f;
    if (lo < bt->t0) lo = bt->t0;
    if (hi > bt->t1) hi = bt->t1;
    if (hi < bt->t0) hi = bt->t0;
    if (lo > bt->t1) lo = bt->t1;
    lo = round6(lo);
    hi = round6(hi);
    float denom = sqrtf(fabsf(sigma_next - sigma));
    if (lo == hi) {
        for (int64_t i = 0; i < n; i++) out[i] = (0.0f * sign) / denom;
        return CFY_OK;
    }
    bt_query q = {bt, lo, hi, out, 0, NULL};
    q.scratch = malloc((size_t)2 * BT_MAX_DEPTH * (size_t)(n > 0 ? n : 1) * sizeof(float));
    if (!q.scratch) return cfy_error_set(err, CFY_ENOMEM, "out of memory for Brownian noise");
    bt_visit(&q, bt->t0, bt->t1, 0, 0, bt->root_w);
    free(q.scratch);
    for (int64_t i = 0; i < n; i++) {
        float v = out[i] * sign;
        out[i] = v / denom;
    }
    return CFY_OK;
}

/* ---------------------------------------------------------------- noise samplers (§8.6) */

void cfy_noise_sampler_init_default(cfy_noise_sampler *ns, uint64_t gen_seed, int64_t numel,
                                    cfy_randn_variant variant)
{
    memset(ns, 0, sizeof *ns);
    ns->kind = CFY_NOISE_DEFAULT;
    ns->numel = numel;
    ns->variant = variant;
    cfy_rng_seed(&ns->gen, gen_seed);
}

cfy_status cfy_noise_sampler_init_brownian(cfy_noise_sampler *ns, double sigma_min, double sigma_max, uint64_t seed,
                                           int64_t numel, cfy_randn_variant variant, cfy_error *err)
{
    memset(ns, 0, sizeof *ns);
    ns->kind = CFY_NOISE_BROWNIAN;
    ns->numel = numel;
    ns->variant = variant;
    return cfy_brownian_tree_init(&ns->tree, sigma_min, sigma_max, seed, numel, variant, err);
}

void cfy_noise_sampler_free(cfy_noise_sampler *ns)
{
    if (!ns) return;
    if (ns->kind == CFY_NOISE_BROWNIAN) cfy_brownian_tree_free(&ns->tree);
}

cfy_status cfy_noise_sampler_draw(cfy_noise_sampler *ns, float sigma, float sigma_next, float *out, cfy_error *err)
{
    if (ns->kind == CFY_NOISE_BROWNIAN) return cfy_brownian_tree_noise(&ns->tree, sigma, sigma_next, out, err);
    cfy_rng_randn(&ns->gen, out, ns->numel, ns->variant);
    return CFY_OK;
}
