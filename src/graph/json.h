/* json.h — parsing JSON text with line/column errors and exact 64-bit integers.
 *
 * cJSON keeps numbers as doubles, which loses seeds above 2^53. Before parsing, integer
 * literals that a double cannot hold exactly are turned into cJSON_Raw items carrying their
 * digits, so they print back unchanged and can be read exactly with cfy_json_get_int.
 *
 * Number items parsed from a literal with a fraction or exponent ("1.0", "2e3") carry the
 * CFY_JSON_FLOAT_FLAG bit in their type, so integers and floats stay distinct (Python reads
 * "1" as int and "1.0" as float); cJSON masks type bits above 0xFF, so the flag is invisible
 * to it. The parser accepts Python's NaN, Infinity and -Infinity tokens (json.loads does). */
#ifndef CFY_GRAPH_JSON_H
#define CFY_GRAPH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "comfyc/error.h"

/* Type bit marking a number written as a float literal (see above). */
#define CFY_JSON_FLOAT_FLAG (1 << 11)

/* Parse text (len bytes). name is used in messages ("workflow.json"). On a syntax error:
 * CFY_EPARSE with "name: line L, column C: ..." in the message. out: returns new (cJSON_Delete).
 * Nesting deeper than 512 levels is refused. Duplicate object keys keep the first position
 * and the last value, as Python's json does. */
cfy_status cfy_json_parse(const char *text, size_t len, const char *name, cJSON **out, cfy_error *err);

/* True when item is an integer literal (a whole-valued number without the float flag, or a
 * big-int raw item). */
bool cfy_json_is_int(const cJSON *item);
/* True when item is a number (cJSON number or big-int raw item). */
bool cfy_json_is_number(const cJSON *item);
/* Read an integer item exactly. *is_u64 is set when the value is above INT64_MAX (then *out
 * holds its uint64 bits). Fails (CFY_EINVAL) when the item is not an integer in range. */
cfy_status cfy_json_get_int(const cJSON *item, int64_t *out, bool *is_u64, cfy_error *err);
/* The numeric value of a number item as a double (big ints rounded). */
double cfy_json_get_double(const cJSON *item);

/* New items (returns new; cJSON_Delete; NULL out of memory). */
cJSON *cfy_json_new_float(double v); /* prints as a Python float ("1.0") */
cJSON *cfy_json_new_int(int64_t v);  /* exact (raw item when |v| > 2^53) */
cJSON *cfy_json_new_uint64(uint64_t v);

/* Print compactly / with ComfyUI's PNG-chunk style (json.dumps defaults: ", " and ": ",
 * non-ASCII as \uXXXX, NaN/Infinity bare) / indented by 2 (json.dumps(indent=2) layout, UTF-8
 * kept). Floats print as Python's repr. Return new malloc'd strings (free()), NULL out of memory. */
char *cfy_json_print_compact(const cJSON *item);
char *cfy_json_print_python_style(const cJSON *item);
char *cfy_json_print_indented(const cJSON *item);

/* Python repr() of a double into buf (e.g. "1.0", "1e-05", "inf", "nan"); returns buf. */
const char *cfy_json_py_float(double v, char *buf, size_t size);
/* Python str()/repr() of a JSON value as a Python object (dicts and lists with single-quoted
 * strings, True/False/None). For a string item, str() is the text itself and repr() quotes it.
 * Returns new malloc'd string (free()), NULL out of memory. */
char *cfy_json_py_str(const cJSON *item);
char *cfy_json_py_repr(const cJSON *item);

#endif
