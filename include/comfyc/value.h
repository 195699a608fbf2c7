/* value.h — tagged, refcounted, immutable-once-produced workflow values.
 *
 * Every value carries its ComfyUI type name ("INT", "IMAGE", "LATENT", "SEGS", ...) and one
 * storage kind. Scalars and strings are stored inline; IMAGE, MASK and SIGMAS hold a tensor;
 * everything else (LATENT, CONDITIONING, MODEL, CLIP, VAE, UPSCALE_MODEL, SEGS, UPSCALER_HOOK,
 * SCHEDULER_FUNC, BASIC_PIPE, or a plugin's own type) holds an object pointer with its own
 * free function. Immutability is what makes the executor's output cache safe: never change
 * a value after it was handed to cfy_node_out.
 *
 * Type names are compared as strings, like ComfyUI's RETURN_TYPES, so plugins can add types. */
#ifndef COMFYC_VALUE_H
#define COMFYC_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "comfyc/error.h"
#include "comfyc/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ComfyUI type names used by the built-in nodes. */
#define CFY_T_INT "INT"
#define CFY_T_FLOAT "FLOAT"
#define CFY_T_STRING "STRING"
#define CFY_T_BOOLEAN "BOOLEAN"
#define CFY_T_COMBO "COMBO"
#define CFY_T_IMAGE "IMAGE"
#define CFY_T_MASK "MASK"
#define CFY_T_LATENT "LATENT"
#define CFY_T_CONDITIONING "CONDITIONING"
#define CFY_T_MODEL "MODEL"
#define CFY_T_CLIP "CLIP"
#define CFY_T_VAE "VAE"
#define CFY_T_UPSCALE_MODEL "UPSCALE_MODEL"
#define CFY_T_SEGS "SEGS"
#define CFY_T_UPSCALER_HOOK "UPSCALER_HOOK"
#define CFY_T_SCHEDULER_FUNC "SCHEDULER_FUNC"
#define CFY_T_SIGMAS "SIGMAS"
#define CFY_T_SAMPLER "SAMPLER"
#define CFY_T_NOISE "NOISE"
#define CFY_T_GUIDER "GUIDER"
#define CFY_T_BASIC_PIPE "BASIC_PIPE"

typedef enum cfy_kind {
    CFY_KIND_INT = 0,
    CFY_KIND_FLOAT,
    CFY_KIND_STRING,
    CFY_KIND_BOOL,
    CFY_KIND_TENSOR,
    CFY_KIND_OBJECT
} cfy_kind;

typedef struct cfy_value cfy_value;

/* Free function of an object value's payload. */
typedef void (*cfy_object_free_fn)(void *object);

/* Constructors. Each returns new (release with cfy_value_release), or NULL out of memory. */
CFY_API cfy_value *cfy_value_new_int(int64_t v);
/* An INT above INT64_MAX (seeds go up to 2^64-1). */
CFY_API cfy_value *cfy_value_new_uint64(uint64_t v);
CFY_API cfy_value *cfy_value_new_float(double v);
/* s borrowed: copied. */
CFY_API cfy_value *cfy_value_new_string(const char *s);
CFY_API cfy_value *cfy_value_new_bool(bool v);
/* type: static string (e.g. CFY_T_IMAGE). t takes (released also when this fails). */
CFY_API cfy_value *cfy_value_new_tensor(const char *type, cfy_tensor *t);
/* type: static string. object takes: free_fn(object) runs when the last reference goes, and
 * also when this call fails. free_fn may be NULL for a static object. */
CFY_API cfy_value *cfy_value_new_object(const char *type, void *object, cfy_object_free_fn free_fn);

CFY_API cfy_value *cfy_value_retain(cfy_value *v); /* NULL-safe; returns v */
CFY_API void cfy_value_release(cfy_value *v);      /* NULL-safe */

/* Accessors. The value must be of the matching kind (checked by the node helpers). */
CFY_API const char *cfy_value_type(const cfy_value *v); /* valid until v is released */
CFY_API cfy_kind cfy_value_kind(const cfy_value *v);
CFY_API int64_t cfy_value_int(const cfy_value *v);      /* INT (wraps when stored as uint64) */
CFY_API uint64_t cfy_value_uint64(const cfy_value *v);  /* INT as unsigned 64-bit (seeds) */
CFY_API bool cfy_value_int_is_uint64(const cfy_value *v); /* INT stored above INT64_MAX */
CFY_API double cfy_value_float(const cfy_value *v);     /* FLOAT (INT converts) */
CFY_API const char *cfy_value_string(const cfy_value *v); /* valid until v is released */
CFY_API bool cfy_value_bool(const cfy_value *v);
CFY_API cfy_tensor *cfy_value_tensor(const cfy_value *v); /* borrowed; valid until v is released */
CFY_API void *cfy_value_object(const cfy_value *v);       /* borrowed; valid until v is released */

/* ---- LATENT: {samples, noise_mask?, batch_index?} ---- */
typedef struct cfy_latent {
    cfy_tensor *samples;     /* owned: f32 [B,C,H/8,W/8] */
    cfy_tensor *noise_mask;  /* owned or NULL: f32 [B or 1, 1, h, w] (any resolution; 1 = denoise) */
    int64_t *batch_index;    /* owned (malloc) or NULL: noise index per sample */
    int n_batch_index;
} cfy_latent;

/* Wrap a latent. samples takes; noise_mask takes (may be NULL). batch_index borrowed (copied; may be NULL).
 * Returns new, or NULL out of memory (tensors are released then). */
CFY_API cfy_value *cfy_value_new_latent(cfy_tensor *samples, cfy_tensor *noise_mask, const int64_t *batch_index,
                                        int n_batch_index);
/* The latent of a LATENT value (borrowed; valid until v is released). */
static inline const cfy_latent *cfy_value_latent(const cfy_value *v) { return (const cfy_latent *)cfy_value_object(v); }

/* ---- CONDITIONING: a list of (cond, options) entries ---- */
typedef struct cfy_cond_entry {
    cfy_tensor *cond;                /* owned: f32 [1, tokens, dim] */
    cfy_tensor *pooled;              /* owned or NULL: f32 [1, dim_pooled] */
    cfy_tensor *concat_latent_image; /* owned or NULL: inpaint conditioning latent [B,4,h,w] */
    cfy_tensor *concat_mask;         /* owned or NULL: inpaint mask [B,1,H,W] */
    double strength;                 /* 1.0 by default */
    double start_percent, end_percent; /* 0.0 and 1.0 by default */
    bool has_area;                   /* area conditioning: [h, w, y, x] in latent pixels */
    int64_t area[4];
    /* SDXL's size conditioning (CLIPTextEncodeSDXL), pixels: height, width, crop_h, crop_w,
     * target_height, target_width; without it the latent's size, no crop (ComfyUI's defaults). */
    bool has_size;
    double size[6];
} cfy_cond_entry;

typedef struct cfy_conditioning {
    cfy_cond_entry *entries; /* owned array */
    int n;
} cfy_conditioning;

/* Make a CONDITIONING value. cond takes (entries' tensors become owned by the value; the
 * array itself is freed with free()). Returns new, or NULL (then cond is freed). */
CFY_API cfy_value *cfy_value_new_conditioning(cfy_conditioning *cond);
/* Borrowed view of a CONDITIONING value. */
static inline const cfy_conditioning *cfy_value_conditioning(const cfy_value *v)
{
    return (const cfy_conditioning *)cfy_value_object(v);
}
/* Deep-copy helper for nodes that derive a new conditioning (tensors retained, not copied).
 * out: returns new (free with cfy_conditioning_free). */
CFY_API CFY_NODISCARD cfy_status cfy_conditioning_copy(const cfy_conditioning *src, cfy_conditioning **out,
                                                       cfy_error *err);
CFY_API void cfy_conditioning_free(cfy_conditioning *c);
/* Default-initialise an entry (strength 1, percents 0..1, no tensors). */
CFY_API void cfy_cond_entry_init(cfy_cond_entry *e);

#ifdef __cplusplus
}
#endif
#endif
