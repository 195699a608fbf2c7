/* exec_cache.c — the executor's output cache: node outputs keyed by input signature, kept in the runtime.
 *
 * Keys are 128-bit hashes of a node's signature (exec.c builds them: class, constants, and the
 * keys of its sources, so a key covers all ancestors). The table lives in the runtime slot
 * CFY_SLOT_EXEC_CACHE and is freed with the runtime or by cfy_runtime_clear_cache. Lifetime
 * follows ComfyUI's default ("classic"): each run keeps only entries of nodes in its prompt. */
#include <stdlib.h>
#include <string.h>

#include "core/runtime_internal.h"
#include "graph/workflow_internal.h"

/* ---- hashing: two independent 64-bit lanes (FNV-1a style with a strong final mix) ---- */

void wf_hash_init(wf_hash *h)
{
    h->a = 0xcbf29ce484222325ULL;
    h->b = 0x84222325cbf29ce4ULL;
}

void wf_hash_bytes(wf_hash *h, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t a = h->a, b = h->b;
    for (size_t i = 0; i < n; i++) {
        a = (a ^ s[i]) * 0x100000001b3ULL;
        b = (b ^ s[i]) * 0x9E3779B97F4A7C15ULL;
        b ^= b >> 29;
    }
    h->a = a;
    h->b = b;
}

void wf_hash_str(wf_hash *h, const char *s)
{
    wf_hash_bytes(h, s, strlen(s) + 1);
}

void wf_hash_u64(wf_hash *h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    wf_hash_bytes(h, b, 8);
}

/* ---- the table ---- */

typedef struct exec_cache {
    exec_entry **slots; /* open addressing, NULL = empty */
    int cap, count;
    uint64_t nonce;
} exec_cache;

static void entry_free(exec_entry *e)
{
    if (!e) return;
    for (int i = 0; i < e->n_outputs; i++)
        cfy_value_list_clear(&e->outputs[i]);
    free(e->outputs);
    for (int i = 0; i < e->n_files; i++)
        wf_file_free(&e->files[i]);
    free(e->files);
    free(e);
}

static void cache_free(void *p)
{
    exec_cache *c = p;
    if (!c) return;
    for (int i = 0; i < c->cap; i++)
        entry_free(c->slots[i]);
    free(c->slots);
    free(c);
}

static exec_cache *get_cache(cfy_runtime *rt, bool create)
{
    cfy_runtime_slot *s = &rt->slots[CFY_SLOT_EXEC_CACHE];
    if (!s->ptr && create) {
        exec_cache *c = calloc(1, sizeof *c);
        if (!c) return NULL;
        s->ptr = c;
        s->free_fn = cache_free;
    }
    return s->ptr;
}

static size_t slot_of(const exec_cache *c, const uint64_t key[2])
{
    size_t mask = (size_t)c->cap - 1;
    size_t i = (size_t)(key[0] ^ (key[1] >> 7)) & mask;
    while (c->slots[i] && (c->slots[i]->key[0] != key[0] || c->slots[i]->key[1] != key[1]))
        i = (i + 1) & mask;
    return i;
}

exec_entry *exec_cache_find(cfy_runtime *rt, const uint64_t key[2])
{
    exec_cache *c = get_cache(rt, false);
    if (!c || !c->cap) return NULL;
    return c->slots[slot_of(c, key)];
}

static bool rehash(exec_cache *c, int cap)
{
    exec_entry **old = c->slots;
    int old_cap = c->cap;
    exec_entry **slots = calloc((size_t)cap, sizeof *slots);
    if (!slots) return false;
    c->slots = slots;
    c->cap = cap;
    for (int i = 0; i < old_cap; i++)
        if (old[i]) c->slots[slot_of(c, old[i]->key)] = old[i];
    free(old);
    return true;
}

cfy_status exec_cache_put(cfy_runtime *rt, const uint64_t key[2], cfy_value_list *outputs, int n_outputs,
                          const wf_file *files, int n_files, cfy_error *err)
{
    exec_cache *c = get_cache(rt, true);
    exec_entry *e = calloc(1, sizeof *e);
    if (!c || !e) goto oom;
    e->key[0] = key[0];
    e->key[1] = key[1];
    e->outputs = outputs;
    e->n_outputs = n_outputs;
    outputs = NULL;
    if (n_files > 0) {
        e->files = calloc((size_t)n_files, sizeof *e->files);
        if (!e->files) goto oom;
        for (int i = 0; i < n_files; i++, e->n_files++) {
            wf_file *f = &e->files[i];
            f->node_id = strdup(files[i].node_id);
            f->filename = strdup(files[i].filename);
            f->subfolder = strdup(files[i].subfolder);
            f->type = strdup(files[i].type);
            if (!f->node_id || !f->filename || !f->subfolder || !f->type) {
                e->n_files++;
                goto oom;
            }
        }
    }
    if ((c->count + 1) * 2 > c->cap && !rehash(c, c->cap ? c->cap * 2 : 64)) goto oom;
    size_t at = slot_of(c, key);
    if (c->slots[at])
        entry_free(c->slots[at]);
    else
        c->count++;
    c->slots[at] = e;
    return CFY_OK;
oom:
    if (outputs) {
        for (int i = 0; i < n_outputs; i++)
            cfy_value_list_clear(&outputs[i]);
        free(outputs);
    }
    entry_free(e);
    return cfy_error_set(err, CFY_ENOMEM, "output cache: out of memory");
}

void exec_cache_keep_only(cfy_runtime *rt, const wf_node *nodes, int n_nodes)
{
    exec_cache *c = get_cache(rt, false);
    if (!c || !c->count) return;
    /* mark the keys to keep in a temporary table of the same shape */
    unsigned char *keep = calloc((size_t)c->cap, 1);
    if (!keep) return; /* keeping everything is always safe */
    for (int i = 0; i < n_nodes; i++) {
        if (!nodes[i].has_sig) continue;
        size_t at = slot_of(c, nodes[i].sig);
        if (c->slots[at]) keep[at] = 1;
    }
    int dropped = 0;
    for (int i = 0; i < c->cap; i++)
        if (c->slots[i] && !keep[i]) {
            entry_free(c->slots[i]);
            c->slots[i] = NULL;
            dropped++;
        }
    free(keep);
    if (dropped) {
        c->count -= dropped;
        rehash(c, c->cap); /* re-pack the probe chains; on failure the old table is kept */
    }
}

uint64_t exec_cache_nonce(cfy_runtime *rt)
{
    exec_cache *c = get_cache(rt, true);
    if (!c) return 0;
    return ++c->nonce;
}

int exec_cache_count(cfy_runtime *rt)
{
    exec_cache *c = get_cache(rt, false);
    return c ? c->count : 0;
}
