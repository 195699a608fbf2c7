/* safetensors.h — a small reader for .safetensors files (textual-inversion embeddings).
 *
 * Format: u64 little-endian header length N, N bytes of JSON {name: {"dtype", "shape",
 * "data_offsets": [begin, end]}, "__metadata__": {...}}, then the tensor bytes; offsets are
 * relative to the end of the header. Every field is checked against the file before use. */
#ifndef CFY_MODELS_SAFETENSORS_H
#define CFY_MODELS_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "comfyc/tensor.h"

typedef struct cfy_safetensors cfy_safetensors;

/* Parse a whole file held in memory. buf: taken (freed by cfy_safetensors_close, or here on
 * failure). `what` names the file in errors. out: returns new. CFY_EPARSE on malformed data. */
cfy_status cfy_safetensors_parse(void *buf, size_t len, const char *what, cfy_safetensors **out, cfy_error *err);
/* Read and parse `path` (at most max_bytes). out: returns new. */
cfy_status cfy_safetensors_open(const char *path, size_t max_bytes, cfy_safetensors **out, cfy_error *err);
void cfy_safetensors_close(cfy_safetensors *f); /* NULL-safe */

/* Number of tensors and the i-th tensor's name (borrowed; file order). */
int cfy_safetensors_count(const cfy_safetensors *f);
const char *cfy_safetensors_name(const cfy_safetensors *f, int i);
/* Tensor `name` as a new host f32 contiguous tensor (F32, F16 and BF16 are converted).
 * CFY_ENOTFOUND without such a tensor, CFY_EUNSUPPORTED for other dtypes. out: returns new. */
cfy_status cfy_safetensors_get_f32(const cfy_safetensors *f, const char *name, cfy_tensor **out, cfy_error *err);

#endif
