/* json.h — parsing JSON text with line/column errors and exact 64-bit integers.
 *
 * cJSON keeps numbers as doubles, which loses seeds above 2^53. Before parsing, integer
 * literals that a double cannot hold exactly are turned into cJSON_Raw items carrying their
 * digits, so they print back unchanged and can be read exactly with cfy_json_get_int. */
#ifndef CFY_GRAPH_JSON_H
#define CFY_GRAPH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "comfyc/error.h"

/* Parse text (len bytes). name is used in messages ("workflow.json"). On a syntax error:
 * CFY_EPARSE with "name: line L, column C: ..." in the message. out: returns new (cJSON_Delete). */
cfy_status cfy_json_parse(const char *text, size_t len, const char *name, cJSON **out, cfy_error *err);

/* True when item is an integer literal (a whole-valued number, or a big-int raw item). */
bool cfy_json_is_int(const cJSON *item);
/* Read an integer item exactly. *is_u64 is set when the value is above INT64_MAX (then *out
 * holds its uint64 bits). Fails (CFY_EINVAL) when the item is not an integer in range. */
cfy_status cfy_json_get_int(const cJSON *item, int64_t *out, bool *is_u64, cfy_error *err);

/* Print compactly / with ComfyUI's PNG-chunk style (json.dumps defaults: ", " and ": ").
 * Return new malloc'd strings (free()). */
char *cfy_json_print_compact(const cJSON *item);
char *cfy_json_print_python_style(const cJSON *item);

#endif
