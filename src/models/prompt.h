/* prompt.h — ComfyUI's prompt-weighting syntax: (text), (text:1.3), [text] is plain text, \( \) escapes.
 *
 * Follows segs-upscaler spec §6.1 literally: escapes become private markers, the text is split
 * at top-level parentheses (unbalanced ones stay text), a group multiplies its weight by 1.1 or
 * takes the number after its last ':' (any Python float literal, outer weights ignored), and
 * the markers turn back into literal parentheses in each segment. */
#ifndef CFY_MODELS_PROMPT_H
#define CFY_MODELS_PROMPT_H

#include "comfyc/error.h"

typedef struct cfy_prompt_segment {
    char *text;    /* owned, UTF-8, escapes resolved */
    double weight; /* 1.0 for plain text */
} cfy_prompt_segment;

/* Split text into weighted segments, in order. *segs: returns new array of *n segments
 * (cfy_prompt_segments_free); empty segments are kept as ComfyUI keeps them. */
cfy_status cfy_prompt_parse(const char *text, cfy_prompt_segment **segs, int *n, cfy_error *err);
void cfy_prompt_segments_free(cfy_prompt_segment *segs, int n);

/* Python float(s) semantics (surrounding whitespace, inf/nan, underscores between digits).
 * Returns 1 and sets *out when s parses, else 0. */
int cfy_prompt_parse_float(const char *s, size_t len, double *out);

#endif
