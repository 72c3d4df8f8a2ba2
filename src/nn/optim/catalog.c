/*
 * catalog.c - the optimizer and scheduler catalogue (nn/catalog.h): structured configs and
 * instantiate targets made from the describe tables at start-up.
 *
 * cy_schema's fields() takes no context, so each catalogue slot has its own small function
 * returning the fields built for it (NSLOTS of them, more than torch has classes).
 */
#include "nn/catalog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/yaml.h"
#include "nn/error.h"

#define NSLOTS 40

static nn_catalog_entry entries[NSLOTS];
static cy_schema schemas[NSLOTS];
static cy_type types[NSLOTS];
static cy_field *fields[NSLOTS];
static size_t nfields[NSLOTS];
static cy_target targets[NSLOTS];
static const char *aliases[NSLOTS][2];
static size_t count;
static int init_status;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define SLOT_FIELDS(i)                                                                             \
    static const cy_field *fields_##i(size_t *n) {                                                 \
        *n = nfields[i];                                                                           \
        return fields[i];                                                                          \
    }
#define SLOTS_10(X, d)                                                                             \
    X(d##0) X(d##1) X(d##2) X(d##3) X(d##4) X(d##5) X(d##6) X(d##7) X(d##8) X(d##9)
SLOT_FIELDS(0)
SLOT_FIELDS(1)
SLOT_FIELDS(2)
SLOT_FIELDS(3)
SLOT_FIELDS(4)
SLOT_FIELDS(5)
SLOT_FIELDS(6)
SLOT_FIELDS(7)
SLOT_FIELDS(8)
SLOT_FIELDS(9)
SLOTS_10(SLOT_FIELDS, 1)
SLOTS_10(SLOT_FIELDS, 2)
SLOTS_10(SLOT_FIELDS, 3)
#define SLOT_PTR(i) fields_##i,
static const cy_field *(*const slot_fields[NSLOTS])(size_t *) = {
    SLOT_PTR(0) SLOT_PTR(1) SLOT_PTR(2) SLOT_PTR(3) SLOT_PTR(4) SLOT_PTR(5) SLOT_PTR(6) SLOT_PTR(7)
        SLOT_PTR(8) SLOT_PTR(9) SLOTS_10(SLOT_PTR, 1) SLOTS_10(SLOT_PTR, 2) SLOTS_10(SLOT_PTR, 3)};

/* ---------------------------------------------------------------------------------------------
 * Names and defaults
 */

static char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static const char *class_of(const char *target) {
    const char *dot = strrchr(target, '.');
    return dot ? dot + 1 : target;
}

/* "torch.optim.adam.Adam" -> "adam": the module torch defines the optimizer in. */
static char *module_of(const char *target) {
    const char *end = strrchr(target, '.');
    const char *start = end;
    while (start > target && start[-1] != '.')
        start--;
    char *s = malloc((size_t)(end - start) + 1);
    if (s) {
        memcpy(s, start, (size_t)(end - start));
        s[end - start] = '\0';
    }
    return s;
}

/* "ReduceLROnPlateau" -> "reduce_lr_on_plateau": a word starts at a capital that follows a
 * lower-case letter or digit, or that precedes a lower-case letter after another capital. */
static char *snake_case(const char *cls) {
    size_t n = strlen(cls);
    char *s = malloc(2 * n + 1), *p = s;
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = cls[i];
        bool up = c >= 'A' && c <= 'Z';
        if (up && i > 0) {
            char prev = cls[i - 1], next = cls[i + 1];
            bool prev_low = (prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9');
            bool prev_up = prev >= 'A' && prev <= 'Z';
            bool next_low = next >= 'a' && next <= 'z';
            if (prev_low || (prev_up && next_low))
                *p++ = '_';
        }
        *p++ = up ? (char)(c - 'A' + 'a') : c;
    }
    *p = '\0';
    return s;
}

/* The YAML default of a field from the default inspect.signature prints: tuples become lists,
 * None null, True/False true/false, 'min' the plain scalar min; required arguments ???. */
static const char *yaml_default(const nn_arg *a) {
    if (a->type == NN_ARG_PARAMS || a->type == NN_ARG_OPTIMIZER || (a->flags & NN_ARG_NODEFAULT) ||
        !a->def || strcmp(a->def, "<required parameter>") == 0)
        return CY_DEF_MISSING;
    if (strcmp(a->def, "None") == 0)
        return CY_DEF_NONE;
    if (strcmp(a->def, "True") == 0)
        return "true";
    if (strcmp(a->def, "False") == 0)
        return "false";
    size_t n = strlen(a->def);
    if (n >= 2 && a->def[0] == '\'' && a->def[n - 1] == '\'') {
        /* a plain scalar (checked to read back as a string when the entry is built) */
        char *s = xstrdup(a->def + 1);
        if (s)
            s[n - 2] = '\0';
        return s;
    }
    if (a->def[0] == '(') {
        char *s = xstrdup(a->def);
        if (!s)
            return NULL;
        s[0] = '[';
        char *close = strrchr(s, ')');
        if (close)
            *close = ']';
        return s;
    }
    return a->def;
}

/* ---------------------------------------------------------------------------------------------
 * From nn errors to Python exceptions
 */

/* libnn's message as the exception torch raises: "TypeError: x" is TypeError('x'), a plain text
 * is a ValueError (torch's ValueError texts carry no prefix), KeyError's quoted key unquoted. */
static int raise_nn(int st, const char *plain_exc) {
    static const char *const known[] = {
        "TypeError",     "ValueError",     "KeyError",    "ZeroDivisionError",
        "OverflowError", "NameError",      "SyntaxError", "IndexError",
        "RuntimeError",  "AttributeError", "MemoryError", NULL,
    };
    const char *msg = nn_error_last();
    if (!msg)
        msg = "";
    if (st == NN_ENOMEM)
        return cy_error_set(CY_ENOMEM, "MemoryError", "%s", msg);
    const char *exc = plain_exc, *rest = msg;
    for (int i = 0; known[i]; i++) {
        size_t n = strlen(known[i]);
        if (strncmp(msg, known[i], n) == 0 && msg[n] == ':' && msg[n + 1] == ' ') {
            exc = known[i];
            rest = msg + n + 2;
            break;
        }
    }
    size_t len = strlen(rest);
    if (strcmp(exc, "KeyError") == 0 && len >= 2 && (rest[0] == '"' || rest[0] == '\'') &&
        rest[len - 1] == rest[0]) {
        /* str(KeyError(k)) is repr(k): take the key back out of its quotes */
        char *k = malloc(len), *p = k;
        if (!k)
            return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
        for (size_t i = 1; i + 1 < len; i++) {
            if (rest[i] == '\\' && i + 2 < len)
                i++;
            *p++ = rest[i];
        }
        *p = '\0';
        int rc = cy_error_set(CY_EINSTANTIATE, exc, "%s", k);
        free(k);
        return rc;
    }
    return cy_error_set(CY_EINSTANTIATE, exc, "%s", rest);
}

/* ---------------------------------------------------------------------------------------------
 * Factories
 */

/* A config value as an nn_value, in call's arena (strings copied: options may keep them). A
 * dict is a nested target's object (a child scheduler). */
static int to_value(nn_value *out, const cy_call *call, const cy_node *n, const char *cls,
                    const char *arg) {
    const cy_node *v;
    int rc = cy_node_resolve(n, &v);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof *out);
    switch (v->kind) {
    case CY_NULL:
        out->kind = NN_VALUE_NONE;
        return 0;
    case CY_BOOL:
        *out = nn_value_bool(v->v.b);
        return 0;
    case CY_INT:
        *out = nn_value_int(v->v.i);
        return 0;
    case CY_FLOAT:
        *out = nn_value_float(v->v.f);
        return 0;
    case CY_STR:
    case CY_ENUM:
        *out = nn_value_str(cy_arena_strdup(call->arena, v->v.str.s));
        return 0;
    case CY_LIST: {
        size_t len = cy_node_len(v);
        nn_value *items = cy_arena_alloc(call->arena, (len ? len : 1) * sizeof *items);
        for (size_t i = 0; i < len; i++)
            if ((rc = to_value(&items[i], call, cy_node_child(v, i), cls, arg)) < 0)
                return rc;
        *out = nn_value_list(items, (int)len);
        return 0;
    }
    case CY_DICT: {
        cy_object *o = cy_call_nested(call, v);
        void *p = o ? cy_object_ptr(o, NN_CATALOG_SCHED) : NULL;
        if (!p)
            return cy_error_set(CY_EINSTANTIATE, "TypeError", "%s: '%s' cannot be a mapping%s", cls,
                                arg, o ? " (only schedulers are objects here)" : "");
        out->kind = NN_VALUE_PTR;
        out->ptr = p;
        return 0;
    }
    default:
        return cy_error_set(CY_EINSTANTIATE, "TypeError", "%s: '%s' has no value", cls, arg);
    }
}

typedef int (*opts_set_fn)(const void *desc, void *opts, const char *name, const nn_value *v);

static int optim_set(const void *d, void *opts, const char *name, const nn_value *v) {
    return nn_optim_opts_set(d, opts, name, v);
}
static int sched_set(const void *d, void *opts, const char *name, const nn_value *v) {
    return nn_sched_opts_set(d, opts, name, v);
}

/* Every argument of the call but the constructor's own (params, optimizer) into opts. */
static int fill_opts(void *opts, const cy_call *call, const nn_arg *args, int nargs,
                     const void *desc, opts_set_fn set, const char *cls) {
    for (int i = 0; i < nargs; i++) {
        if (args[i].type == NN_ARG_PARAMS || args[i].type == NN_ARG_OPTIMIZER)
            continue;
        const cy_arg *a = cy_call_arg(call, args[i].name);
        if (!a)
            continue;
        if (!a->node)
            return cy_error_set(CY_EINSTANTIATE, "TypeError", "%s: '%s' must be a config value",
                                cls, args[i].name);
        nn_value v;
        int rc = to_value(&v, call, a->node, cls, args[i].name);
        if (rc < 0)
            return rc;
        int st = set(desc, opts, args[i].name, &v);
        if (st != NN_OK)
            return raise_nn(st, "TypeError");
    }
    return 0;
}

static void free_optim(void *p) {
    nn_optim_free(p);
}
static void free_sched(void *p) {
    nn_sched_free(p);
}

static int make_optim(cy_object **out, const cy_call *call, void *userdata) {
    const nn_catalog_entry *e = userdata;
    const nn_optim_desc *d = e->optim;
    const char *cls = class_of(d->target);
    void *p;
    int rc = cy_call_ptr(call, "params", NN_CATALOG_PARAMS, &p);
    if (rc < 0)
        return rc;
    const nn_params_ref *pr = p;
    void *opts = cy_arena_alloc(call->arena, d->opts_size);
    nn_optim_opts_init(d, opts);
    if ((rc = fill_opts(opts, call, d->args, d->nargs, d, optim_set, cls)) < 0)
        return rc;
    nn_optim *opt;
    int st = nn_optim_new(&opt, d, pr->params, pr->n, opts);
    if (st != NN_OK)
        return raise_nn(st, "ValueError");
    if (!(*out = cy_object_new(NN_CATALOG_OPTIM, opt, free_optim))) {
        nn_optim_free(opt);
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    }
    return 0;
}

static int make_sched(cy_object **out, const cy_call *call, void *userdata) {
    const nn_catalog_entry *e = userdata;
    const nn_sched_desc *d = e->sched;
    const char *cls = class_of(d->target);
    nn_optim *opt = NULL;
    int rc;
    if (cy_call_arg(call, "optimizer") &&
        (rc = cy_call_object(call, "optimizer", NN_CATALOG_OPTIM, (void **)&opt)) < 0)
        return rc;
    void *opts = cy_arena_alloc(call->arena, d->opts_size);
    nn_sched_opts_init(d, opts);
    if ((rc = fill_opts(opts, call, d->args, d->nargs, d, sched_set, cls)) < 0)
        return rc;
    nn_sched *s;
    int st = nn_sched_new(&s, d, opt, opts);
    if (st != NN_OK)
        return raise_nn(st, "ValueError");
    /* SequentialLR and ChainedScheduler now own their children's schedulers */
    const cy_arg *kids = cy_call_arg(call, "schedulers");
    const cy_node *list;
    if (kids && kids->items && kids->node && cy_node_resolve(kids->node, &list) == 0)
        for (size_t i = 0; i < cy_node_len(list); i++)
            if (kids->items[i])
                cy_object_take(kids->items[i], NN_CATALOG_SCHED);
    if (!(*out = cy_object_new(NN_CATALOG_SCHED, s, free_sched))) {
        nn_sched_free(s);
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Building the catalogue
 */

static int add_entry(nn_catalog_kind kind, const char *target, const char *alias,
                     const nn_arg *args, int nargs, const void *desc) {
    if (count == NSLOTS)
        return cy_error_set(CY_ELIMIT, "RuntimeError",
                            "the catalogue has room for %d classes; raise NSLOTS in catalog.c",
                            NSLOTS);
    size_t i = count;
    nn_catalog_entry *e = &entries[i];
    const char *cls = class_of(target);
    char *conf = malloc(strlen(cls) + 5);
    char *option = kind == NN_CATALOG_OPTIMIZER ? module_of(target) : snake_case(cls);
    char *help = malloc(strlen(target) + 64);
    cy_field *f = calloc((size_t)nargs + 1, sizeof *f);
    if (!conf || !option || !help || !f) {
        free(conf);
        free(option);
        free(help);
        free(f);
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory building the catalogue");
    }
    sprintf(conf, "%sConf", cls);
    sprintf(help, "%s's arguments (torch 1.13)", target);

    /* _target_, then the signature; each field is a const cy_node * slot when bound */
    f[0] = (cy_field){"_target_", {.tag = CY_T_STR}, target, "the class instantiate() builds",
                      0,          CY_BIND_STR};
    for (int k = 0; k < nargs; k++) {
        const char *def = yaml_default(&args[k]);
        if (!def)
            return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory building the catalogue");
        f[k + 1] = (cy_field){args[k].name, {.tag = CY_T_ANY, .optional = true}, def,
                              args[k].help, (size_t)(k + 1) * sizeof(void *),    CY_BIND_NODE};
    }
    fields[i] = f;
    nfields[i] = (size_t)nargs + 1;
    types[i] = (cy_type){.tag = CY_T_STRUCT, .schema = &schemas[i]};
    schemas[i] =
        (cy_schema){conf, help, ((size_t)nargs + 1) * sizeof(void *), &types[i], slot_fields[i]};
    aliases[i][0] = alias;
    aliases[i][1] = NULL;
    targets[i] = (cy_target){target, alias ? aliases[i] : NULL, &schemas[i],
                             kind == NN_CATALOG_OPTIMIZER ? make_optim : make_sched, e};
    *e =
        (nn_catalog_entry){kind, option, conf, target, alias, NULL, NULL, &schemas[i], &targets[i]};
    if (kind == NN_CATALOG_OPTIMIZER)
        e->optim = desc;
    else
        e->sched = desc;

    /* every default must read back as YAML (a describe table with a default we cannot express
     * is a bug to catch at start-up, not when a user instantiates) */
    cy_arena *a = cy_arena_new();
    if (!a)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    cy_node *node;
    int rc = cy_schema_instantiate(&node, a, &schemas[i]);
    for (int k = 0; rc == 0 && k < nargs; k++) {
        const char *d = args[k].def;
        const cy_node *v = cy_dict_get(node, args[k].name);
        if (d && d[0] == '\'' && (!v || v->kind != CY_STR))
            rc = cy_error_set(CY_ERROR, "ValueError",
                              "the default %s of %s's %s does not read back as a string", d, conf,
                              args[k].name);
    }
    cy_arena_free(a);
    if (rc < 0)
        return cy_error_wrap("catalogue entry %s", conf);
    if ((rc = cy_target_register(&targets[i])) < 0)
        return rc;
    count++;
    return 0;
}

static void build(void) {
    for (int i = 0; nn_optim_descs[i]; i++) {
        const nn_optim_desc *d = nn_optim_descs[i];
        if ((init_status =
                 add_entry(NN_CATALOG_OPTIMIZER, d->target, d->alias, d->args, d->nargs, d)) < 0)
            return;
    }
    for (int i = 0; nn_sched_descs[i]; i++) {
        const nn_sched_desc *d = nn_sched_descs[i];
        if ((init_status = add_entry(NN_CATALOG_SCHEDULER, d->target, NULL, d->args, d->nargs, d)) <
            0)
            return;
    }
}

int nn_catalog_init(void) {
    pthread_once(&once, build);
    if (init_status < 0 && cy_error_last()->code == 0)
        cy_error_set(init_status, "RuntimeError", "the catalogue could not be built");
    return init_status;
}

size_t nn_catalog_count(void) {
    return init_status < 0 ? 0 : count;
}

const nn_catalog_entry *nn_catalog_at(size_t i) {
    return i < nn_catalog_count() ? &entries[i] : NULL;
}

const nn_catalog_entry *nn_catalog_find(const char *name) {
    if (!name)
        return NULL;
    for (size_t i = 0; i < nn_catalog_count(); i++) {
        const nn_catalog_entry *e = &entries[i];
        if (strcmp(e->option, name) == 0 || strcmp(e->conf_name, name) == 0 ||
            strcmp(e->target, name) == 0 || (e->alias && strcmp(e->alias, name) == 0))
            return e;
    }
    return NULL;
}

int nn_catalog_make_optim(cy_object **out, const cy_node *cfg, nn_param *params, int n) {
    int rc = nn_catalog_init();
    if (rc < 0)
        return rc;
    nn_params_ref pr = {params, n};
    cy_arg a[] = {NN_CATALOG_PARAMS_ARG(&pr)};
    /* the factory copies what it needs from pr before returning */
    return cy_instantiate(out, cfg, a, 1);
}

int nn_catalog_make_sched(cy_object **out, const cy_node *cfg, nn_optim *opt) {
    int rc = nn_catalog_init();
    if (rc < 0)
        return rc;
    cy_arg a[] = {NN_CATALOG_OPTIMIZER_ARG(opt)};
    return cy_instantiate(out, cfg, a, 1);
}

int nn_catalog_yaml(char **out, const nn_catalog_entry *e, const char *overrides) {
    *out = NULL;
    cy_arena *a = cy_arena_new();
    if (!a)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    cy_node *node, *over = NULL;
    char *body = NULL;
    int rc = cy_schema_instantiate(&node, a, e->schema);
    if (rc == 0 && overrides && *overrides &&
        (rc = cy_yaml_load_str(&over, a, overrides, strlen(overrides), "overrides", NULL)) == 0)
        rc = cy_merge(node, over);
    if (rc == 0)
        rc = cy_yaml_emit(&body, node, 0);
    if (rc == 0) {
        const char *what = e->alias ? e->alias : e->target;
        const char *fmt = "# %s: %s, with torch 1.13's defaults.\n"
                          "# Generated from libnn's catalogue (nn/catalog.h) by\n"
                          "# build/optim-trace --write-conf-groups; do not edit.\n%s%s%s";
        const char *over_note = over ? "# Set here (torch has no default): " : "";
        char *flat = NULL;
        if (over) {
            /* the overrides on one line, for the header */
            flat = xstrdup(overrides);
            for (char *p = flat; p && *p; p++)
                if (*p == '\n')
                    *p = ' ';
        }
        int n = snprintf(NULL, 0, fmt, e->conf_name, what, over_note, flat ? flat : "",
                         over ? "\n" : "");
        size_t total = (size_t)n + strlen(body) + 1;
        *out = malloc(total);
        if (*out) {
            snprintf(*out, total, fmt, e->conf_name, what, over_note, flat ? flat : "",
                     over ? "\n" : "");
            strcat(*out, body);
        } else {
            rc = cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
        }
        free(flat);
    }
    free(body);
    cy_arena_free(a);
    return rc;
}
