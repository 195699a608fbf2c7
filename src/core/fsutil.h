/* fsutil.h — small file-system helpers: whole-file reads, atomic writes, safe path joins. */
#ifndef CFY_CORE_FSUTIL_H
#define CFY_CORE_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "comfyc/error.h"

/* Read a whole file (at most max_bytes). *data: returns new malloc'd buffer (NUL-terminated
 * one byte past *size, so text can be used directly); free(). */
cfy_status cfy_read_file(const char *path, size_t max_bytes, void **data, size_t *size, cfy_error *err);

/* Write bytes to path atomically: a temp file in the same folder, fsync, rename. On failure
 * nothing is left at path or in the temp name. */
cfy_status cfy_write_file_atomic(const char *path, const void *data, size_t size, cfy_error *err);

/* Join base and a user-given relative name, refusing names that escape base: absolute paths,
 * ".." components, and (when the result exists) symlinks resolving outside base.
 * out: returns new malloc'd path (free()). `what` names the input for messages. */
cfy_status cfy_path_join_inside(const char *base, const char *rel, char **out, cfy_error *err);
/* The lexical half of cfy_path_join_inside: refuses absolute names and ".." components but
 * follows symlinks, as ComfyUI does in model folders (models often live on another disk behind
 * a link the administrator made). For admin-configured folders only, never for input/output. */
cfy_status cfy_path_join_name(const char *base, const char *rel, char **out, cfy_error *err);

/* Whether path ends with suffix (".npy", ".pt"; case-sensitive). */
bool cfy_path_has_suffix(const char *path, const char *suffix);

/* mkdir -p. */
cfy_status cfy_mkdirs(const char *path, cfy_error *err);

#endif
