/* basic_pipe.h — BASIC_PIPE payload: the five values (model, clip, vae, positive, negative). */
#ifndef CFY_NODES_IMPACT_BASIC_PIPE_H
#define CFY_NODES_IMPACT_BASIC_PIPE_H

#include "comfyc/value.h"

enum { CFY_PIPE_MODEL = 0, CFY_PIPE_CLIP, CFY_PIPE_VAE, CFY_PIPE_POSITIVE, CFY_PIPE_NEGATIVE, CFY_BASIC_PIPE_N };

typedef struct cfy_basic_pipe {
    cfy_value *items[CFY_BASIC_PIPE_N]; /* owned references, in the order above */
} cfy_basic_pipe;

#endif
