/* coerce.c — converting constant inputs as Python's int()/float()/str()/bool() do, and link type matching.
 *
 * Spec §4.3: the validator coerces each constant by its declared type and writes the result
 * back into the prompt; failures carry the text of the Python exception ComfyUI would report. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graph/json.h"
#include "graph/workflow_internal.h"

static bool type_in_set(const char *set, const char *t, size_t tlen)
{
    const char *p = set;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == tlen && strncmp(p, t, len) == 0) return true;
        if (!c) break;
        p = c + 1;
    }
    return false;
}

/* Link type compatibility (spec 3.3): equal, "*" on either side (custom nodes' any-type), or
 * the comma-separated sets intersect. A combo input takes COMBO outputs. */
bool wf_types_compatible(const char *received, const char *input)
{
    if (strcmp(received, input) == 0 || strcmp(received, "*") == 0 || strcmp(input, "*") == 0) return true;
    const char *p = received;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (type_in_set(input, p, len)) return true;
        if (!c) break;
        p = c + 1;
    }
    return false;
}

const char *wf_py_type_name(const cJSON *v)
{
    switch (v->type & 0xFF) {
    case cJSON_NULL:
        return "NoneType";
    case cJSON_Object:
        return "dict";
    case cJSON_Array:
        return "list";
    case cJSON_String:
        return "str";
    case cJSON_True:
    case cJSON_False:
        return "bool";
    default:
        return cfy_json_is_int(v) ? "int" : "float";
    }
}

/* Python's int(str): optional whitespace, sign, digits with single underscores between them. */
static bool parse_py_int(const char *s, int64_t *out, bool *is_u64, bool *overflow)
{
    while (isspace((unsigned char)*s))
        s++;
    bool neg = false;
    if (*s == '+' || *s == '-') neg = *s++ == '-';
    if (!isdigit((unsigned char)*s)) return false;
    uint64_t v = 0;
    *overflow = false;
    for (; *s; s++) {
        if (*s == '_' && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[-1])) continue;
        if (!isdigit((unsigned char)*s)) break;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) *overflow = true;
        v = v * 10 + d;
    }
    while (isspace((unsigned char)*s))
        s++;
    if (*s) return false;
    *is_u64 = false;
    if (neg) {
        if (v > 9223372036854775808ULL) *overflow = true;
        *out = v == 9223372036854775808ULL ? INT64_MIN : -(int64_t)v;
    } else {
        *is_u64 = v > (uint64_t)INT64_MAX;
        *out = (int64_t)v;
    }
    return true;
}

/* Python's float(str): whitespace, sign, nan/inf/infinity in any case, decimal literals. */
static bool parse_py_float(const char *s, double *out)
{
    char buf[128];
    size_t w = 0;
    while (isspace((unsigned char)*s))
        s++;
    const char *p = s;
    if (*p == '+' || *p == '-') buf[w++] = *p++;
    if (strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0) {
        size_t k = strncasecmp(p, "infinity", 8) == 0 ? 8 : 3;
        const char *q = p + k;
        while (isspace((unsigned char)*q))
            q++;
        if (*q) return false;
        bool neg = s[0] == '-';
        *out = tolower((unsigned char)p[0]) == 'n' ? NAN : (neg ? -INFINITY : INFINITY);
        return true;
    }
    bool digits = false;
    for (; *p && w < sizeof buf - 2; p++) {
        if (*p == '_' && w > 0 && isdigit((unsigned char)p[-1]) && isdigit((unsigned char)p[1])) continue;
        if (isdigit((unsigned char)*p)) {
            digits = true;
            buf[w++] = *p;
        } else if (*p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-') {
            buf[w++] = *p;
        } else {
            break;
        }
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p || !digits) return false;
    buf[w] = '\0';
    /* check the shape strictly: sign? (d+ (. d*)? | . d+) ([eE] sign? d+)? */
    const char *q = buf;
    if (*q == '+' || *q == '-') q++;
    int mant = 0;
    while (isdigit((unsigned char)*q))
        q++, mant++;
    if (*q == '.') {
        q++;
        while (isdigit((unsigned char)*q))
            q++, mant++;
    }
    if (!mant) return false;
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-') q++;
        if (!isdigit((unsigned char)*q)) return false;
        while (isdigit((unsigned char)*q))
            q++;
    }
    if (*q) return false;
    *out = strtod(buf, NULL);
    return true;
}

static bool py_truthy(const cJSON *v)
{
    switch (v->type & 0xFF) {
    case cJSON_NULL:
    case cJSON_False:
        return false;
    case cJSON_True:
        return true;
    case cJSON_String:
        return v->valuestring && v->valuestring[0];
    case cJSON_Raw:
        return true; /* big integers are non-zero */
    case cJSON_Number:
        return v->valuedouble != 0;
    default:
        return v->child != NULL;
    }
}

/* Coerce v for declared type t. Returns true on success (out->json new), false with out->exc. */
bool wf_coerce(const char *t, const cJSON *v, wf_coerced *out)
{
    out->json = NULL;
    out->exc[0] = '\0';
    char *repr = NULL;
    if (strcmp(t, CFY_T_INT) == 0) {
        int64_t i;
        bool u64 = false, overflow = false;
        if (cfy_json_is_int(v)) {
            cfy_error e;
            if (cfy_json_get_int(v, &i, &u64, &e) != CFY_OK) {
                snprintf(out->exc, sizeof out->exc, "%.150s", e.message);
                return false;
            }
        } else if (cJSON_IsNumber(v)) {
            double d = v->valuedouble;
            if (isnan(d)) return snprintf(out->exc, sizeof out->exc, "cannot convert float NaN to integer"), false;
            if (isinf(d)) return snprintf(out->exc, sizeof out->exc, "cannot convert float infinity to integer"), false;
            d = trunc(d);
            if (d >= 0 && d < 18446744073709551616.0) {
                uint64_t uv = (uint64_t)d;
                u64 = uv > (uint64_t)INT64_MAX;
                i = (int64_t)uv;
            } else if (d < 0 && d >= -9223372036854775808.0) {
                i = (int64_t)d;
            } else {
                return snprintf(out->exc, sizeof out->exc, "integer %.17g is out of the 64-bit range", d), false;
            }
        } else if (cJSON_IsBool(v)) {
            i = cJSON_IsTrue(v) ? 1 : 0;
        } else if (cJSON_IsString(v)) {
            if (!parse_py_int(v->valuestring, &i, &u64, &overflow)) {
                repr = cfy_json_py_repr(v);
                snprintf(out->exc, sizeof out->exc, "invalid literal for int() with base 10: %s", repr ? repr : "");
                free(repr);
                return false;
            }
            if (overflow)
                return snprintf(out->exc, sizeof out->exc, "integer %s is out of the 64-bit range", v->valuestring),
                       false;
        } else {
            snprintf(out->exc, sizeof out->exc,
                     "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                     wf_py_type_name(v));
            return false;
        }
        out->json = u64 ? cfy_json_new_uint64((uint64_t)i) : cfy_json_new_int(i);
        return out->json != NULL;
    }
    if (strcmp(t, CFY_T_FLOAT) == 0) {
        double d;
        if (cfy_json_is_number(v))
            d = cfy_json_get_double(v);
        else if (cJSON_IsBool(v))
            d = cJSON_IsTrue(v) ? 1.0 : 0.0;
        else if (cJSON_IsString(v)) {
            if (!parse_py_float(v->valuestring, &d)) {
                repr = cfy_json_py_repr(v);
                snprintf(out->exc, sizeof out->exc, "could not convert string to float: %s", repr ? repr : "");
                free(repr);
                return false;
            }
        } else {
            snprintf(out->exc, sizeof out->exc, "float() argument must be a string or a real number, not '%s'",
                     wf_py_type_name(v));
            return false;
        }
        out->json = cfy_json_new_float(d);
        return out->json != NULL;
    }
    if (strcmp(t, CFY_T_STRING) == 0) {
        if (cJSON_IsString(v)) {
            out->json = cJSON_CreateString(v->valuestring);
        } else {
            repr = cfy_json_py_str(v);
            out->json = repr ? cJSON_CreateString(repr) : NULL;
            free(repr);
        }
        return out->json != NULL;
    }
    if (strcmp(t, CFY_T_BOOLEAN) == 0) {
        out->json = cJSON_CreateBool(py_truthy(v));
        return out->json != NULL;
    }
    out->json = cJSON_Duplicate(v, true); /* combos and other types: no conversion */
    return out->json != NULL;
}

/* The coerced JSON constant as a value for the node (declared type t). NULL when the JSON kind
 * has no value form (objects, arrays, null: not passed). */
cfy_value *wf_json_to_value(const char *t, const cJSON *v)
{
    if (cfy_json_is_int(v) && strcmp(t, CFY_T_FLOAT) != 0) {
        int64_t i;
        bool u64;
        if (cfy_json_get_int(v, &i, &u64, NULL) != CFY_OK) return NULL;
        return u64 ? cfy_value_new_uint64((uint64_t)i) : cfy_value_new_int(i);
    }
    if (cfy_json_is_number(v)) return cfy_value_new_float(cfy_json_get_double(v));
    if (cJSON_IsString(v)) return cfy_value_new_string(v->valuestring);
    if (cJSON_IsBool(v)) return cfy_value_new_bool(cJSON_IsTrue(v));
    return NULL;
}
