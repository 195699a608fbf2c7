/* prompt.c — ComfyUI prompt weighting: escapes, top-level parenthesis split, recursive weights. */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "models/prompt.h"

/* Private markers for \( and \) (two bytes each; never produced by UTF-8 text in practice). */
static const char ESC_OPEN[] = "\x01\x11", ESC_CLOSE[] = "\x01\x12";

typedef struct list {
    cfy_prompt_segment *v;
    int n, cap;
} list;

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

/* Replace every occurrence of `from` by `to` (same or shorter length). In place. */
static void replace_all(char *s, const char *from, const char *to)
{
    size_t lf = strlen(from), lt = strlen(to);
    char *r = s, *w = s;
    while (*r) {
        if (!strncmp(r, from, lf)) {
            memcpy(w, to, lt);
            w += lt;
            r += lf;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
}

static bool is_py_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int cfy_prompt_parse_float(const char *s, size_t len, double *out)
{
    while (len && is_py_space(*s))
        s++, len--;
    while (len && is_py_space(s[len - 1]))
        len--;
    if (!len || len > 256) return 0;
    char buf[260];
    size_t k = 0, i = 0;
    if (s[i] == '+' || s[i] == '-') buf[k++] = s[i++];
    const char *rest = s + i;
    size_t rl = len - i;
    static const char *const words[] = {"inf", "infinity", "nan"};
    for (int w = 0; w < 3; w++)
        if (rl == strlen(words[w]) && !strncasecmp(rest, words[w], rl)) {
            double v = w == 2 ? NAN : INFINITY;
            *out = buf[0] == '-' ? -v : v;
            return 1;
        }
    /* digits with single underscores between digits, optional '.', optional exponent */
    bool digits = false, prev_digit = false;
    int part = 0; /* 0 integer, 1 fraction, 2 exponent */
    bool exp_digits = false;
    for (; i < len; i++) {
        char c = s[i];
        if (isdigit((unsigned char)c)) {
            buf[k++] = c;
            if (part < 2)
                digits = true;
            else
                exp_digits = true;
            prev_digit = true;
        } else if (c == '_') {
            if (!prev_digit || i + 1 >= len || !isdigit((unsigned char)s[i + 1])) return 0;
            prev_digit = false;
        } else if (c == '.' && part == 0) {
            buf[k++] = c;
            part = 1;
            prev_digit = false;
        } else if ((c == 'e' || c == 'E') && part < 2 && digits) {
            buf[k++] = 'e';
            part = 2;
            prev_digit = false;
            if (i + 1 < len && (s[i + 1] == '+' || s[i + 1] == '-')) buf[k++] = s[++i];
        } else {
            return 0;
        }
    }
    if (!digits || (part == 2 && !exp_digits)) return 0;
    buf[k] = 0;
    *out = strtod(buf, NULL);
    return 1;
}

static bool push(list *l, const char *text, size_t n, double weight)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        cfy_prompt_segment *nv = realloc(l->v, (size_t)cap * sizeof *nv);
        if (!nv) return false;
        l->v = nv;
        l->cap = cap;
    }
    char *t = dup_n(text, n);
    if (!t) return false;
    l->v[l->n].text = t;
    l->v[l->n++].weight = weight;
    return true;
}

/* One item of parse_parentheses: a group "( ... )" is unwrapped and weighted, other text kept. */
static bool emit(const char *x, size_t xl, double w, list *out, int depth);

/* token_weights(s, w): ComfyUI's parse_parentheses scanner; each item is emitted in order.
 * The current item is always the contiguous range s[cs, cs + cl). */
static bool token_weights(const char *s, size_t len, double w, list *out, int depth)
{
    size_t cs = 0, cl = 0;
    long level = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '(') {
            if (level == 0) {
                if (cl && !emit(s + cs, cl, w, out, depth)) return false;
                cs = i;
                cl = 1;
            } else {
                cl++;
            }
            level++;
        } else if (c == ')') {
            level--;
            if (level == 0) {
                if (!emit(s + cs, cl + 1, w, out, depth)) return false;
                cs = i + 1;
                cl = 0;
            } else {
                cl++;
            }
        } else {
            cl++;
        }
    }
    return !cl || emit(s + cs, cl, w, out, depth);
}

static bool emit(const char *x, size_t xl, double w, list *out, int depth)
{
    if (xl < 2 || x[0] != '(' || x[xl - 1] != ')' || depth > 1000) return push(out, x, xl, w);
    const char *in = x + 1;
    size_t il = xl - 2;
    double weight = w * 1.1, v;
    const char *colon = NULL;
    for (size_t k = 0; k < il; k++)
        if (in[k] == ':') colon = in + k;
    if (colon && colon > in && cfy_prompt_parse_float(colon + 1, il - (size_t)(colon + 1 - in), &v)) {
        weight = v;
        il = (size_t)(colon - in);
    }
    return token_weights(in, il, weight, out, depth + 1);
}

cfy_status cfy_prompt_parse(const char *text, cfy_prompt_segment **segs, int *n, cfy_error *err)
{
    *segs = NULL;
    *n = 0;
    char *esc = malloc(strlen(text) + 1);
    if (!esc) return cfy_error_set(err, CFY_ENOMEM, "prompt: out of memory");
    strcpy(esc, text);
    replace_all(esc, "\\)", ESC_CLOSE);
    replace_all(esc, "\\(", ESC_OPEN);
    list l = {0};
    bool ok = token_weights(esc, strlen(esc), 1.0, &l, 0);
    free(esc);
    for (int i = 0; ok && i < l.n; i++) {
        replace_all(l.v[i].text, ESC_CLOSE, ")");
        replace_all(l.v[i].text, ESC_OPEN, "(");
    }
    if (!ok) {
        cfy_prompt_segments_free(l.v, l.n);
        return cfy_error_set(err, CFY_ENOMEM, "prompt: out of memory");
    }
    *segs = l.v;
    *n = l.n;
    return CFY_OK;
}

void cfy_prompt_segments_free(cfy_prompt_segment *segs, int n)
{
    for (int i = 0; segs && i < n; i++)
        free(segs[i].text);
    free(segs);
}
