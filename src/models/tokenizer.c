/* tokenizer.c — CLIP byte-level BPE: normalisation, pre-tokenisation, merges, vocabulary lookup. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "models/tokenizer.h"
#include "models/unicode.h"

/* ---------------------------------------------------------------- string -> int hash table */

typedef struct entry {
    char *key; /* owned */
    int32_t value;
} entry;

typedef struct table {
    entry *slots;
    size_t cap; /* power of two */
    size_t n;
} table;

static uint64_t hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static bool table_init(table *t, size_t expected)
{
    t->cap = 16;
    while (t->cap < expected * 2)
        t->cap *= 2;
    t->n = 0;
    t->slots = calloc(t->cap, sizeof *t->slots);
    return t->slots != NULL;
}

static void table_free(table *t)
{
    for (size_t i = 0; t->slots && i < t->cap; i++)
        free(t->slots[i].key);
    free(t->slots);
}

/* Lookup by (s, len); -1 when absent. */
static int32_t table_get(const table *t, const char *s, size_t len)
{
    size_t i = hash(s, len) & (t->cap - 1);
    while (t->slots[i].key) {
        if (strlen(t->slots[i].key) == len && !memcmp(t->slots[i].key, s, len)) return t->slots[i].value;
        i = (i + 1) & (t->cap - 1);
    }
    return -1;
}

/* Insert (first value wins for duplicates). false out of memory or when full. */
static bool table_put(table *t, const char *s, int32_t value)
{
    if (t->n * 2 >= t->cap) return false;
    size_t len = strlen(s), i = hash(s, len) & (t->cap - 1);
    while (t->slots[i].key) {
        if (!strcmp(t->slots[i].key, s)) return true;
        i = (i + 1) & (t->cap - 1);
    }
    if (!(t->slots[i].key = strdup(s))) return false;
    t->slots[i].value = value;
    t->n++;
    return true;
}

struct cfy_tokenizer {
    table vocab;            /* token -> id */
    table merges;           /* "a b" -> rank */
    char byte_char[256][3]; /* GPT-2 byte -> printable char, UTF-8, NUL-terminated */
    int32_t bos, eos;
};

/* GPT-2's reversible byte table: printable Latin-1 bytes map to themselves, the others to 256+n. */
static void init_bytes(cfy_tokenizer *t)
{
    int n = 0;
    for (int b = 0; b < 256; b++) {
        bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
        uint32_t cp = printable ? (uint32_t)b : (uint32_t)(256 + n++);
        char buf[4];
        int k = cfy_u_encode(cp, buf);
        memcpy(t->byte_char[b], buf, (size_t)k);
        t->byte_char[b][k] = 0;
    }
}

/* ---------------------------------------------------------------- loading */

cfy_status cfy_tokenizer_load(const char *vocab_json, const char *merges_txt, cfy_tokenizer **out, cfy_error *err)
{
    *out = NULL;
    void *vtext = NULL, *mtext = NULL;
    size_t vsize = 0, msize = 0;
    cfy_status st = cfy_read_file(vocab_json, 64u << 20, &vtext, &vsize, err);
    if (st) return st;
    if ((st = cfy_read_file(merges_txt, 64u << 20, &mtext, &msize, err))) {
        free(vtext);
        return st;
    }
    cfy_tokenizer *t = calloc(1, sizeof *t);
    cJSON *root = cJSON_ParseWithLength(vtext, vsize);
    free(vtext);
    if (!t) {
        st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
        goto done;
    }
    init_bytes(t);
    if (!cJSON_IsObject(root)) {
        st = cfy_error_set(err, CFY_EPARSE, "%s: not a JSON object of token ids", vocab_json);
        goto done;
    }
    if (!table_init(&t->vocab, (size_t)cJSON_GetArraySize(root))) {
        st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
        goto done;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, root)
    {
        if (!cJSON_IsNumber(e)) {
            st = cfy_error_set(err, CFY_EPARSE, "%s: id of '%s' is not a number", vocab_json, e->string);
            goto done;
        }
        if (!table_put(&t->vocab, e->string, (int32_t)e->valuedouble)) {
            st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
            goto done;
        }
    }
    size_t lines = 1;
    for (size_t i = 0; i < msize; i++)
        lines += ((char *)mtext)[i] == '\n';
    if (!table_init(&t->merges, lines)) {
        st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
        goto done;
    }
    char *line = mtext;
    int32_t rank = 0;
    bool first = true;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r') line[--len] = 0;
        if (first && !strncmp(line, "#version", 8)) {
            /* header */
        } else if (len) {
            char *sp = strchr(line, ' ');
            if (!sp || sp == line || !sp[1] || strchr(sp + 1, ' ')) {
                st = cfy_error_set(err, CFY_EPARSE, "%s: line %d is not 'a b'", merges_txt, (int)rank + 2);
                goto done;
            }
            if (!table_put(&t->merges, line, rank++)) {
                st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
                goto done;
            }
        }
        first = false;
        line = nl ? nl + 1 : NULL;
    }
    t->bos = table_get(&t->vocab, "<|startoftext|>", 15);
    t->eos = table_get(&t->vocab, "<|endoftext|>", 13);
    if (t->bos < 0 || t->eos < 0)
        st = cfy_error_set(err, CFY_EPARSE, "%s: no <|startoftext|> / <|endoftext|>", vocab_json);
done:
    cJSON_Delete(root);
    free(mtext);
    if (st) {
        cfy_tokenizer_destroy(t);
        return st;
    }
    *out = t;
    return CFY_OK;
}

void cfy_tokenizer_destroy(cfy_tokenizer *t)
{
    if (!t) return;
    if (t->vocab.slots) table_free(&t->vocab);
    if (t->merges.slots) table_free(&t->merges);
    free(t);
}

int32_t cfy_tokenizer_id(const cfy_tokenizer *t, const char *token)
{
    return table_get(&t->vocab, token, strlen(token));
}

/* ---------------------------------------------------------------- id output */

typedef struct ids {
    int32_t *v;
    int n, cap;
} ids;

static bool push(ids *o, int32_t id)
{
    if (o->n == o->cap) {
        int cap = o->cap ? o->cap * 2 : 64;
        int32_t *nv = realloc(o->v, (size_t)cap * sizeof *nv);
        if (!nv) return false;
        o->v = nv;
        o->cap = cap;
    }
    o->v[o->n++] = id;
    return true;
}

/* ---------------------------------------------------------------- BPE of one piece */

/* piece: code points [0, n). Appends the ids. */
static cfy_status bpe(const cfy_tokenizer *t, const uint32_t *piece, size_t n, ids *o, cfy_error *err)
{
    /* bytes -> byte characters: one symbol per byte */
    size_t nbytes = 0;
    char enc[4];
    for (size_t i = 0; i < n; i++)
        nbytes += (size_t)cfy_u_encode(piece[i], enc);
    if (!nbytes) return CFY_OK;
    char **sym = calloc(nbytes, sizeof *sym);
    int nsym = 0;
    cfy_status st = CFY_OK;
    if (!sym) return cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
    for (size_t i = 0; i < n && !st; i++) {
        int k = cfy_u_encode(piece[i], enc);
        for (int j = 0; j < k; j++) {
            const char *bc = t->byte_char[(unsigned char)enc[j]];
            bool last = i == n - 1 && j == k - 1;
            size_t len = strlen(bc);
            char *s = malloc(len + (last ? 5 : 1));
            if (!s) {
                st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
                break;
            }
            memcpy(s, bc, len + 1);
            if (last) strcat(s, "</w>");
            sym[nsym++] = s;
        }
    }
    char *key = NULL;
    size_t key_cap = 0;
    while (!st && nsym > 1) {
        int32_t best = -1;
        int best_i = -1;
        for (int i = 0; i + 1 < nsym; i++) {
            size_t la = strlen(sym[i]), lb = strlen(sym[i + 1]);
            if (la + lb + 2 > key_cap) {
                key_cap = (la + lb + 2) * 2;
                char *nk = realloc(key, key_cap);
                if (!nk) {
                    st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
                    break;
                }
                key = nk;
            }
            memcpy(key, sym[i], la);
            key[la] = ' ';
            memcpy(key + la + 1, sym[i + 1], lb);
            int32_t r = table_get(&t->merges, key, la + 1 + lb);
            if (r >= 0 && (best < 0 || r < best)) {
                best = r;
                best_i = i;
            }
        }
        if (st || best < 0) break;
        /* merge every occurrence of the best pair, left to right */
        char *a = strdup(sym[best_i]), *b = strdup(sym[best_i + 1]);
        if (!a || !b) {
            free(a);
            free(b);
            st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
            break;
        }
        int w = 0;
        for (int i = 0; i < nsym; i++) {
            if (i + 1 < nsym && !strcmp(sym[i], a) && !strcmp(sym[i + 1], b)) {
                size_t la = strlen(sym[i]), lb = strlen(sym[i + 1]);
                char *m = malloc(la + lb + 1);
                if (!m) {
                    st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
                    sym[w++] = sym[i];
                    continue;
                }
                memcpy(m, sym[i], la);
                memcpy(m + la, sym[i + 1], lb + 1);
                free(sym[i]);
                free(sym[i + 1]);
                sym[w++] = m;
                i++;
            } else {
                sym[w++] = sym[i];
            }
        }
        nsym = w;
        free(a);
        free(b);
    }
    for (int i = 0; i < nsym; i++) {
        if (!st) {
            int32_t id = table_get(&t->vocab, sym[i], strlen(sym[i]));
            if (!push(o, id >= 0 ? id : t->eos)) st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
        }
        free(sym[i]);
    }
    free(sym);
    free(key);
    return st;
}

/* ---------------------------------------------------------------- pre-tokenisation */

static bool lit(const uint32_t *s, size_t n, size_t i, const char *word)
{
    size_t k = strlen(word);
    if (i + k > n) return false;
    for (size_t j = 0; j < k; j++)
        if (s[i + j] != (unsigned char)word[j]) return false;
    return true;
}

static size_t contraction(const uint32_t *s, size_t n, size_t i)
{
    static const char *const c[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++)
        if (lit(s, n, i, c[k])) return strlen(c[k]);
    return 0;
}

static bool other(uint32_t c)
{
    return !cfy_u_is_space(c) && !cfy_u_is_letter(c) && !cfy_u_is_number(c);
}

/* GPT-2's pattern on a piece without spaces: contractions | \p{L}+ | \p{N}+ | other+. */
static cfy_status byte_level_split(const cfy_tokenizer *t, const uint32_t *s, size_t n, ids *o, cfy_error *err)
{
    size_t i = 0;
    while (i < n) {
        size_t len = contraction(s, n, i);
        if (!len) {
            bool (*cls)(uint32_t) = cfy_u_is_letter(s[i])   ? cfy_u_is_letter
                                    : cfy_u_is_number(s[i]) ? cfy_u_is_number
                                                            : other;
            len = 1;
            while (i + len < n && cls(s[i + len]))
                len++;
        }
        cfy_status st = bpe(t, s + i, len, o, err);
        if (st) return st;
        i += len;
    }
    return CFY_OK;
}

/* CLIP's pattern over a normalised segment; whitespace between matches is dropped. */
static cfy_status pretokenize(const cfy_tokenizer *t, const uint32_t *s, size_t n, ids *o, cfy_error *err)
{
    size_t i = 0;
    while (i < n) {
        if (cfy_u_is_space(s[i])) {
            i++;
            continue;
        }
        size_t len = 0;
        if (lit(s, n, i, "<|startoftext|>"))
            len = 15;
        else if (lit(s, n, i, "<|endoftext|>"))
            len = 13;
        else if ((len = contraction(s, n, i))) {
        } else if (cfy_u_is_letter(s[i])) {
            len = 1;
            while (i + len < n && cfy_u_is_letter(s[i + len]))
                len++;
        } else if (cfy_u_is_number(s[i])) {
            len = 1;
        } else {
            len = 1;
            while (i + len < n && other(s[i + len]))
                len++;
        }
        cfy_status st = byte_level_split(t, s + i, len, o, err);
        if (st) return st;
        i += len;
    }
    return CFY_OK;
}

/* NFC, White_Space runs -> ' ', lowercase; then pre-tokenise and BPE. */
static cfy_status encode_segment(const cfy_tokenizer *t, const char *text, size_t len, ids *o, cfy_error *err)
{
    uint32_t *cps = NULL, *nfc = NULL, *low = NULL;
    size_t n = 0, nn = 0, k = 0;
    cfy_status st = CFY_OK;
    if (!cfy_u_decode(text, len, &cps, &n) || !cfy_u_nfc(cps, n, &nfc, &nn) ||
        !(low = malloc((nn * 3 + 1) * sizeof *low))) {
        st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
        goto done;
    }
    for (size_t i = 0; i < nn; i++) {
        if (cfy_u_is_space(nfc[i])) {
            low[k++] = ' ';
            while (i + 1 < nn && cfy_u_is_space(nfc[i + 1]))
                i++;
            continue;
        }
        k += (size_t)cfy_u_lower(nfc[i], low + k);
    }
    st = pretokenize(t, low, k, o, err);
done:
    free(cps);
    free(nfc);
    free(low);
    return st;
}

cfy_status cfy_tokenizer_encode(const cfy_tokenizer *t, const char *text, int32_t **out_ids, int *n, cfy_error *err)
{
    *out_ids = NULL;
    *n = 0;
    ids o = {0};
    cfy_status st = CFY_OK;
    const char *p = text;
    while (!st) {
        const char *s1 = strstr(p, "<|startoftext|>"), *s2 = strstr(p, "<|endoftext|>");
        const char *sp = s1 && (!s2 || s1 < s2) ? s1 : s2;
        size_t seg = sp ? (size_t)(sp - p) : strlen(p);
        st = encode_segment(t, p, seg, &o, err);
        if (st || !sp) break;
        if (!push(&o, sp == s1 ? t->bos : t->eos)) st = cfy_error_set(err, CFY_ENOMEM, "tokenizer: out of memory");
        p = sp + (sp == s1 ? 15 : 13);
    }
    if (st) {
        free(o.v);
        return st;
    }
    *out_ids = o.v;
    *n = o.n;
    return CFY_OK;
}
