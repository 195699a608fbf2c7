/* unicode_tables.h — Unicode property tables for the CLIP tokenizer (generated data in unicode_tables.c).
 * All tables are sorted by code point for binary search. */
#ifndef CFY_MODELS_UNICODE_TABLES_H
#define CFY_MODELS_UNICODE_TABLES_H

#include <stdint.h>

typedef struct cfy_u_range {
    uint32_t lo, hi;
} cfy_u_range;
typedef struct cfy_u_lower_entry {
    uint32_t cp;
    uint32_t to[3];
} cfy_u_lower_entry; /* to[] 0-terminated */
typedef struct cfy_u_ccc {
    uint32_t lo, hi;
    uint8_t ccc;
} cfy_u_ccc;
typedef struct cfy_u_decomp {
    uint32_t cp;
    uint32_t start;
    uint8_t len;
} cfy_u_decomp; /* into cfy_u_decomp_pool */
typedef struct cfy_u_comp {
    uint32_t first, second, composite;
} cfy_u_comp;

extern const cfy_u_range cfy_u_letters[]; /* General_Category L* */
extern const int cfy_u_letters_n;
extern const cfy_u_range cfy_u_numbers[]; /* General_Category N* */
extern const int cfy_u_numbers_n;
extern const cfy_u_range cfy_u_space[]; /* White_Space */
extern const int cfy_u_space_n;
extern const cfy_u_lower_entry cfy_u_lower_map[]; /* full lowercase mapping where it differs */
extern const int cfy_u_lower_map_n;
extern const cfy_u_ccc cfy_u_ccc_map[]; /* non-zero canonical combining classes */
extern const int cfy_u_ccc_map_n;
extern const cfy_u_decomp cfy_u_decomp_map[]; /* full canonical decompositions (Hangul excluded) */
extern const int cfy_u_decomp_map_n;
extern const uint32_t cfy_u_decomp_pool[];
extern const cfy_u_comp cfy_u_comp_map[]; /* primary composites, sorted by (first, second) */
extern const int cfy_u_comp_map_n;

#endif
