/* error.c — filling and formatting cfy_error records. */
#include <stdio.h>
#include <string.h>

#include "comfyc/error.h"

void cfy_error_clear(cfy_error *err)
{
    if (!err) return;
    memset(err, 0, sizeof *err);
}

cfy_status cfy_error_setv(cfy_error *err, cfy_status code, const char *fmt, va_list ap)
{
    if (!err) return code;
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return code;
}

cfy_status cfy_error_set(cfy_error *err, cfy_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfy_error_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

cfy_status cfy_error_set_input(cfy_error *err, const char *input)
{
    if (!err) return CFY_OK;
    snprintf(err->input, sizeof err->input, "%s", input ? input : "");
    return err->code;
}

const char *cfy_status_name(cfy_status code)
{
    static const char *const names[] = {
        "CFY_OK",      "CFY_EINVAL", "CFY_ENOTFOUND",   "CFY_ENOMEM",      "CFY_EIO", "CFY_EDEVICE",
        "CFY_EUNSUPPORTED", "CFY_EPARSE", "CFY_EVALIDATION", "CFY_EINTERRUPTED", "CFY_EABI", "CFY_EINTERNAL"};
    if ((unsigned)code < sizeof names / sizeof names[0]) return names[code];
    return "CFY_EUNKNOWN";
}

const char *cfy_error_format(const cfy_error *err, char *buf, unsigned long buf_size)
{
    if (!buf || buf_size == 0) return buf;
    if (!err) { snprintf(buf, buf_size, "unknown error"); return buf; }
    size_t n = 0;
    buf[0] = '\0';
    if (err->node_id[0]) {
        n += (size_t)snprintf(buf + n, buf_size - n, "node %s", err->node_id);
        if (n < buf_size && err->class_type[0]) n += (size_t)snprintf(buf + n, buf_size - n, " (%s)", err->class_type);
    }
    if (n < buf_size && err->input[0])
        n += (size_t)snprintf(buf + n, buf_size - n, "%sinput '%s'", n ? " " : "", err->input);
    if (n < buf_size) snprintf(buf + n, buf_size - n, "%s%s", n ? ": " : "", err->message[0] ? err->message : cfy_status_name(err->code));
    return buf;
}
