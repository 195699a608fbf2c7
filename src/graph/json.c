/* json.c — a strict JSON reader with line/column errors, exact integers and distinct float literals.
 *
 * The reader builds cJSON trees directly (no second pass over cJSON's own parser), so it can
 * keep integer literals above 2^53 exact (as cJSON_Raw items) and mark float literals. The
 * printers are in json_print.c. */
#include "graph/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 512
#define EXACT_INT_LIMIT 9007199254740992ULL /* 2^53 */

/* ======================================================================== reader */

typedef struct reader {
    const char *s;
    size_t n, pos;
    const char *name;
    cfy_error *err;
    bool failed;
} reader;

static cfy_status fail_at(reader *r, size_t pos, const char *fmt, ...) CFY_PRINTF(3, 4);
static cfy_status fail_at(reader *r, size_t pos, const char *fmt, ...)
{
    if (r->failed) return CFY_EPARSE;
    r->failed = true;
    if (pos > r->n) pos = r->n;
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < pos; i++)
        if (r->s[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return cfy_error_set(r->err, CFY_EPARSE, "%s: line %d, column %zu: %s", r->name ? r->name : "JSON", line,
                         pos - line_start + 1, what);
}

static void skip_ws(reader *r)
{
    while (r->pos < r->n) {
        char c = r->s[r->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        r->pos++;
    }
}

static bool match_word(reader *r, const char *w)
{
    size_t k = strlen(w);
    if (r->n - r->pos < k || memcmp(r->s + r->pos, w, k) != 0) return false;
    r->pos += k;
    return true;
}

static const char *describe(reader *r)
{
    if (r->pos >= r->n) return "unexpected end of input";
    return "unexpected character";
}

/* Append code point cp as UTF-8. */
static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Read a string literal at r->pos (which is '"'). *out: returns new malloc'd text. */
static cfy_status read_string(reader *r, char **out)
{
    size_t start = ++r->pos, end = start;
    bool plain = true;
    while (end < r->n && r->s[end] != '"') {
        unsigned char c = (unsigned char)r->s[end];
        if (c < 0x20) return fail_at(r, end, "invalid control character in string");
        if (c == '\\') {
            plain = false;
            end++;
        }
        end++;
    }
    if (end >= r->n) return fail_at(r, start - 1, "unterminated string");
    char *buf = malloc(end - start + 1);
    if (!buf) return cfy_error_set(r->err, CFY_ENOMEM, "JSON: out of memory");
    if (plain) {
        memcpy(buf, r->s + start, end - start);
        buf[end - start] = '\0';
        r->pos = end + 1;
        *out = buf;
        return CFY_OK;
    }
    size_t w = 0, i = start;
    while (i < end) {
        char c = r->s[i];
        if (c != '\\') {
            buf[w++] = c;
            i++;
            continue;
        }
        char e = r->s[i + 1];
        i += 2;
        switch (e) {
        case '"':
            buf[w++] = '"';
            break;
        case '\\':
            buf[w++] = '\\';
            break;
        case '/':
            buf[w++] = '/';
            break;
        case 'b':
            buf[w++] = '\b';
            break;
        case 'f':
            buf[w++] = '\f';
            break;
        case 'n':
            buf[w++] = '\n';
            break;
        case 'r':
            buf[w++] = '\r';
            break;
        case 't':
            buf[w++] = '\t';
            break;
        case 'u': {
            uint32_t cp, lo;
            if (i + 4 > end || hex4(r->s + i, &cp) != 0) {
                free(buf);
                return fail_at(r, i - 2, "invalid \\u escape");
            }
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= end && r->s[i] == '\\' && r->s[i + 1] == 'u' &&
                hex4(r->s + i + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD; /* lone surrogate: not representable in UTF-8 */
            }
            /* "\u0000" cannot live in a C string; it ends the text as cJSON would. */
            w += put_utf8(buf + w, cp);
            break;
        }
        default:
            free(buf);
            return fail_at(r, i - 2, "invalid escape '\\%c'", e);
        }
    }
    buf[w] = '\0';
    r->pos = end + 1;
    *out = buf;
    return CFY_OK;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static cfy_status read_number(reader *r, cJSON **out)
{
    size_t start = r->pos, p = r->pos;
    bool neg = false, is_float = false;
    if (p < r->n && r->s[p] == '-') {
        neg = true;
        p++;
    }
    if (p < r->n && r->s[p] == 'I') { /* -Infinity */
        r->pos = p;
        if (!match_word(r, "Infinity")) return fail_at(r, start, "invalid number");
        *out = cfy_json_new_float(-INFINITY);
        return *out ? CFY_OK : cfy_error_set(r->err, CFY_ENOMEM, "JSON: out of memory");
    }
    if (p >= r->n || !is_digit(r->s[p])) return fail_at(r, start, "invalid number");
    if (r->s[p] == '0')
        p++;
    else
        while (p < r->n && is_digit(r->s[p]))
            p++;
    size_t int_end = p;
    if (p < r->n && r->s[p] == '.') {
        is_float = true;
        p++;
        if (p >= r->n || !is_digit(r->s[p])) return fail_at(r, p, "expected a digit after '.'");
        while (p < r->n && is_digit(r->s[p]))
            p++;
    }
    if (p < r->n && (r->s[p] == 'e' || r->s[p] == 'E')) {
        is_float = true;
        p++;
        if (p < r->n && (r->s[p] == '+' || r->s[p] == '-')) p++;
        if (p >= r->n || !is_digit(r->s[p])) return fail_at(r, p, "expected a digit in the exponent");
        while (p < r->n && is_digit(r->s[p]))
            p++;
    }
    r->pos = p;
    char tmp[64];
    size_t len = p - start;
    if (!is_float) {
        size_t digits_start = start + (neg ? 1 : 0);
        size_t nd = int_end - digits_start;
        uint64_t v = 0;
        bool exact = nd <= 16;
        if (exact)
            for (size_t i = digits_start; i < int_end; i++)
                v = v * 10 + (uint64_t)(r->s[i] - '0');
        if (exact && v <= EXACT_INT_LIMIT) {
            *out = cJSON_CreateNumber(neg ? -(double)v : (double)v);
        } else {
            char *raw = malloc(len + 1);
            if (!raw) return cfy_error_set(r->err, CFY_ENOMEM, "JSON: out of memory");
            memcpy(raw, r->s + start, len);
            raw[len] = '\0';
            *out = cJSON_CreateRaw(raw);
            free(raw);
        }
        return *out ? CFY_OK : cfy_error_set(r->err, CFY_ENOMEM, "JSON: out of memory");
    }
    double d;
    if (len < sizeof tmp) {
        memcpy(tmp, r->s + start, len);
        tmp[len] = '\0';
        d = strtod(tmp, NULL);
    } else {
        char *big = malloc(len + 1);
        if (!big) return cfy_error_set(r->err, CFY_ENOMEM, "JSON: out of memory");
        memcpy(big, r->s + start, len);
        big[len] = '\0';
        d = strtod(big, NULL);
        free(big);
    }
    *out = cfy_json_new_float(d);
    return *out ? CFY_OK : cfy_error_set(r->err, CFY_ENOMEM, "JSON: out of memory");
}

static cfy_status read_value(reader *r, int depth, cJSON **out);

static int cmp_key(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    int c = strcmp(x->string, y->string);
    if (c) return c;
    return (x > y) - (x < y);
}

/* Python dicts keep the first position and the last value of a repeated key. Sorting the
 * keys finds repeats in O(n log n); the rare fix-up is quadratic. */
static cfy_status dedupe_keys(reader *r, cJSON *obj, int count)
{
    if (count < 2) return CFY_OK;
    cJSON *stack[16];
    cJSON **keys = count <= 16 ? stack : malloc(sizeof *keys * (size_t)count);
    if (!keys) return cfy_error_set(r->err, CFY_ENOMEM, "JSON: out of memory");
    int n = 0;
    for (cJSON *c = obj->child; c; c = c->next)
        keys[n++] = c;
    qsort(keys, (size_t)n, sizeof *keys, cmp_key);
    bool dup = false;
    for (int i = 1; i < n && !dup; i++)
        dup = strcmp(keys[i - 1]->string, keys[i]->string) == 0;
    if (keys != stack) free(keys);
    if (!dup) return CFY_OK;
    for (cJSON *c = obj->child; c; c = c->next) {
        cJSON *later = c->next;
        while (later) {
            cJSON *nx = later->next;
            if (strcmp(later->string, c->string) == 0) {
                cJSON_DetachItemViaPointer(obj, later);
                /* move the later value into c's place (keep c's position) */
                cJSON *tmp_child = c->child;
                char *tmp_vs = c->valuestring;
                int tmp_type = c->type;
                double tmp_d = c->valuedouble;
                c->child = later->child;
                c->valuestring = later->valuestring;
                c->type = later->type;
                c->valuedouble = later->valuedouble;
                c->valueint = later->valueint;
                later->child = tmp_child;
                later->valuestring = tmp_vs;
                later->type = tmp_type;
                later->valuedouble = tmp_d;
                cJSON_Delete(later);
            }
            later = nx;
        }
    }
    return CFY_OK;
}

static cfy_status read_object(reader *r, int depth, cJSON **out)
{
    size_t open = r->pos++;
    cJSON *obj = cJSON_CreateObject();
    if (!obj) return cfy_error_set(r->err, CFY_ENOMEM, "JSON: out of memory");
    cJSON *tail = NULL;
    int count = 0;
    cfy_status st;
    skip_ws(r);
    if (r->pos < r->n && r->s[r->pos] == '}') {
        r->pos++;
        *out = obj;
        return CFY_OK;
    }
    for (;;) {
        skip_ws(r);
        if (r->pos >= r->n) {
            st = fail_at(r, open, "unterminated object");
            goto bad;
        }
        if (r->s[r->pos] != '"') {
            st = fail_at(r, r->pos, "expected a property name in double quotes");
            goto bad;
        }
        char *key = NULL;
        if ((st = read_string(r, &key)) != CFY_OK) goto bad;
        skip_ws(r);
        if (r->pos >= r->n || r->s[r->pos] != ':') {
            free(key);
            st = fail_at(r, r->pos, "expected ':' after a property name");
            goto bad;
        }
        r->pos++;
        cJSON *v = NULL;
        if ((st = read_value(r, depth + 1, &v)) != CFY_OK) {
            free(key);
            goto bad;
        }
        v->string = key;
        /* append in O(1): cJSON keeps the tail in child->prev */
        if (!tail) {
            obj->child = v;
        } else {
            tail->next = v;
            v->prev = tail;
        }
        tail = v;
        obj->child->prev = tail;
        count++;
        skip_ws(r);
        if (r->pos < r->n && r->s[r->pos] == ',') {
            r->pos++;
            continue;
        }
        if (r->pos < r->n && r->s[r->pos] == '}') {
            r->pos++;
            break;
        }
        st = fail_at(r, r->pos, r->pos >= r->n ? "unterminated object" : "expected ',' or '}'");
        goto bad;
    }
    if ((st = dedupe_keys(r, obj, count)) != CFY_OK) goto bad;
    *out = obj;
    return CFY_OK;
bad:
    cJSON_Delete(obj);
    return st;
}

static cfy_status read_array(reader *r, int depth, cJSON **out)
{
    size_t open = r->pos++;
    cJSON *arr = cJSON_CreateArray();
    if (!arr) return cfy_error_set(r->err, CFY_ENOMEM, "JSON: out of memory");
    cJSON *tail = NULL;
    cfy_status st;
    skip_ws(r);
    if (r->pos < r->n && r->s[r->pos] == ']') {
        r->pos++;
        *out = arr;
        return CFY_OK;
    }
    for (;;) {
        cJSON *v = NULL;
        if ((st = read_value(r, depth + 1, &v)) != CFY_OK) goto bad;
        if (!tail) {
            arr->child = v;
        } else {
            tail->next = v;
            v->prev = tail;
        }
        tail = v;
        arr->child->prev = tail;
        skip_ws(r);
        if (r->pos < r->n && r->s[r->pos] == ',') {
            r->pos++;
            continue;
        }
        if (r->pos < r->n && r->s[r->pos] == ']') {
            r->pos++;
            break;
        }
        st = fail_at(r, r->pos >= r->n ? open : r->pos, r->pos >= r->n ? "unterminated array" : "expected ',' or ']'");
        goto bad;
    }
    *out = arr;
    return CFY_OK;
bad:
    cJSON_Delete(arr);
    return st;
}

static cfy_status read_value(reader *r, int depth, cJSON **out)
{
    *out = NULL;
    if (depth > MAX_DEPTH) return fail_at(r, r->pos, "nesting deeper than %d levels", MAX_DEPTH);
    skip_ws(r);
    if (r->pos >= r->n) return fail_at(r, r->pos, "unexpected end of input, expected a value");
    char c = r->s[r->pos];
    cJSON *v = NULL;
    switch (c) {
    case '{':
        return read_object(r, depth, out);
    case '[':
        return read_array(r, depth, out);
    case '"': {
        char *s = NULL;
        cfy_status st = read_string(r, &s);
        if (st != CFY_OK) return st;
        v = cJSON_CreateString("");
        if (!v) {
            free(s);
            return cfy_error_set(r->err, CFY_ENOMEM, "JSON: out of memory");
        }
        cJSON_free(v->valuestring);
        v->valuestring = s;
        *out = v;
        return CFY_OK;
    }
    case 't':
        if (match_word(r, "true")) v = cJSON_CreateTrue();
        break;
    case 'f':
        if (match_word(r, "false")) v = cJSON_CreateFalse();
        break;
    case 'n':
        if (match_word(r, "null")) v = cJSON_CreateNull();
        break;
    case 'N':
        if (match_word(r, "NaN")) v = cfy_json_new_float(NAN);
        break;
    case 'I':
        if (match_word(r, "Infinity")) v = cfy_json_new_float(INFINITY);
        break;
    default:
        if (c == '-' || is_digit(c)) return read_number(r, out);
        return fail_at(r, r->pos, "%s, expected a value", describe(r));
    }
    if (!v) {
        if (r->pos < r->n && r->s[r->pos] == c) return fail_at(r, r->pos, "invalid literal, expected a value");
        return cfy_error_set(r->err, CFY_ENOMEM, "JSON: out of memory");
    }
    *out = v;
    return CFY_OK;
}

cfy_status cfy_json_parse(const char *text, size_t len, const char *name, cJSON **out, cfy_error *err)
{
    *out = NULL;
    reader r = {.s = text, .n = len, .name = name, .err = err};
    /* a UTF-8 byte order mark is tolerated */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) r.pos = 3;
    cJSON *root = NULL;
    cfy_status st = read_value(&r, 0, &root);
    if (st != CFY_OK) return st;
    skip_ws(&r);
    if (r.pos < r.n) {
        cJSON_Delete(root);
        return fail_at(&r, r.pos, "extra data after the JSON value");
    }
    *out = root;
    return CFY_OK;
}

/* ======================================================================== numbers */

bool cfy_json_is_number(const cJSON *item)
{
    return item && (cJSON_IsNumber(item) || cJSON_IsRaw(item));
}

bool cfy_json_is_int(const cJSON *item)
{
    if (!item) return false;
    if (cJSON_IsRaw(item)) {
        const char *s = item->valuestring;
        if (!s) return false;
        if (*s == '-') s++;
        if (!*s) return false;
        for (; *s; s++)
            if (!is_digit(*s)) return false;
        return true;
    }
    if (!cJSON_IsNumber(item) || (item->type & CFY_JSON_FLOAT_FLAG)) return false;
    double d = item->valuedouble;
    return isfinite(d) && d == floor(d) && fabs(d) < 9223372036854775808.0;
}

cfy_status cfy_json_get_int(const cJSON *item, int64_t *out, bool *is_u64, cfy_error *err)
{
    *is_u64 = false;
    if (!cfy_json_is_int(item)) return cfy_error_set(err, CFY_EINVAL, "not an integer");
    if (cJSON_IsNumber(item)) {
        *out = (int64_t)item->valuedouble;
        return CFY_OK;
    }
    const char *s = item->valuestring;
    bool neg = *s == '-';
    if (neg) s++;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE)
        return cfy_error_set(err, CFY_EINVAL, "integer %s is out of the 64-bit range", item->valuestring);
    if (neg) {
        if (v > 9223372036854775808ULL)
            return cfy_error_set(err, CFY_EINVAL, "integer %s is below the 64-bit range", item->valuestring);
        *out = v == 9223372036854775808ULL ? INT64_MIN : -(int64_t)v;
        return CFY_OK;
    }
    if (v > (unsigned long long)INT64_MAX) *is_u64 = true;
    *out = (int64_t)v;
    return CFY_OK;
}

double cfy_json_get_double(const cJSON *item)
{
    if (cJSON_IsRaw(item) && item->valuestring) return strtod(item->valuestring, NULL);
    return item ? item->valuedouble : 0.0;
}

cJSON *cfy_json_new_float(double v)
{
    cJSON *it = cJSON_CreateNumber(v);
    if (it) it->type |= CFY_JSON_FLOAT_FLAG;
    return it;
}

cJSON *cfy_json_new_int(int64_t v)
{
    if (v >= -(int64_t)EXACT_INT_LIMIT && v <= (int64_t)EXACT_INT_LIMIT) return cJSON_CreateNumber((double)v);
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return cJSON_CreateRaw(buf);
}

cJSON *cfy_json_new_uint64(uint64_t v)
{
    if (v <= EXACT_INT_LIMIT) return cJSON_CreateNumber((double)v);
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return cJSON_CreateRaw(buf);
}
