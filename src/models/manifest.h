/* manifest.h — a comfyc model package's manifest.json, parsed into plain structs.
 *
 * A package is the folder `<models>/<folder>/<source file>.comfyc/` written by comfyc-export:
 *   manifest.json        what follows, plus the torch version and device it was compiled for
 *   <component>/         one AOTInductor-compiled graph each: <stem>.wrapper.so + <stem>...blob
 *   tokenizer/           vocab.json + merges.txt (checkpoints only)
 * Components of a checkpoint: "unet", "vae_encoder", "vae_decoder", "text_encoder"; of a VAE:
 * the two VAE ones; of an upscale model: "upscaler". */
#ifndef CFY_MODELS_MANIFEST_H
#define CFY_MODELS_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comfyc/error.h"
#include "comfyc/tensor.h"

#define CFY_IO_MAX 4
#define CFY_COMPONENTS_MAX 8

/* One dimension of a component input or output: static (name[0] == 0, value in min == max)
 * or dynamic (a named symbol; the size is a multiple of mul within min..max). Outputs may
 * refer to an input symbol times `scale` (VAE decoder: h*8). */
typedef struct cfy_dim_spec {
    char name[16];
    int64_t min, max, mul, scale;
} cfy_dim_spec;

typedef struct cfy_io_spec {
    char name[32];
    cfy_dtype dtype;
    int ndim;
    cfy_dim_spec dims[CFY_MAX_DIMS];
} cfy_io_spec;

typedef struct cfy_component_spec {
    char name[32];                /* "unet", ... */
    char *so_path;                /* owned, absolute: the model .so */
    char *blob_path;              /* owned, absolute: the weights blob */
    char *dir;                    /* owned, absolute: the component folder (CUDA cubin_dir) */
    int64_t so_bytes, blob_bytes; /* file sizes at export: a different size is refused (truncated or replaced) */
    int n_in, n_out;
    cfy_io_spec in[CFY_IO_MAX], out[CFY_IO_MAX];
} cfy_component_spec;

#define CFY_TEXT_ENCODERS_MAX 2

/* One text encoder of a checkpoint: its tokenizer files and conventions (manifest
 * "text_encoder" / "text_encoder_2"). */
typedef struct cfy_text_encoder_info {
    char type[16];                  /* "clip_l", "clip_h", "clip_g": also its key in embedding files */
    char component[32];             /* the compiled component that runs it */
    char *vocab_path, *merges_path; /* owned, absolute */
    int bos, eos, pad, hidden, layers, default_layer;
    bool final_norm;                /* hidden states after the final layer norm (SD1/SD2) or raw (SDXL) */
} cfy_text_encoder_info;

typedef struct cfy_manifest {
    char *dir;              /* owned: the package folder */
    char kind[24];          /* "checkpoint", "vae", "upscale_model" */
    char family[16];        /* "sd1", "sd2", "" */
    char prediction[8];     /* "eps", "v" */
    cfy_device_kind device; /* compiled for */
    cfy_dtype dtype;        /* compute dtype of the graphs */
    char torch_version[48]; /* e.g. "2.13.0+cpu" */
    int torch_abi[3];       /* major, minor, patch */
    char *torch_lib_dir;    /* owned: torch/lib of the exporting Python (a default for finding libtorch) */
    /* latent + schedule */
    int latent_channels;
    double latent_scale_factor;
    double linear_start, linear_end;
    /* text encoders: one (SD1 "clip_l", SD2 "clip_h") or two (SDXL: "clip_l" then "clip_g") */
    int n_text;
    cfy_text_encoder_info text[CFY_TEXT_ENCODERS_MAX];
    /* UNet class conditioning (SDXL): y = [pooled (unet_pooled_width) | 6 x 256 sinusoidal] */
    int unet_adm_channels, unet_pooled_width;
    /* upscale model */
    int upscale_scale;
    int n_components;
    cfy_component_spec components[CFY_COMPONENTS_MAX];
} cfy_manifest;

/* Read <dir>/manifest.json. out: returns new (cfy_manifest_free). Errors: CFY_ENOTFOUND (no
 * manifest), CFY_EPARSE (malformed or missing field, naming it), CFY_EUNSUPPORTED (format version). */
cfy_status cfy_manifest_load(const char *dir, cfy_manifest **out, cfy_error *err);
/* Parse manifest text (len bytes, no NUL needed) as the manifest of package folder `dir`, which
 * is only used to make paths absolute and to name errors (nothing is read from disk). What
 * cfy_manifest_load does after reading the file; the fuzz target calls it directly.
 * out: returns new (cfy_manifest_free), NULL on failure. Errors: CFY_EPARSE, CFY_EUNSUPPORTED, CFY_ENOMEM. */
cfy_status cfy_manifest_parse(const char *json, size_t len, const char *dir, cfy_manifest **out, cfy_error *err);
void cfy_manifest_free(cfy_manifest *m);

/* The component named `name`, or NULL. Borrowed; valid until m is freed. */
const cfy_component_spec *cfy_manifest_component(const cfy_manifest *m, const char *name);

/* Check tensors against a component's input specs: count, dtype, static sizes, dynamic ranges
 * and multiples, and equal sizes for dims sharing a symbol. Errors (CFY_EINVAL) name the input,
 * the dimension, the value and the allowed range. */
cfy_status cfy_component_check_inputs(const cfy_component_spec *c, const cfy_tensor *const *inputs, int n,
                                      cfy_error *err);

#endif
