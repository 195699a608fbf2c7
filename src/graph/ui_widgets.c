/* ui_widgets.c — mapping a UI node's widgets_values to input names, and filename text replacement.
 *
 * Widget order (spec §2.4): the definition's required inputs, then its optional ones; every
 * widget-typed input that is neither hidden nor forceInput takes one value, followed by its
 * phantom control values (INT: one, by flag or by the seed/noise_seed rule; FLOAT: one;
 * COMBO: two), and an image-upload input adds the phantom "upload" value after the required
 * inputs. Values written by frontends before 1.16 also hold forceInput inputs; they are
 * recognised by their count and skipped.
 *
 * Text replacement (§2.7) follows the newest frontend: %date:FORMAT% (only the part before a
 * first '.', and only when the token does not have exactly one '.'), %Node.widget% (node by
 * "Node name for S&R", then by title; value as JavaScript's String(); the characters
 * / ? < > \ : * | " and control characters become '_'), anything else left as written.
 * Dynamic prompts ({a|b} choices in STRING widgets with dynamicPrompts) are left literal: the
 * frontend picks with Math.random(), which a headless converter cannot reproduce. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/ui_convert_internal.h"

/* ================================ widget layout ================================ */

typedef struct wslot {
    const cfy_input_def *in; /* NULL: the image-upload phantom */
    int phantoms;            /* control values after it */
    bool force;              /* forceInput: only present in pre-1.16 values */
} wslot;

static bool is_widget_type(const cfy_input_def *in)
{
    if (in->combo || in->combo_fn) return true;
    const char *t = in->type ? in->type : "";
    return strcmp(t, "INT") == 0 || strcmp(t, "FLOAT") == 0 || strcmp(t, "STRING") == 0 || strcmp(t, "BOOLEAN") == 0 ||
           strcmp(t, "COMBO") == 0;
}

static int phantom_count(const cfy_input_def *in)
{
    const char *t = in->type ? in->type : "";
    bool combo = in->combo || in->combo_fn || strcmp(t, "COMBO") == 0;
    bool control = (in->flags & CFY_IN_CONTROL_AFTER_GENERATE) != 0;
    if (combo) return control ? 2 : 0;
    if (strcmp(t, "FLOAT") == 0) return control ? 1 : 0;
    if (strcmp(t, "INT") == 0) {
        if (control) return 1;
        if (in->flags & CFY_IN_NO_CONTROL) return 0;
        return strcmp(in->name, "seed") == 0 || strcmp(in->name, "noise_seed") == 0;
    }
    return 0;
}

/* Fill slots (caller array of at least inputs + 1) in widget order; returns the count. */
static int widget_layout(const cfy_node_def *def, wslot *slots)
{
    int n = 0;
    bool upload = false;
    for (int pass = 0; pass < 2; pass++) {
        for (const cfy_input_def *in = def->inputs; in && in->name; in++) {
            bool optional = (in->flags & CFY_IN_OPTIONAL) != 0;
            if ((in->flags & CFY_IN_HIDDEN) || optional != (pass == 1) || !is_widget_type(in)) continue;
            slots[n++] = (wslot){in, phantom_count(in), (in->flags & CFY_IN_FORCE_INPUT) != 0};
            if (pass == 0 && (in->flags & CFY_IN_IMAGE_UPLOAD)) upload = true;
        }
        if (pass == 0 && upload) slots[n++] = (wslot){NULL, 0, false};
    }
    return n;
}

static int count_values(const wslot *slots, int n, bool with_force)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        if (!slots[i].force || with_force) total += 1 + slots[i].phantoms;
    return total;
}

/* "seed, <control>, steps, ..." for messages. */
static void describe_layout(const wslot *slots, int n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < size; i++) {
        if (slots[i].force) continue;
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                                 slots[i].in ? slots[i].in->name : "<upload>");
        for (int p = 0; p < slots[i].phantoms && used < size; p++)
            used += (size_t)snprintf(buf + used, size - used, ", <control%s>", p ? " filter" : "");
    }
}

cfy_status ui_map_widgets(ui_ctx *c, ui_node *node)
{
    const cfy_node_def *def = node->def;
    const cJSON *wv = cJSON_GetObjectItemCaseSensitive(node->json, "widgets_values");
    int n_inputs = 0;
    for (const cfy_input_def *in = def->inputs; in && in->name; in++)
        n_inputs++;
    wslot *slots = malloc(sizeof *slots * (size_t)(n_inputs + 1));
    node->widgets = cJSON_CreateObject();
    if (!slots || !node->widgets) {
        free(slots);
        return cfy_error_set(c->err, CFY_ENOMEM, "UI workflow: out of memory");
    }
    int n = widget_layout(def, slots);
    cfy_status st = CFY_OK;

    if (cJSON_IsObject(wv)) { /* object form: keyed by widget name */
        for (int i = 0; i < n && st == CFY_OK; i++) {
            if (!slots[i].in || slots[i].force) continue;
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(wv, slots[i].in->name);
            if (!v) continue;
            cJSON *copy = cJSON_Duplicate(v, true);
            if (!copy || !cJSON_AddItemToObject(node->widgets, slots[i].in->name, copy)) {
                cJSON_Delete(copy);
                st = cfy_error_set(c->err, CFY_ENOMEM, "UI workflow: out of memory");
            }
        }
        free(slots);
        return st;
    }

    int have = cJSON_IsArray(wv) ? cJSON_GetArraySize(wv) : 0;
    int want = count_values(slots, n, false), legacy = count_values(slots, n, true);
    bool skip_force = false;
    if (have != want) {
        if (legacy != want && have == legacy) {
            skip_force = true; /* pre-1.16 values still hold forceInput inputs (§2.4 migration) */
        } else {
            char layout[256];
            describe_layout(slots, n, layout, sizeof layout);
            free(slots);
            return ui_node_fail(c, node, NULL, CFY_EINVAL,
                                "widgets_values has %d value%s but the definition expects %d [%s]; the workflow was "
                                "saved with a different version of this node",
                                have, have == 1 ? "" : "s", want, layout);
        }
    }
    const cJSON *v = cJSON_IsArray(wv) ? wv->child : NULL;
    for (int i = 0; i < n && st == CFY_OK; i++) {
        int take = 1 + slots[i].phantoms;
        if (!slots[i].force || skip_force) {
            if (slots[i].in && !slots[i].force) {
                cJSON *copy = cJSON_Duplicate(v, true);
                if (!copy || !cJSON_AddItemToObject(node->widgets, slots[i].in->name, copy)) {
                    cJSON_Delete(copy);
                    st = cfy_error_set(c->err, CFY_ENOMEM, "UI workflow: out of memory");
                }
            }
            while (take-- > 0 && v)
                v = v->next;
        }
    }
    free(slots);
    return st;
}

/* ================================ text replacement ================================ */

/* Node classes whose filename_prefix widget the frontend rewrites (saveImageExtraOutput). */
static const char *const save_nodes[] = {
    "SaveImage", "SaveVideo",    "SaveAnimatedWEBP", "SaveAnimatedPNG", "SaveWEBM",
    "SaveAudio", "SaveAudioMP3", "SaveAudioOpus",    "SaveGLB",         "SaveLatent",
    "CLIPSave",  "VAESave",      "ModelSave",        "LoraSave",        NULL};

bool ui_is_text_replace_input(const cfy_node_def *def, const cfy_input_def *in)
{
    if (!in) return false;
    if (in->flags & CFY_IN_TEXT_REPLACE) return true;
    if (strcmp(in->name, "filename_prefix") != 0) return false;
    for (int i = 0; save_nodes[i]; i++)
        if (strcmp(def->class_type, save_nodes[i]) == 0) return true;
    return false;
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* %date:FORMAT%: yyyy, yy, and M d h m s (doubled: zero-padded to two digits); other text kept. */
static void format_date(sbuf *b, const char *fmt, size_t len, const struct tm *t)
{
    char num[16];
    for (size_t i = 0; i < len;) {
        if (len - i >= 4 && strncmp(fmt + i, "yyyy", 4) == 0) {
            snprintf(num, sizeof num, "%04d", t->tm_year + 1900);
            sb_str(b, num);
            i += 4;
            continue;
        }
        if (len - i >= 2 && strncmp(fmt + i, "yy", 2) == 0) {
            snprintf(num, sizeof num, "%02d", (t->tm_year + 1900) % 100);
            sb_str(b, num);
            i += 2;
            continue;
        }
        int v = -1;
        switch (fmt[i]) {
        case 'M':
            v = t->tm_mon + 1;
            break;
        case 'd':
            v = t->tm_mday;
            break;
        case 'h':
            v = t->tm_hour;
            break;
        case 'm':
            v = t->tm_min;
            break;
        case 's':
            v = t->tm_sec;
            break;
        default:
            break;
        }
        if (v < 0) {
            sb_add(b, fmt + i, 1);
            i++;
            continue;
        }
        bool pad = i + 1 < len && fmt[i + 1] == fmt[i];
        snprintf(num, sizeof num, pad ? "%02d" : "%d", v);
        sb_str(b, num);
        i += pad ? 2 : 1;
    }
}

/* JavaScript's String(number): integers plainly, otherwise the shortest round-trip digits,
 * exponent form only below 1e-6 or from 1e21. */
static void js_number(double v, char *buf, size_t size)
{
    if (isnan(v)) {
        snprintf(buf, size, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (v == 0) {
        snprintf(buf, size, "0");
        return;
    }
    if (v == floor(v) && fabs(v) < 1e21) {
        snprintf(buf, size, "%.0f", v);
        return;
    }
    char e[40];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v) break;
    }
    /* e = "-d.ddde+XX": split into digits and exponent */
    char digits[24];
    int nd = 0, exp10 = 0;
    const char *p = e;
    bool neg = *p == '-';
    if (neg) p++;
    for (; *p && *p != 'e'; p++)
        if (*p != '.') digits[nd++] = *p;
    digits[nd] = '\0';
    if (*p == 'e') exp10 = atoi(p + 1);
    size_t u = (size_t)snprintf(buf, size, "%s", neg ? "-" : "");
    if (exp10 >= 21 || exp10 < -6) /* 1e-7, 1.5e+21 */
        snprintf(buf + u, size - u, "%c%s%se%c%d", digits[0], nd > 1 ? "." : "", digits + 1, exp10 < 0 ? '-' : '+',
                 abs(exp10));
    else if (exp10 < 0) /* 0.00123 */
        snprintf(buf + u, size - u, "0.%.*s%s", -exp10 - 1, "000000", digits);
    else if (nd <= exp10 + 1) /* whole numbers are handled above; kept for completeness */
        snprintf(buf + u, size - u, "%s%.*s", digits, exp10 + 1 - nd, "000000000000000000000");
    else /* 12.5 */
        snprintf(buf + u, size - u, "%.*s.%s", exp10 + 1, digits, digits + exp10 + 1);
}

/* The frontend's widget value as a string ((value ?? '') + ''), with characters that are unsafe
 * in file names replaced by '_'. */
static void add_widget_text(sbuf *b, const cJSON *v)
{
    char num[64];
    const char *s = "";
    char *owned = NULL;
    if (cJSON_IsString(v))
        s = v->valuestring;
    else if (cJSON_IsRaw(v))
        s = v->valuestring;
    else if (cJSON_IsNumber(v)) {
        js_number(v->valuedouble, num, sizeof num);
        s = num;
    } else if (cJSON_IsTrue(v))
        s = "true";
    else if (cJSON_IsFalse(v))
        s = "false";
    else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        owned = cJSON_PrintUnformatted(v);
        s = owned ? owned : "";
    }
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        bool bad = ch < 0x20 || ch == 0x7f || strchr("/?<>\\:*|\"", ch);
        sb_add(b, bad ? "_" : p, 1);
    }
    free(owned);
}

/* Props "Node name for S&R" (defaulting to the class for registered nodes), then titles. */
static const char *sr_name(const ui_node *n)
{
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(n->json, "properties");
    const cJSON *sr = cJSON_GetObjectItemCaseSensitive(props, "Node name for S&R");
    if (cJSON_IsString(sr)) return sr->valuestring;
    return n->def ? n->type : NULL;
}

/* First node matching by S&R name (or by title), in the frontend's collectAllNodes order: each
 * node of a graph in turn, the nodes inside a subgraph instance before the instance itself. */
static const ui_node *find_by(const ui_graph *g, const char *name, bool by_title)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const ui_node *n = &g->nodes[i];
        if (n->child) {
            const ui_node *inner = find_by(n->child, name, by_title);
            if (inner) return inner;
        }
        const char *key = by_title ? ui_node_title(n) : sr_name(n);
        if (key && strcmp(key, name) == 0) return n;
    }
    return NULL;
}

static void replace_token(ui_ctx *c, sbuf *b, const char *tok, size_t len)
{
    const char *dot = memchr(tok, '.', len);
    const char *dot2 = dot ? memchr(dot + 1, '.', len - (size_t)(dot + 1 - tok)) : NULL;
    if (!dot || dot2) { /* not exactly "A.B": dates, or left for the backend (%width%, ...) */
        if (len >= 5 && strncmp(tok, "date:", 5) == 0) {
            size_t first = dot ? (size_t)(dot - tok) : len; /* the frontend formats only the part before a '.' */
            format_date(b, tok + 5, first - 5, &c->now);
            return;
        }
        sb_add(b, "%", 1), sb_add(b, tok, len), sb_add(b, "%", 1);
        return;
    }
    char node_name[256], widget[256];
    size_t la = (size_t)(dot - tok), lb = len - la - 1;
    if (la >= sizeof node_name || lb >= sizeof widget) {
        sb_add(b, "%", 1), sb_add(b, tok, len), sb_add(b, "%", 1);
        return;
    }
    memcpy(node_name, tok, la);
    node_name[la] = '\0';
    memcpy(widget, dot + 1, lb);
    widget[lb] = '\0';
    const ui_node *n = find_by(c->root, node_name, false);
    if (!n) n = find_by(c->root, node_name, true);
    const cJSON *v = n && n->widgets ? cJSON_GetObjectItemCaseSensitive(n->widgets, widget) : NULL;
    if (!v) {
        sb_add(b, "%", 1), sb_add(b, tok, len), sb_add(b, "%", 1);
        return;
    }
    add_widget_text(b, v);
}

char *ui_text_replace(ui_ctx *c, const char *text)
{
    sbuf b = {0};
    sb_add(&b, "", 0);
    const char *p = text;
    while (*p) {
        const char *open = strchr(p, '%');
        if (!open) {
            sb_str(&b, p);
            break;
        }
        sb_add(&b, p, (size_t)(open - p));
        const char *close = strchr(open + 1, '%');
        if (!close) {
            sb_str(&b, open);
            break;
        }
        if (close == open + 1) { /* "%%": no token starts here; retry from the second '%' */
            sb_add(&b, "%", 1);
            p = open + 1;
            continue;
        }
        replace_token(c, &b, open + 1, (size_t)(close - open - 1));
        p = close + 1;
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
