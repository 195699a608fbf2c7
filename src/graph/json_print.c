/* json_print.c — printing cJSON trees as Python's json.dumps does, and Python repr() of values.
 *
 * ComfyUI writes the prompt and workflow into PNG chunks with json.dumps defaults (", " and
 * ": " separators, non-ASCII escaped, NaN/Infinity bare, floats as Python's repr); the
 * validator's messages quote values as Python's repr() would. */
#include "graph/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

const char *cfy_json_py_float(double v, char *buf, size_t size)
{
    if (isnan(v)) return snprintf(buf, size, "nan"), buf;
    if (isinf(v)) return snprintf(buf, size, v < 0 ? "-inf" : "inf"), buf;
    if (v == 0) return snprintf(buf, size, signbit(v) ? "-0.0" : "0.0"), buf;
    /* shortest round-tripping digits */
    char e[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v) break;
    }
    /* e = [-]d[.ddd]e[+-]XX */
    char digits[24];
    int nd = 0;
    const char *p = e;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (is_digit(*p)) digits[nd++] = *p;
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    char out[64];
    size_t w = 0;
    if (neg) out[w++] = '-';
    if (exp10 >= -5 + 1 && exp10 < 16) { /* Python: fixed notation when -4 <= exp < 16 */
        if (exp10 < 0) {
            out[w++] = '0';
            out[w++] = '.';
            for (int i = 0; i < -exp10 - 1; i++)
                out[w++] = '0';
            for (int i = 0; i < nd; i++)
                out[w++] = digits[i];
        } else {
            for (int i = 0; i <= exp10; i++)
                out[w++] = i < nd ? digits[i] : '0';
            out[w++] = '.';
            if (nd > exp10 + 1)
                for (int i = exp10 + 1; i < nd; i++)
                    out[w++] = digits[i];
            else
                out[w++] = '0';
        }
        out[w] = '\0';
    } else {
        out[w++] = digits[0];
        if (nd > 1) {
            out[w++] = '.';
            for (int i = 1; i < nd; i++)
                out[w++] = digits[i];
        }
        snprintf(out + w, sizeof out - w, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    }
    snprintf(buf, size, "%s", out);
    return buf;
}

/* ======================================================================== printers */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
} sbuf;

static void sb_grow(sbuf *b, size_t extra)
{
    if (b->oom || b->n + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + extra + 1)
        cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) {
        b->oom = true;
        return;
    }
    b->p = np;
    b->cap = cap;
}

static void sb_put(sbuf *b, const char *s, size_t k)
{
    sb_grow(b, k);
    if (b->oom) return;
    memcpy(b->p + b->n, s, k);
    b->n += k;
    b->p[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}
static void sb_putc(sbuf *b, char c)
{
    sb_put(b, &c, 1);
}

static char *sb_finish(sbuf *b)
{
    if (b->oom) {
        free(b->p);
        return NULL;
    }
    if (!b->p) {
        b->p = malloc(1);
        if (b->p) b->p[0] = '\0';
    }
    return b->p;
}

/* Decode one UTF-8 sequence at s (len bytes left); returns its length, *cp the code point
 * (U+FFFD and length 1 for invalid bytes). */
static int utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned c = s[0];
    int k;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0)
        k = 2, v = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
        k = 3, v = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
        k = 4, v = c & 0x07;
    else {
        *cp = 0xFFFD;
        return 1;
    }
    if ((size_t)k > len) {
        *cp = 0xFFFD;
        return 1;
    }
    for (int i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return k;
}

static void put_json_string(sbuf *b, const char *s, bool ascii)
{
    char esc[16];
    sb_putc(b, '"');
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)p);
    size_t run = 0; /* bytes copied verbatim are batched */
    for (size_t i = 0; i < len;) {
        unsigned c = p[i];
        const char *rep = NULL;
        switch (c) {
        case '"':
            rep = "\\\"";
            break;
        case '\\':
            rep = "\\\\";
            break;
        case '\n':
            rep = "\\n";
            break;
        case '\r':
            rep = "\\r";
            break;
        case '\t':
            rep = "\\t";
            break;
        case '\b':
            rep = "\\b";
            break;
        case '\f':
            rep = "\\f";
            break;
        default:
            break;
        }
        if (!rep && c >= 0x20 && (c < 0x80 || !ascii)) {
            run++;
            i++;
            continue;
        }
        sb_put(b, (const char *)p + i - run, run);
        run = 0;
        if (rep) {
            sb_puts(b, rep);
            i++;
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            sb_puts(b, esc);
            i++;
        } else {
            uint32_t cp;
            i += (size_t)utf8_next(p + i, len - i, &cp);
            if (cp >= 0x10000) {
                cp -= 0x10000;
                snprintf(esc, sizeof esc, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
            } else {
                snprintf(esc, sizeof esc, "\\u%04x", cp);
            }
            sb_puts(b, esc);
        }
    }
    sb_put(b, (const char *)p + len - run, run);
    sb_putc(b, '"');
}

static void put_number(sbuf *b, const cJSON *it)
{
    char buf[64];
    double d = it->valuedouble;
    if (isnan(d)) {
        sb_puts(b, "NaN");
        return;
    }
    if (isinf(d)) {
        sb_puts(b, d < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (!(it->type & CFY_JSON_FLOAT_FLAG) && d == floor(d) && fabs(d) < 9223372036854775808.0) {
        snprintf(buf, sizeof buf, "%" PRId64, (int64_t)d);
        sb_puts(b, buf);
        return;
    }
    sb_puts(b, cfy_json_py_float(d, buf, sizeof buf));
}

enum { STYLE_COMPACT, STYLE_PYTHON, STYLE_INDENT };

static void put_indent(sbuf *b, int depth)
{
    sb_putc(b, '\n');
    for (int i = 0; i < depth; i++)
        sb_put(b, "  ", 2);
}

static void put_value(sbuf *b, const cJSON *it, int style, int depth)
{
    bool ascii = style == STYLE_PYTHON;
    const char *item_sep = style == STYLE_PYTHON ? ", " : ",";
    const char *key_sep = style == STYLE_COMPACT ? ":" : ": ";
    switch (it->type & 0xFF) {
    case cJSON_False:
        sb_puts(b, "false");
        return;
    case cJSON_True:
        sb_puts(b, "true");
        return;
    case cJSON_NULL:
        sb_puts(b, "null");
        return;
    case cJSON_Number:
        put_number(b, it);
        return;
    case cJSON_Raw:
        sb_puts(b, it->valuestring ? it->valuestring : "null");
        return;
    case cJSON_String:
        put_json_string(b, it->valuestring, ascii);
        return;
    case cJSON_Array:
    case cJSON_Object: {
        bool obj = (it->type & 0xFF) == cJSON_Object;
        sb_putc(b, obj ? '{' : '[');
        for (const cJSON *c = it->child; c; c = c->next) {
            if (c != it->child) sb_puts(b, item_sep);
            if (style == STYLE_INDENT) put_indent(b, depth + 1);
            if (obj) {
                put_json_string(b, c->string, ascii);
                sb_puts(b, key_sep);
            }
            put_value(b, c, style, depth + 1);
        }
        if (style == STYLE_INDENT && it->child) put_indent(b, depth);
        sb_putc(b, obj ? '}' : ']');
        return;
    }
    default:
        sb_puts(b, "null");
        return;
    }
}

static char *print_style(const cJSON *item, int style)
{
    sbuf b = {0};
    sb_grow(&b, 64);
    if (item) put_value(&b, item, style, 0);
    return sb_finish(&b);
}

char *cfy_json_print_compact(const cJSON *item)
{
    return print_style(item, STYLE_COMPACT);
}
char *cfy_json_print_python_style(const cJSON *item)
{
    return print_style(item, STYLE_PYTHON);
}
char *cfy_json_print_indented(const cJSON *item)
{
    return print_style(item, STYLE_INDENT);
}

/* ======================================================================== Python repr */

static void put_py_string(sbuf *b, const char *s)
{
    bool has_sq = strchr(s, '\'') != NULL, has_dq = strchr(s, '"') != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    sb_putc(b, q);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '\\')
            sb_puts(b, "\\\\");
        else if (*p == (unsigned char)q) {
            sb_putc(b, '\\');
            sb_putc(b, q);
        } else if (*p == '\n')
            sb_puts(b, "\\n");
        else if (*p == '\r')
            sb_puts(b, "\\r");
        else if (*p == '\t')
            sb_puts(b, "\\t");
        else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", *p);
            sb_puts(b, esc);
        } else
            sb_putc(b, (char)*p);
    }
    sb_putc(b, q);
}

static void put_py(sbuf *b, const cJSON *it, bool top_str)
{
    char buf[64];
    switch (it->type & 0xFF) {
    case cJSON_False:
        sb_puts(b, "False");
        return;
    case cJSON_True:
        sb_puts(b, "True");
        return;
    case cJSON_NULL:
        sb_puts(b, "None");
        return;
    case cJSON_Raw:
        sb_puts(b, it->valuestring ? it->valuestring : "None");
        return;
    case cJSON_Number:
        if (!(it->type & CFY_JSON_FLOAT_FLAG) && cfy_json_is_int(it)) {
            snprintf(buf, sizeof buf, "%" PRId64, (int64_t)it->valuedouble);
            sb_puts(b, buf);
        } else {
            sb_puts(b, cfy_json_py_float(it->valuedouble, buf, sizeof buf));
        }
        return;
    case cJSON_String:
        if (top_str)
            sb_puts(b, it->valuestring ? it->valuestring : "");
        else
            put_py_string(b, it->valuestring ? it->valuestring : "");
        return;
    case cJSON_Array:
    case cJSON_Object: {
        bool obj = (it->type & 0xFF) == cJSON_Object;
        sb_putc(b, obj ? '{' : '[');
        for (const cJSON *c = it->child; c; c = c->next) {
            if (c != it->child) sb_puts(b, ", ");
            if (obj) {
                put_py_string(b, c->string ? c->string : "");
                sb_puts(b, ": ");
            }
            put_py(b, c, false);
        }
        sb_putc(b, obj ? '}' : ']');
        return;
    }
    default:
        sb_puts(b, "None");
        return;
    }
}

char *cfy_json_py_str(const cJSON *item)
{
    sbuf b = {0};
    sb_grow(&b, 32);
    put_py(&b, item, true);
    return sb_finish(&b);
}

char *cfy_json_py_repr(const cJSON *item)
{
    sbuf b = {0};
    sb_grow(&b, 32);
    put_py(&b, item, false);
    return sb_finish(&b);
}
