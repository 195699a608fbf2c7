/* unicode.c — UTF-8, character classes, lowercase and NFC over the generated tables (unicode_tables.c). */
#include <stdlib.h>
#include <string.h>

#include "models/unicode.h"
#include "models/unicode_tables.h"

static bool in_ranges(const cfy_u_range *r, int n, uint32_t cp)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < r[mid].lo)
            hi = mid - 1;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

bool cfy_u_is_letter(uint32_t cp)
{
    return in_ranges(cfy_u_letters, cfy_u_letters_n, cp);
}
bool cfy_u_is_number(uint32_t cp)
{
    return in_ranges(cfy_u_numbers, cfy_u_numbers_n, cp);
}
bool cfy_u_is_space(uint32_t cp)
{
    return in_ranges(cfy_u_space, cfy_u_space_n, cp);
}

int cfy_u_lower(uint32_t cp, uint32_t out[3])
{
    if (cp < 0x80) {
        out[0] = cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
        return 1;
    }
    int lo = 0, hi = cfy_u_lower_map_n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < cfy_u_lower_map[mid].cp)
            hi = mid - 1;
        else if (cp > cfy_u_lower_map[mid].cp)
            lo = mid + 1;
        else {
            int k = 0;
            while (k < 3 && cfy_u_lower_map[mid].to[k]) {
                out[k] = cfy_u_lower_map[mid].to[k];
                k++;
            }
            return k;
        }
    }
    out[0] = cp;
    return 1;
}

bool cfy_u_decode(const char *s, size_t len, uint32_t **out, size_t *n)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t *cps = malloc((len + 1) * sizeof *cps);
    if (!cps) return false;
    size_t k = 0, i = 0;
    while (i < len) {
        uint32_t c = p[i];
        int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
        uint32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1f) : extra == 2 ? (c & 0x0f) : (c & 0x07);
        bool ok = extra >= 0 && i + (size_t)extra < len;
        for (int j = 1; ok && j <= extra; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                ok = false;
            else
                cp = (cp << 6) | (p[i + j] & 0x3f);
        }
        if (ok && ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
                   (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)))
            ok = false;
        if (!ok) {
            cps[k++] = 0xfffd;
            i++;
            continue;
        }
        cps[k++] = cp;
        i += (size_t)extra + 1;
    }
    *out = cps;
    *n = k;
    return true;
}

int cfy_u_encode(uint32_t cp, char buf[4])
{
    if (cp < 0x80) {
        buf[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = (char)(0xc0 | cp >> 6);
        buf[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = (char)(0xe0 | cp >> 12);
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    buf[0] = (char)(0xf0 | cp >> 18);
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    buf[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* ---------------------------------------------------------------- NFC */

enum {
    SBASE = 0xAC00,
    LBASE = 0x1100,
    VBASE = 0x1161,
    TBASE = 0x11A7,
    LCOUNT = 19,
    VCOUNT = 21,
    TCOUNT = 28,
    NCOUNT = VCOUNT * TCOUNT,
    SCOUNT = LCOUNT * NCOUNT
};

static int ccc(uint32_t cp)
{
    int lo = 0, hi = cfy_u_ccc_map_n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < cfy_u_ccc_map[mid].lo)
            hi = mid - 1;
        else if (cp > cfy_u_ccc_map[mid].hi)
            lo = mid + 1;
        else
            return cfy_u_ccc_map[mid].ccc;
    }
    return 0;
}

static const cfy_u_decomp *decomp(uint32_t cp)
{
    int lo = 0, hi = cfy_u_decomp_map_n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (cp < cfy_u_decomp_map[mid].cp)
            hi = mid - 1;
        else if (cp > cfy_u_decomp_map[mid].cp)
            lo = mid + 1;
        else
            return &cfy_u_decomp_map[mid];
    }
    return NULL;
}

static uint32_t compose(uint32_t a, uint32_t b)
{
    if (a >= LBASE && a < LBASE + LCOUNT && b >= VBASE && b < VBASE + VCOUNT)
        return SBASE + ((a - LBASE) * VCOUNT + (b - VBASE)) * TCOUNT;
    if (a >= SBASE && a < SBASE + SCOUNT && (a - SBASE) % TCOUNT == 0 && b > TBASE && b < TBASE + TCOUNT)
        return a + (b - TBASE);
    int lo = 0, hi = cfy_u_comp_map_n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const cfy_u_comp *c = &cfy_u_comp_map[mid];
        if (a < c->first || (a == c->first && b < c->second))
            hi = mid - 1;
        else if (a > c->first || b > c->second)
            lo = mid + 1;
        else
            return c->composite;
    }
    return 0;
}

bool cfy_u_nfc(const uint32_t *cps, size_t n, uint32_t **out, size_t *n_out)
{
    size_t cap = n * 4 + 4, k = 0;
    uint32_t *d = malloc(cap * sizeof *d);
    if (!d) return false;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = cps[i];
        const cfy_u_decomp *e;
        if (k + 4 > cap) {
            cap *= 2;
            uint32_t *nd = realloc(d, cap * sizeof *d);
            if (!nd) {
                free(d);
                return false;
            }
            d = nd;
        }
        if (cp >= SBASE && cp < SBASE + SCOUNT) {
            uint32_t s = cp - SBASE;
            d[k++] = LBASE + s / NCOUNT;
            d[k++] = VBASE + (s % NCOUNT) / TCOUNT;
            if (s % TCOUNT) d[k++] = TBASE + s % TCOUNT;
        } else if ((e = decomp(cp))) {
            if (k + e->len > cap) {
                cap = (k + e->len) * 2;
                uint32_t *nd = realloc(d, cap * sizeof *d);
                if (!nd) {
                    free(d);
                    return false;
                }
                d = nd;
            }
            for (int j = 0; j < e->len; j++)
                d[k++] = cfy_u_decomp_pool[e->start + (uint32_t)j];
        } else {
            d[k++] = cp;
        }
    }
    /* canonical ordering: stable insertion sort of each run of non-starters */
    for (size_t i = 1; i < k; i++) {
        int ci = ccc(d[i]);
        if (!ci) continue;
        size_t j = i;
        uint32_t v = d[i];
        while (j > 0 && ccc(d[j - 1]) > ci) {
            d[j] = d[j - 1];
            j--;
        }
        d[j] = v;
    }
    /* canonical composition (UAX #15): a character combines with the last starter unless a
     * character of the same or higher class, or any starter, stands between them */
    if (k) {
        size_t starter = 0, w = 1;
        uint32_t starter_ch = d[0];
        int last_class = ccc(d[0]) ? 256 : 0;
        for (size_t i = 1; i < k; i++) {
            uint32_t c = d[i];
            int cc = ccc(c);
            uint32_t comp = compose(starter_ch, c);
            if (comp && (last_class < cc || last_class == 0)) {
                d[starter] = comp;
                starter_ch = comp;
                continue;
            }
            if (cc == 0) {
                starter = w;
                starter_ch = c;
            }
            last_class = cc;
            d[w++] = c;
        }
        k = w;
    }
    *out = d;
    *n_out = k;
    return true;
}
