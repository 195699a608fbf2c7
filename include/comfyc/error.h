/* error.h — status codes and the caller-owned error record every fallible call fills.
 *
 * Every function that can fail returns cfy_status and, when given a non-NULL cfy_error *,
 * writes one line explaining the failure. The record has fixed buffers: reporting never
 * allocates (so it works out of memory) and there is nothing to free. */
#ifndef COMFYC_ERROR_H
#define COMFYC_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CFY_API __attribute__((visibility("default")))
#define CFY_NODISCARD __attribute__((warn_unused_result))
#define CFY_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define CFY_API
#define CFY_NODISCARD
#define CFY_PRINTF(fmt_idx, arg_idx)
#endif

typedef enum cfy_status {
    CFY_OK = 0,
    CFY_EINVAL,         /* bad argument or input value (shape, range, type) */
    CFY_ENOTFOUND,      /* file, node class, model or key not found */
    CFY_ENOMEM,         /* host or device allocation failed */
    CFY_EIO,            /* file read/write failed or file is corrupt */
    CFY_EDEVICE,        /* CUDA or libtorch runtime failure */
    CFY_EUNSUPPORTED,   /* feature not built in or not implemented */
    CFY_EPARSE,         /* malformed JSON / workflow */
    CFY_EVALIDATION,    /* workflow failed validation (see the validation report) */
    CFY_EINTERRUPTED,   /* interrupted by the user (Ctrl-C) or an embedder */
    CFY_EABI,           /* plugin ABI mismatch */
    CFY_EINTERNAL       /* invariant broken inside comfyc: a bug */
} cfy_status;

typedef struct cfy_error {
    cfy_status code;
    char node_id[32];    /* workflow node id; "" outside a node */
    char class_type[64]; /* e.g. "ImageScale"; "" outside a node */
    char input[64];      /* input name; "" when not about one input */
    char message[512];   /* one line: the value and what was expected */
} cfy_error;

/* Reset err to CFY_OK with empty fields. err may be NULL. */
CFY_API void cfy_error_clear(cfy_error *err);

/* Fill err->code and err->message (printf-style) and return code, so failure paths read
 * `return cfy_error_set(err, CFY_EINVAL, "...")`. Leaves node_id/class_type/input as they are.
 * err may be NULL (then only code is returned). */
CFY_API cfy_status cfy_error_set(cfy_error *err, cfy_status code, const char *fmt, ...) CFY_PRINTF(3, 4);
CFY_API cfy_status cfy_error_setv(cfy_error *err, cfy_status code, const char *fmt, va_list ap);

/* Set the input name the error is about (may be NULL to clear). Returns err->code. */
CFY_API cfy_status cfy_error_set_input(cfy_error *err, const char *input);

/* Static name of a status code, e.g. "CFY_EINVAL". Never NULL. */
CFY_API const char *cfy_status_name(cfy_status code);

/* Format err as one human-readable line into buf:
 *   "node 12 (ImageScale) input 'width': <message>"  (parts omitted when empty).
 * Returns buf. */
CFY_API const char *cfy_error_format(const cfy_error *err, char *buf, unsigned long buf_size);

#ifdef __cplusplus
}
#endif
#endif
