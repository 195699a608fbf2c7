/* registry.c — the per-runtime table of node classes, in registration order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/node.h"
#include "core/runtime_internal.h"

typedef struct reg_entry {
    const cfy_node_def *def;
    char source[256];
} reg_entry;

struct cfy_registry {
    reg_entry *entries;
    int n, cap;
    char source[256];
};

cfy_status cfy_registry_create(cfy_registry **out, cfy_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out) return cfy_error_set(err, CFY_ENOMEM, "registry: out of memory");
    snprintf((*out)->source, sizeof (*out)->source, "built-in");
    return CFY_OK;
}

void cfy_registry_destroy(cfy_registry *reg)
{
    if (!reg) return;
    free(reg->entries);
    free(reg);
}

void cfy_registry_set_source(cfy_registry *reg, const char *source)
{
    snprintf(reg->source, sizeof reg->source, "%s", source);
}

void cfy_registry_remove_source(cfy_registry *reg, const char *source)
{
    int w = 0;
    for (int i = 0; i < reg->n; i++)
        if (strcmp(reg->entries[i].source, source) != 0) reg->entries[w++] = reg->entries[i];
    reg->n = w;
}

static int find_index(const cfy_registry *reg, const char *class_type)
{
    for (int i = 0; i < reg->n; i++)
        if (strcmp(reg->entries[i].def->class_type, class_type) == 0) return i;
    return -1;
}

static cfy_status check_def(const cfy_node_def *def, cfy_error *err)
{
    if (!def || !def->class_type || !def->class_type[0]) return cfy_error_set(err, CFY_EINVAL, "node definition without class_type");
    if (def->abi != CFY_ABI_VERSION)
        return cfy_error_set(err, CFY_EABI, "node '%s' was built for ABI %u, this comfyc has ABI %u", def->class_type, def->abi, CFY_ABI_VERSION);
    if (!def->run) return cfy_error_set(err, CFY_EINVAL, "node '%s' has no run function", def->class_type);
    return CFY_OK;
}

cfy_status cfy_registry_add(cfy_registry *reg, const cfy_node_def *def, cfy_error *err)
{
    cfy_status st = check_def(def, err);
    if (st != CFY_OK) return st;
    int at = find_index(reg, def->class_type);
    if (at >= 0)
        return cfy_error_set(err, CFY_EINVAL, "node class '%s' from %s is already registered by %s", def->class_type, reg->source, reg->entries[at].source);
    if (reg->n == reg->cap) {
        int cap = reg->cap ? reg->cap * 2 : 64;
        reg_entry *e = realloc(reg->entries, sizeof *e * (size_t)cap);
        if (!e) return cfy_error_set(err, CFY_ENOMEM, "registry: out of memory");
        reg->entries = e;
        reg->cap = cap;
    }
    reg->entries[reg->n].def = def;
    snprintf(reg->entries[reg->n].source, sizeof reg->entries[reg->n].source, "%s", reg->source);
    reg->n++;
    return CFY_OK;
}

cfy_status cfy_registry_add_all(cfy_registry *reg, const cfy_node_def *const *defs, cfy_error *err)
{
    for (int i = 0; defs[i]; i++) {
        cfy_status st = cfy_registry_add(reg, defs[i], err);
        if (st != CFY_OK) return st;
    }
    return CFY_OK;
}

cfy_status cfy_registry_replace(cfy_registry *reg, const cfy_node_def *def, cfy_error *err)
{
    cfy_status st = check_def(def, err);
    if (st != CFY_OK) return st;
    int at = find_index(reg, def->class_type);
    if (at < 0) return cfy_registry_add(reg, def, err);
    reg->entries[at].def = def;
    snprintf(reg->entries[at].source, sizeof reg->entries[at].source, "%s", reg->source);
    return CFY_OK;
}

const cfy_node_def *cfy_registry_find(const cfy_registry *reg, const char *class_type)
{
    int i = find_index(reg, class_type);
    return i >= 0 ? reg->entries[i].def : NULL;
}

int cfy_registry_count(const cfy_registry *reg) { return reg->n; }

const cfy_node_def *cfy_registry_at(const cfy_registry *reg, int index)
{
    return index >= 0 && index < reg->n ? reg->entries[index].def : NULL;
}

const cfy_input_def *cfy_node_def_input(const cfy_node_def *def, const char *name)
{
    for (const cfy_input_def *in = def->inputs; in && in->name; in++)
        if (strcmp(in->name, name) == 0) return in;
    return NULL;
}

int cfy_node_def_output_count(const cfy_node_def *def)
{
    int n = 0;
    for (const cfy_output_def *o = def->outputs; o && o->type; o++) n++;
    return n;
}

void cfy_strlist_free(char **list)
{
    if (!list) return;
    for (char **p = list; *p; p++) free(*p);
    free(list);
}
