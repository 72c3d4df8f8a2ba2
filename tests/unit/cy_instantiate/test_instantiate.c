/*
 * test_instantiate.c - cy_instantiate beyond what Hydra's golden cases cover: caller-supplied
 * pointers, call-time arguments offered to nested targets, ownership and free order, partial
 * objects, the registry and the factory-facing readers. (test_instantiate_golden.c compares with
 * Hydra itself.)
 */
#include "harness.h"
#include "twins.h"

#include "cydra/yaml.h"

static cy_arena *arena;

static const cy_node *yaml(const char *src) {
    cy_node *n;
    if (cy_yaml_load_str(&n, arena, src, strlen(src), NULL, NULL) < 0) {
        fprintf(stderr, "bad YAML in the test: %s\n", src);
        abort();
    }
    return n;
}

static const cy_node *at(const cy_node *root, const char *key) {
    const cy_node *n = NULL;
    cy_select(root, key, &n, 0);
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Targets that use caller-supplied pointers, like the optimizer/scheduler catalogue does
 */

/* The free order, recorded by the destroy functions. */
static char freed[256];

static void note_free(void *p) {
    strncat(freed, (const char *)p, sizeof freed - strlen(freed) - 1);
    strncat(freed, ";", sizeof freed - strlen(freed) - 1);
    free(p);
}

/* opt(params, lr=0.1): params must be supplied by the caller as "int_array". */
static int make_opt(cy_object **out, const cy_call *call, void *ud) {
    void *params;
    double lr;
    int rc;
    if ((rc = cy_call_ptr(call, "params", "int_array", &params)) < 0 ||
        (rc = cy_call_float(call, "lr", &lr)) < 0)
        return rc;
    char *s = malloc(64);
    snprintf(s, 64, "opt(%d, lr=%g)", *(int *)params, lr);
    *out = cy_object_new("opt", s, note_free);
    return 0;
}

/* sched(optimizer, step=1): optimizer is an "opt" object or pointer. */
static int make_sched(cy_object **out, const cy_call *call, void *ud) {
    void *opt;
    int64_t step;
    int rc;
    if ((rc = cy_call_object(call, "optimizer", "opt", &opt)) < 0 ||
        (rc = cy_call_int(call, "step", &step)) < 0)
        return rc;
    char *s = malloc(128);
    snprintf(s, 128, "sched(%s, step=%lld)", (const char *)opt, (long long)step);
    *out = cy_object_new("sched", s, note_free);
    return 0;
}

/* chain(schedulers): takes the children's pointers (as ChainedScheduler owns its children). */
typedef struct chain {
    char *text;
    char *kids[8];
    int n;
} chain;

static void free_chain(void *p) {
    chain *c = p;
    for (int i = 0; i < c->n; i++)
        note_free(c->kids[i]);
    note_free(c->text);
    free(c);
}

static int make_chain(cy_object **out, const cy_call *call, void *ud) {
    const cy_arg *a = cy_call_arg(call, "schedulers");
    const cy_node *list;
    if (!a || !a->node || cy_node_resolve(a->node, &list) < 0 || list->kind != CY_LIST)
        return cy_error_set(CY_ERROR, "TypeError", "schedulers must be a list");
    chain *c = calloc(1, sizeof *c);
    c->text = malloc(256);
    strcpy(c->text, "chain[");
    for (size_t i = 0; i < cy_node_len(list); i++) {
        if (!a->items || !a->items[i]) {
            free(c->text);
            free(c);
            return cy_error_set(CY_ERROR, "TypeError", "schedulers[%zu] is not a scheduler", i);
        }
        /* the same object through both ways of finding it */
        const cy_node *item;
        cy_node_resolve(cy_node_child(list, i), &item);
        CHECK(cy_call_nested(call, item) == a->items[i]);
        c->kids[c->n] = cy_object_take(a->items[i], "sched");
        strcat(c->text, c->n ? "," : "");
        strcat(c->text, c->kids[c->n++]);
    }
    strcat(c->text, "]");
    *out = cy_object_new("chain", c, free_chain);
    return 0;
}

#define OPT_SIG(X) X(ANY, params, CY_DEF_MISSING, "params") X(ANY, lr, "0.1", "lr")
CY_STRUCT(OptSig, OPT_SIG)
CY_SCHEMA(OptSig, OPT_SIG, "opt(params, lr=0.1)")
#define SCHED_SIG(X) X(ANY, optimizer, CY_DEF_MISSING, "optimizer") X(ANY, step, "1", "step")
CY_STRUCT(SchedSig, SCHED_SIG)
CY_SCHEMA(SchedSig, SCHED_SIG, "sched(optimizer, step=1)")
#define CHAIN_SIG(X) X(ANY, schedulers, CY_DEF_MISSING, "schedulers")
CY_STRUCT(ChainSig, CHAIN_SIG)
CY_SCHEMA(ChainSig, CHAIN_SIG, "chain(schedulers)")

static const char *const opt_aliases[] = {"t.Opt", NULL};
static const cy_target t_opt = {"t.opt.Opt", opt_aliases, &OptSig_schema, make_opt, NULL};
static const cy_target t_sched = {"t.Sched", NULL, &SchedSig_schema, make_sched, NULL};
static const cy_target t_chain = {"t.Chain", NULL, &ChainSig_schema, make_chain, NULL};

static int params_value = 7;

static void test_ptr_args(void) {
    const cy_node *root = yaml("{o: {_target_: t.Opt, lr: 0.5, params: \"???\"}}");
    cy_arg extra[] = {CY_ARG_PTR("params", "int_array", &params_value)};
    cy_object *o;
    CHECK(cy_instantiate(&o, at(root, "o"), extra, 1) == 0);
    CHECK_STREQ(cy_object_ptr(o, "opt"), "opt(7, lr=0.5)");
    CHECK(cy_object_ptr(o, "sched") == NULL);
    CHECK_STREQ(cy_object_tag(o), "opt");
    CHECK(cy_object_target(o) == &t_opt);
    CHECK(!cy_object_is_partial(o));
    cy_object_free(o);

    /* a pointer of the wrong type is the factory's error, wrapped as Hydra wraps it */
    cy_arg wrong[] = {CY_ARG_PTR("params", "float_array", &params_value)};
    CHECK(cy_instantiate(&o, at(root, "o"), wrong, 1) == CY_EINSTANTIATE);
    CHECK_STREQ(cy_error_last()->msg,
                "Error in call to target 't.opt.Opt':\nTypeError(\"argument 'params' must be "
                "supplied by the caller as int_array\")\nfull_key: o");
    /* not given at all: the config's ??? */
    CHECK(cy_instantiate(&o, at(root, "o"), NULL, 0) == CY_EMISSING);
    CHECK_STREQ(cy_error_last()->msg, "Missing mandatory value: o.params");
}

static void test_offer_to_nested(void) {
    const cy_node *root = yaml("{c: {_target_: t.Chain, schedulers: ["
                               "{_target_: t.Sched, step: 2}, "
                               "{_target_: t.Sched, optimizer: \"???\", step: 3}]}, "
                               "s: {_target_: t.Sched, optimizer: {_target_: t.Opt, lr: 0.2}}, "
                               "p: {x: {_target_: t.Sched}}, q: {x: 1}}");
    cy_object *opt;
    cy_arg pa[] = {CY_ARG_PTR("params", "int_array", &params_value)};
    CHECK(cy_instantiate(&opt, yaml("{_target_: t.Opt}"), pa, 1) == 0);

    /* chain has no `optimizer`: its children take it, so it is no unexpected keyword */
    cy_arg extra[] = {CY_ARG_OBJECT("optimizer", opt)};
    cy_object *c;
    freed[0] = '\0';
    CHECK(cy_instantiate(&c, at(root, "c"), extra, 1) == 0);
    chain *ch = cy_object_ptr(c, "chain");
    CHECK(ch && ch->n == 2);
    if (ch)
        CHECK_STREQ(ch->text, "chain[sched(opt(7, lr=0.1), step=2),sched(opt(7, lr=0.1), step=3)]");
    cy_object_free(c);
    /* the chain freed its children (taken from their objects) and itself, nothing twice */
    CHECK_STREQ(freed, "sched(opt(7, lr=0.1), step=2);sched(opt(7, lr=0.1), step=3);chain[sched("
                       "opt(7, lr=0.1), step=2),sched(opt(7, lr=0.1), step=3)];");

    /* a nested optimizer takes params from the scheduler's call; freed after the scheduler */
    cy_object *s;
    freed[0] = '\0';
    CHECK(cy_instantiate(&s, at(root, "s"), pa, 1) == 0);
    CHECK_STREQ(cy_object_ptr(s, "sched"), "sched(opt(7, lr=0.2), step=1)");
    CHECK(cy_object_nested(s, at(root, "s.optimizer")) != NULL);
    cy_object_free(s);
    CHECK_STREQ(freed, "sched(opt(7, lr=0.2), step=1);opt(7, lr=0.2);");

    /* nobody takes it: Python's TypeError at the top target */
    cy_arg junk[] = {CY_ARG_PTR("params", "int_array", &params_value),
                     CY_ARG_PTR("junk", "int_array", &params_value)};
    CHECK(cy_instantiate(&s, at(root, "s"), junk, 2) == CY_EINSTANTIATE);
    CHECK(strstr(cy_error_last()->msg, "unexpected keyword argument 'junk'") != NULL);

    /* a config without _target_ passes it to the targets inside */
    cy_object *p;
    CHECK(cy_instantiate(&p, at(root, "p"), extra, 1) == 0);
    CHECK_STREQ(cy_object_tag(p), CY_OBJECT_CONFIG);
    CHECK(cy_object_ptr(p, CY_OBJECT_CONFIG) == at(root, "p"));
    cy_object *x = cy_object_nested(p, at(root, "p.x"));
    CHECK(x && strcmp(cy_object_ptr(x, "sched"), "sched(opt(7, lr=0.1), step=1)") == 0);
    cy_object_free(p);
    CHECK(cy_instantiate(&p, at(root, "q"), extra, 1) == CY_EINSTANTIATE);
    CHECK_STREQ(cy_error_last()->msg,
                "No target in the config takes the call-time argument 'optimizer'");
    cy_object_free(opt);
}

static void test_explicit_value_not_replaced(void) {
    /* a child that names its own optimizer keeps it: only ??? or left-out arguments are filled;
     * an argument that no target takes is an error even when a nested target took another */
    const cy_node *root = yaml("{c: {_target_: t.Chain, schedulers: ["
                               "{_target_: t.Sched, optimizer: {_target_: t.Opt, lr: 0.9}}]}}");
    cy_object *opt, *c;
    cy_arg pa[] = {CY_ARG_PTR("params", "int_array", &params_value)};
    CHECK(cy_instantiate(&opt, yaml("{_target_: t.Opt, lr: 0.3}"), pa, 1) == 0);
    cy_arg both[] = {CY_ARG_OBJECT("optimizer", opt),
                     CY_ARG_PTR("params", "int_array", &params_value)};
    CHECK(cy_instantiate(&c, at(root, "c"), both, 2) == CY_EINSTANTIATE);
    CHECK(strstr(cy_error_last()->msg, "Chain.__init__() got an unexpected keyword argument "
                                       "'optimizer'") != NULL);
    CHECK(cy_instantiate(&c, at(root, "c"), both + 1, 1) == 0);
    chain *ch = cy_object_ptr(c, "chain");
    if (ch)
        CHECK_STREQ(ch->text, "chain[sched(opt(7, lr=0.9), step=1)]");
    cy_object_free(c);
    cy_object_free(opt);
}

static void test_partial(void) {
    const cy_node *root = yaml("{o: {_target_: t.opt.Opt, _partial_: true, lr: 0.25}}");
    cy_object *p, *o1, *o2;
    CHECK(cy_instantiate(&p, at(root, "o"), NULL, 0) == 0);
    CHECK(cy_object_is_partial(p));
    CHECK_STREQ(cy_object_tag(p), "partial");
    CHECK(cy_object_target(p) == &t_opt);
    int other = 9;
    cy_arg a1[] = {CY_ARG_PTR("params", "int_array", &params_value)};
    cy_arg a2[] = {CY_ARG_PTR("params", "int_array", &other), CY_ARG_NODE("lr", yaml("{v: 1}"))};
    CHECK(cy_object_call(&o1, p, a1, 1) == 0);
    CHECK(cy_object_call(&o2, p, a2, 1) == 0);
    CHECK_STREQ(cy_object_ptr(o1, "opt"), "opt(7, lr=0.25)");
    CHECK_STREQ(cy_object_ptr(o2, "opt"), "opt(9, lr=0.25)");
    cy_object_free(o1);
    cy_object_free(o2);
    /* missing params at call time: the factory's error, bare (as calling a partial raises) */
    CHECK(cy_object_call(&o1, p, NULL, 0) < 0);
    CHECK_STREQ(cy_error_last()->exc, "TypeError");
    CHECK_STREQ(cy_error_last()->msg, "Opt.__init__() missing 1 required positional argument: "
                                      "'params'");
    /* a keyword the signature lacks, with a hint */
    cy_arg bad[] = {CY_ARG_NODE("lrr", at(yaml("{v: 1}"), "v"))};
    CHECK(cy_object_call(&o1, p, bad, 1) == CY_EINSTANTIATE);
    CHECK_STREQ(cy_error_last()->msg,
                "Opt.__init__() got an unexpected keyword argument 'lrr'\nDid you mean 'lr'?");
    cy_object_free(p);

    /* only partial objects can be called */
    cy_object *o;
    CHECK(cy_instantiate(&o, yaml("{_target_: catalog_targets.Point, x: 1}"), NULL, 0) == 0);
    CHECK(cy_object_call(&o1, o, NULL, 0) == CY_EINSTANTIATE);
    CHECK_STREQ(cy_error_last()->msg, "'rec' object is not callable");
    CHECK(cy_object_call(&o1, NULL, NULL, 0) == CY_EINSTANTIATE);
    cy_object_free(o);
}

static void test_partial_nested_objects(void) {
    /* nested targets are built when the partial is made; each call borrows them */
    const cy_node *root = yaml("{_target_: t.Sched, _partial_: true, "
                               "optimizer: {_target_: t.Opt}}");
    cy_object *p, *a, *b;
    int three = 3;
    cy_arg pa[] = {CY_ARG_PTR("params", "int_array", &three)};
    freed[0] = '\0';
    CHECK(cy_instantiate(&p, root, pa, 1) == 0);
    CHECK(cy_object_call(&a, p, NULL, 0) == 0);
    CHECK(cy_object_call(&b, p, NULL, 0) == 0);
    CHECK_STREQ(cy_object_ptr(a, "sched"), "sched(opt(3, lr=0.1), step=1)");
    cy_object_free(a);
    cy_object_free(b);
    CHECK_STREQ(freed, "sched(opt(3, lr=0.1), step=1);sched(opt(3, lr=0.1), step=1);");
    cy_object_free(p);
    CHECK_STREQ(freed, "sched(opt(3, lr=0.1), step=1);sched(opt(3, lr=0.1), step=1);opt(3, "
                       "lr=0.1);");
}

/* ---------------------------------------------------------------------------------------------
 * Registry, readers, edge cases
 */

static int no_object(cy_object **out, const cy_call *call, void *ud) {
    return 0; /* forgets both the object and an error */
}
static int silent_fail(cy_object **out, const cy_call *call, void *ud) {
    return -1; /* an error code without cy_error_set */
}
static int reads(cy_object **out, const cy_call *call, void *ud) {
    int64_t i;
    double f;
    bool b;
    const char *s;
    void *p;
    int rc;
    if ((rc = cy_call_int(call, "a", &i)) < 0 || (rc = cy_call_float(call, "b", &f)) < 0 ||
        (rc = cy_call_bool(call, "c", &b)) < 0 || (rc = cy_call_str(call, "d", &s)) < 0)
        return rc;
    CHECK(cy_call_arg(call, "nosuch") == NULL);
    CHECK(cy_call_int(call, "nosuch", &i) < 0);
    CHECK(cy_call_ptr(call, "nosuch", "x", &p) < 0);
    CHECK(cy_call_object(call, "a", "x", &p) < 0);
    CHECK(cy_call_nested(call, call->config) == NULL);
    char *t = malloc(96);
    snprintf(t, 96, "%lld %g %d %s", (long long)i, f, (int)b, s);
    *out = cy_object_new("reads", t, free);
    return 0;
}

#define READS_SIG(X)                                                                               \
    X(ANY, a, "1", "a") X(ANY, b, "2.5", "b") X(ANY, c, "true", "c") X(ANY, d, "text", "d")
CY_STRUCT(ReadsSig, READS_SIG)
CY_SCHEMA(ReadsSig, READS_SIG, "reads(a=1, b=2.5, c=True, d='text')")

static const cy_target t_none = {"t.none", NULL, NULL, no_object, NULL};
static const cy_target t_silent = {"t.silent", NULL, NULL, silent_fail, NULL};
static const cy_target t_reads = {"t.reads", NULL, &ReadsSig_schema, reads, NULL};
static const char *const shadow_aliases[] = {"t.Sched", "t.shadow2", NULL};
static const cy_target t_shadow = {"t.shadow", shadow_aliases, NULL, no_object, NULL};

static void test_registry(void) {
    size_t n0 = cy_target_count();
    CHECK(cy_target_register(&t_none) == 0);
    CHECK(cy_target_register(&t_none) == 0); /* the same name replaces */
    CHECK_EQ_INT(cy_target_count(), n0 + 1);
    CHECK(cy_target_at(n0) == &t_none);
    CHECK(cy_target_at(n0 + 1) == NULL);
    cy_target bad = {NULL, NULL, NULL, no_object, NULL};
    CHECK(cy_target_register(&bad) < 0);
    bad.name = "";
    CHECK(cy_target_register(&bad) < 0);
    bad.name = "t.nofactory";
    bad.create = NULL;
    CHECK(cy_target_register(&bad) < 0);
    CHECK(cy_target_register(NULL) < 0);
    /* names win over aliases */
    CHECK(cy_target_register(&t_shadow) == 0);
    CHECK(cy_target_find("t.Sched") == &t_sched);
    CHECK(cy_target_find("t.shadow2") == &t_shadow);
    CHECK(cy_target_find("t.Opt") == &t_opt);
    CHECK(cy_target_find("t.opt.Opt") == &t_opt);
    CHECK(cy_target_find("t.nope") == NULL);
    CHECK(cy_target_find(NULL) == NULL);
}

static void test_factory_contract(void) {
    cy_target_register(&t_silent);
    cy_target_register(&t_reads);
    cy_object *o;
    CHECK(cy_instantiate(&o, yaml("{_target_: t.none}"), NULL, 0) == CY_EINSTANTIATE);
    CHECK_STREQ(cy_error_last()->msg, "Error in call to target 't.none':\nRuntimeError(\"the "
                                      "factory of 't.none' returned no object\")");
    CHECK(cy_instantiate(&o, yaml("{_target_: t.silent}"), NULL, 0) == CY_EINSTANTIATE);
    CHECK(strstr(cy_error_last()->msg, "RuntimeError(") != NULL);

    CHECK(cy_instantiate(&o, yaml("{_target_: t.reads, d: ok}"), NULL, 0) == 0);
    CHECK_STREQ(cy_object_ptr(o, "reads"), "1 2.5 1 ok");
    cy_object_free(o);
    /* a reader's conversion error is the factory's, wrapped with its class */
    const cy_node *root = yaml("{r: {_target_: t.reads, a: abc}}");
    CHECK(cy_instantiate(&o, at(root, "r"), NULL, 0) == CY_EINSTANTIATE);
    CHECK_STREQ(cy_error_last()->msg,
                "Error in call to target 't.reads':\nValidationError(\"Value 'abc' of type 'str' "
                "could not be converted to Integer\")\nfull_key: r");
    CHECK(strstr(cy_error_last()->msg, "\nfull_key: r") != NULL);
}

static void test_edges(void) {
    cy_object *o = (cy_object *)1;
    CHECK(cy_instantiate(&o, NULL, NULL, 0) == 0);
    CHECK(o == NULL);
    cy_arg noname[] = {{NULL, NULL, NULL, NULL, NULL, NULL}};
    CHECK(cy_instantiate(&o, yaml("{_target_: t.Opt}"), noname, 1) < 0);
    /* an interpolation to a target */
    const cy_node *root =
        yaml("{a: {_target_: catalog_targets.Point, x: 1}, b: '${a}', c: '${nope}'}");
    CHECK(cy_instantiate(&o, at(root, "b"), NULL, 0) == 0);
    CHECK_STREQ(cy_object_ptr(o, "rec"), "Point(x=1, y=2)");
    cy_object_free(o);
    CHECK(cy_instantiate(&o, cy_dict_get(root, "c"), NULL, 0) == CY_EINTERP);
    /* an empty list: a config object owning nothing */
    CHECK(cy_instantiate(&o, yaml("{l: []}"), NULL, 0) == 0);
    CHECK_STREQ(cy_object_tag(o), CY_OBJECT_CONFIG);
    cy_object_free(o);
    /* NULL-safe accessors */
    cy_object_free(NULL);
    CHECK(cy_object_ptr(NULL, "x") == NULL);
    CHECK(cy_object_tag(NULL) == NULL);
    CHECK(!cy_object_is_partial(NULL));
    CHECK(cy_object_target(NULL) == NULL);
    CHECK(cy_object_nested(NULL, root) == NULL);
    CHECK(cy_object_take(NULL, "x") == NULL);
    /* take leaves a wrong tag alone */
    cy_object *w = cy_object_new("a", strdup("x"), free);
    CHECK(cy_object_take(w, "b") == NULL);
    CHECK(cy_object_ptr(w, "a") != NULL);
    cy_object_free(w);
}

static void test_hydra_full_key_of_list_items(void) {
    /* Hydra names a list item's node without brackets (node._get_full_key(None)) */
    const cy_node *root = yaml("[{_target_: t.silent}, {_target_: t.silent}, "
                               "{l: [[{_target_: t.silent}]]}]");
    cy_object *o;
    CHECK(cy_instantiate(&o, cy_node_child(root, 0), NULL, 0) < 0);
    CHECK(strstr(cy_error_last()->msg, "full_key") == NULL);
    CHECK(cy_instantiate(&o, cy_node_child(root, 1), NULL, 0) < 0);
    CHECK(strstr(cy_error_last()->msg, "\nfull_key: 1") != NULL);
    CHECK(cy_instantiate(&o, root, NULL, 0) < 0); /* the first item fails first */
    CHECK(cy_instantiate(&o, cy_node_child(root, 2), NULL, 0) < 0);
    CHECK(strstr(cy_error_last()->msg, "\nfull_key: [2].l[0]0") != NULL);
}

int main(void) {
    arena = cy_arena_new();
    if (tw_register() < 0 || cy_target_register(&t_opt) < 0 || cy_target_register(&t_sched) < 0 ||
        cy_target_register(&t_chain) < 0)
        return 1;
    RUN(test_ptr_args);
    RUN(test_offer_to_nested);
    RUN(test_explicit_value_not_replaced);
    RUN(test_partial);
    RUN(test_partial_nested_objects);
    RUN(test_registry);
    RUN(test_factory_contract);
    RUN(test_edges);
    RUN(test_hydra_full_key_of_list_items);
    cy_arena_free(arena);
    return harness_summary();
}
