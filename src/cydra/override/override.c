/*
 * override.c - the public API of the override parser (cydra/override.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cydra/error.h"
#include "internal.h"

#define DEFAULT_MAX_DEPTH 256

static int nomem(cy_override_error *err) {
    return ov_set_error_raw(err, CY_ENOMEM, "MemoryError", "out of memory");
}

static char *tokens_text(ov_arena *a, const ov_parse_tree *t, size_t first, size_t end) {
    if (end <= first)
        return ov_strdup(a, "");
    size_t from = t->toks[first].start, to = t->toks[end - 1].end;
    return ov_strndup(a, t->src + from, to - from);
}

int cy_override_parse(cy_override **out, const char *text, cy_override_error *err) {
    return cy_override_parse_opts(out, text, NULL, err);
}

int cy_override_parse_opts(cy_override **out, const char *text,
                           const cy_override_parse_options *opts, cy_override_error *err) {
    *out = NULL;
    cy_override_error local = CY_OVERRIDE_ERROR_INIT;
    cy_override_error *e = err ? err : &local;
    cy_override_error_clear(e);
    cy_override_parse_options o = CY_OVERRIDE_PARSE_OPTIONS_INIT;
    if (opts)
        o = *opts;
    if (o.max_depth <= 0)
        o.max_depth = DEFAULT_MAX_DEPTH;
    ov_arena *a = ov_arena_new();
    cy_override *ov = a ? ov_alloc(a, sizeof *ov) : NULL;
    char *src = ov ? ov_strdup(a, text ? text : "") : NULL;
    if (!src) {
        ov_arena_free(a);
        int rc = nomem(e);
        cy_override_error_clear(&local);
        return rc;
    }
    ov_parse_tree t;
    int rc = ov_parse(&t, a, src, o.max_depth, e);
    if (rc == 0) {
        ov_rng rng;
        uint64_t seed = o.seed;
        if (!seed) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            seed = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)ov;
        }
        ov_rng_seed(&rng, seed);
        rc = ov_eval(&ov->value, a, &t, &rng, e);
    }
    if (rc == 0) {
        ov->type = (cy_override_type)t.type;
        ov->key_or_group = tokens_text(a, &t, t.key_first, t.key_end);
        ov->package = t.has_package ? tokens_text(a, &t, t.pkg_first, t.pkg_end) : NULL;
        ov->input_line = src;
        ov->arena_ = a;
        if (!ov->key_or_group || (t.has_package && !ov->package))
            rc = nomem(e);
        const cy_override_value *v = ov->value;
        if (!v)
            ov->value_type = CY_OV_VT_NONE;
        else if (v->kind == CY_OV_CHOICE)
            ov->value_type =
                v->u.choice.simple_form ? CY_OV_VT_SIMPLE_CHOICE_SWEEP : CY_OV_VT_CHOICE_SWEEP;
        else if (v->kind == CY_OV_GLOB)
            ov->value_type = CY_OV_VT_GLOB_CHOICE_SWEEP;
        else if (v->kind == CY_OV_INTERVAL)
            ov->value_type = CY_OV_VT_INTERVAL_SWEEP;
        else if (v->kind == CY_OV_RANGE)
            ov->value_type = CY_OV_VT_RANGE_SWEEP;
        else
            ov->value_type = CY_OV_VT_ELEMENT;
    }
    cy_override_error_clear(&local);
    if (rc < 0) {
        ov_arena_free(a);
        return rc;
    }
    *out = ov;
    return 0;
}

void cy_override_free(cy_override *ov) {
    if (ov)
        ov_arena_free(ov->arena_);
}

int cy_override_is_sweep(const cy_override *ov) {
    return ov->value_type != CY_OV_VT_NONE && ov->value_type != CY_OV_VT_ELEMENT;
}

int cy_override_is_choice_sweep(const cy_override *ov) {
    return ov->value_type == CY_OV_VT_SIMPLE_CHOICE_SWEEP ||
           ov->value_type == CY_OV_VT_CHOICE_SWEEP || ov->value_type == CY_OV_VT_GLOB_CHOICE_SWEEP;
}

int cy_override_is_range_sweep(const cy_override *ov) {
    return ov->value_type == CY_OV_VT_RANGE_SWEEP;
}

int cy_override_is_interval_sweep(const cy_override *ov) {
    return ov->value_type == CY_OV_VT_INTERVAL_SWEEP;
}

int cy_override_is_discrete_sweep(const cy_override *ov) {
    return cy_override_is_choice_sweep(ov) || cy_override_is_range_sweep(ov);
}

int cy_override_is_hydra(const cy_override *ov) {
    return strncmp(ov->key_or_group, "hydra.", 6) == 0 ||
           strncmp(ov->key_or_group, "hydra/", 6) == 0;
}

const char *cy_override_type_name(cy_override_type t) {
    switch (t) {
    case CY_OVERRIDE_CHANGE:
        return "CHANGE";
    case CY_OVERRIDE_ADD:
        return "ADD";
    case CY_OVERRIDE_FORCE_ADD:
        return "FORCE_ADD";
    case CY_OVERRIDE_DEL:
        return "DEL";
    }
    return "?";
}

const char *cy_override_value_type_name(cy_override_value_type t) {
    switch (t) {
    case CY_OV_VT_NONE:
        return "None";
    case CY_OV_VT_ELEMENT:
        return "ELEMENT";
    case CY_OV_VT_CHOICE_SWEEP:
        return "CHOICE_SWEEP";
    case CY_OV_VT_GLOB_CHOICE_SWEEP:
        return "GLOB_CHOICE_SWEEP";
    case CY_OV_VT_SIMPLE_CHOICE_SWEEP:
        return "SIMPLE_CHOICE_SWEEP";
    case CY_OV_VT_RANGE_SWEEP:
        return "RANGE_SWEEP";
    case CY_OV_VT_INTERVAL_SWEEP:
        return "INTERVAL_SWEEP";
    }
    return "?";
}

static void key_element(cy_sbuf *b, const cy_override *ov) {
    static const char *const prefix[] = {"", "+", "++", "~"};
    cy__sb_puts(b, prefix[ov->type]);
    cy__sb_puts(b, ov->key_or_group);
    if (ov->package) {
        cy__sb_putc(b, '@');
        cy__sb_puts(b, ov->package);
    }
}

int cy_override_key_element(char **out, const cy_override *ov) {
    cy_sbuf b = {0};
    key_element(&b, ov);
    *out = cy__sb_take(&b);
    return *out ? 0 : CY_ENOMEM;
}

const char *cy_override_value_text(const cy_override *ov) {
    const char *eq = strchr(ov->input_line, '=');
    return eq ? eq + 1 : NULL;
}

int cy_override_element_string(char **out, const cy_override_value *v, int space_after_sep,
                               cy_override_error *err) {
    *out = NULL;
    cy_sbuf b = {0};
    ov_fmt_error fe = {NULL, {0}};
    if (ov_element_str(&b, v, space_after_sep, &fe) < 0) {
        cy__sb_free(&b);
        int rc = fe.msg.oom ? nomem(err)
                            : ov_set_error_raw(err, CY_ERROR, fe.exc, fe.msg.s ? fe.msg.s : "");
        cy__sb_free(&fe.msg);
        return rc;
    }
    *out = cy__sb_take(&b);
    return *out ? 0 : nomem(err);
}

int cy_override_value_string(char **out, const cy_override *ov, int space_after_sep,
                             cy_override_error *err) {
    *out = NULL;
    if (ov->value && ov_is_sweep(ov->value))
        return ov_set_error_raw(err, CY_ERROR, "HydraException", "Cannot convert sweep to str");
    if (!ov->value) {
        *out = strdup("null");
        return *out ? 0 : nomem(err);
    }
    return cy_override_element_string(out, ov->value, space_after_sep, err);
}

int cy_override_job_string(char **out, const cy_override *ov, cy_override_error *err) {
    *out = NULL;
    char *value;
    int rc = cy_override_value_string(&value, ov, 0, err);
    if (rc < 0)
        return rc;
    cy_sbuf b = {0};
    key_element(&b, ov);
    cy__sb_putc(&b, '=');
    cy__sb_puts(&b, value);
    free(value);
    *out = cy__sb_take(&b);
    return *out ? 0 : nomem(err);
}

/* Override._convert_value */
static cy_override_value *convert(ov_arena *a, cy_override_value *v) {
    cy_override_value *r;
    switch (v->kind) {
    case CY_OV_QUOTED:
        if (!(r = ov_shallow_copy(a, v)))
            return NULL;
        r->kind = CY_OV_STRING;
        r->u.str.quote = 0;
        return r;
    case CY_OV_LIST:
        if (!(r = ov_shallow_copy(a, v)))
            return NULL;
        r->u.list.items = ov_alloc(a, (v->u.list.count ? v->u.list.count : 1) * sizeof(void *));
        if (!r->u.list.items)
            return NULL;
        for (size_t i = 0; i < v->u.list.count; i++)
            if (!(r->u.list.items[i] = convert(a, v->u.list.items[i])))
                return NULL;
        return r;
    case CY_OV_DICT: {
        size_t n = v->u.dict.count ? v->u.dict.count : 1;
        if (!(r = ov_shallow_copy(a, v)))
            return NULL;
        r->u.dict.keys = ov_alloc(a, n * sizeof(void *));
        r->u.dict.values = ov_alloc(a, n * sizeof(void *));
        if (!r->u.dict.keys || !r->u.dict.values)
            return NULL;
        for (size_t i = 0; i < v->u.dict.count; i++)
            if (!(r->u.dict.keys[i] = convert(a, v->u.dict.keys[i])) ||
                !(r->u.dict.values[i] = convert(a, v->u.dict.values[i])))
                return NULL;
        return r;
    }
    default:
        return v;
    }
}

const cy_override_value *cy_override_python_value(cy_override *ov) {
    if (!ov->value)
        return NULL;
    if (ov_is_sweep(ov->value))
        return ov->value;
    if (!ov->converted_)
        ov->converted_ = convert(ov->arena_, ov->value);
    return ov->converted_;
}

int cy_override_value_repr(char **out, const cy_override_value *v) {
    cy_sbuf b = {0};
    ov_value_repr(&b, v);
    *out = cy__sb_take(&b);
    return *out ? 0 : CY_ENOMEM;
}

int cy_override_value_pystr(char **out, const cy_override_value *v) {
    cy_sbuf b = {0};
    ov_value_str(&b, v);
    *out = cy__sb_take(&b);
    return *out ? 0 : CY_ENOMEM;
}

const char *cy_override_value_pytype(const cy_override_value *v) {
    return ov_py_type_name(v);
}
