/* unicode.h — the Unicode operations of the CLIP tokenizer: UTF-8 decoding, classes, lowercase, NFC. */
#ifndef CFY_MODELS_UNICODE_H
#define CFY_MODELS_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool cfy_u_is_letter(uint32_t cp); /* \p{L} */
bool cfy_u_is_number(uint32_t cp); /* \p{N} */
bool cfy_u_is_space(uint32_t cp);  /* \s (White_Space) */
/* Full lowercase mapping of cp into out (1..3 code points); returns the count. */
int cfy_u_lower(uint32_t cp, uint32_t out[3]);

/* Decode UTF-8 (invalid sequences become U+FFFD, as Python's errors="replace" would per byte).
 * *out: returns new malloc'd array of *n code points. Returns false out of memory. */
bool cfy_u_decode(const char *s, size_t len, uint32_t **out, size_t *n);
/* Encode one code point as UTF-8 into buf (4 bytes); returns the byte count. */
int cfy_u_encode(uint32_t cp, char buf[4]);
/* Canonical composition (NFC) of cps[0..n): decompose, reorder, compose. *out: returns new
 * malloc'd array. Returns false out of memory. */
bool cfy_u_nfc(const uint32_t *cps, size_t n, uint32_t **out, size_t *n_out);

#endif
