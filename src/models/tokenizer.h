/* tokenizer.h — the CLIP BPE tokenizer, id-for-id with Hugging Face's CLIPTokenizer.
 *
 * Reads the vocab.json / merges.txt pair that comfyc-export places in a package. Per text:
 *  1. the literal special tokens <|startoftext|> / <|endoftext|> are cut out and emitted as ids;
 *  2. each other segment is normalised: NFC, every run of White_Space -> one space, full
 *     Unicode lowercase;
 *  3. pre-tokenised with CLIP's pattern (special literals, 's 't 're 've 'm 'll 'd, \p{L}+,
 *     one \p{N}, runs of anything else that is not a space), each piece split again by GPT-2's
 *     pattern (the byte-level step);
 *  4. each piece's UTF-8 bytes map to GPT-2's printable byte characters, `</w>` goes on the
 *     last one, and the lowest-ranked adjacent pair is merged until none has a rank.
 * No BOS/EOS are added (the caller packs windows). */
#ifndef CFY_MODELS_TOKENIZER_H
#define CFY_MODELS_TOKENIZER_H

#include <stdint.h>

#include "comfyc/error.h"

typedef struct cfy_tokenizer cfy_tokenizer;

/* Load vocab.json (token -> id) and merges.txt ("#version" header line, then "a b" per line,
 * best first). out: returns new (cfy_tokenizer_destroy). Errors: CFY_ENOTFOUND, CFY_EPARSE. */
cfy_status cfy_tokenizer_load(const char *vocab_json, const char *merges_txt, cfy_tokenizer **out, cfy_error *err);
void cfy_tokenizer_destroy(cfy_tokenizer *t); /* NULL-safe */

/* Tokenise UTF-8 text (invalid bytes read as U+FFFD). *ids: returns new malloc'd array of *n
 * ids (free()); *ids may be NULL when *n is 0. */
cfy_status cfy_tokenizer_encode(const cfy_tokenizer *t, const char *text, int32_t **ids, int *n, cfy_error *err);

/* Id of a vocabulary entry, or -1. */
int32_t cfy_tokenizer_id(const cfy_tokenizer *t, const char *token);

#endif
