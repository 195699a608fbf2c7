/* model_paths.h — model folders as ComfyUI lays them out, and extra_model_paths.yaml.
 *
 * A model named "v1-5.safetensors" in folder "checkpoints" is the package directory
 * `<root>/checkpoints/v1-5.safetensors.comfyc/` (comfyc-export names packages after their
 * source file, so workflows run unchanged). Roots, in order: the runtime's models_dir, then
 * each entry of the runtime's extra_model_paths.yaml:
 *     comfyui:
 *         base_path: /srv/ComfyUI/        # optional; relative to the yaml file's folder
 *         checkpoints: models/checkpoints/
 *         upscale_models: |
 *             models/upscale_models
 *             /mnt/more/upscalers
 * Names may contain subfolders ("sd15/model.safetensors"); they never escape their root by name
 * ("..", absolute paths), but symlinks inside a root are followed, as in ComfyUI. */
#ifndef CFY_MODELS_MODEL_PATHS_H
#define CFY_MODELS_MODEL_PATHS_H

#include "comfyc/runtime.h"

/* All model names in `folder` ("checkpoints", "vae", "upscale_models"), sorted, without
 * duplicates. *out: returns new NULL-terminated list (cfy_strlist_free); an empty list when
 * there are none. Errors only for a malformed extra_model_paths.yaml or out of memory. */
cfy_status cfy_model_paths_list(cfy_runtime *rt, const char *folder, char ***out, cfy_error *err);

/* The package directory of model `name` in `folder` (name with or without the ".comfyc"
 * suffix). *dir: returns new malloc'd path (free()). CFY_ENOTFOUND lists the available names. */
cfy_status cfy_model_paths_find(cfy_runtime *rt, const char *folder, const char *name, char **dir, cfy_error *err);

/* Every folder searched for `folder` ("embeddings", ...), in search order: <models_dir>/<folder>,
 * then extra_model_paths.yaml's entries. *out: returns new NULL-terminated list (cfy_strlist_free). */
cfy_status cfy_model_paths_dirs(cfy_runtime *rt, const char *folder, char ***out, cfy_error *err);

/* The folders for `folder` from an extra_model_paths.yaml file (for tests and tools).
 * *out: returns new NULL-terminated list (cfy_strlist_free). */
cfy_status cfy_model_paths_from_yaml(const char *yaml_path, const char *folder, char ***out, cfy_error *err);

#endif
