/*
 * test_merge.c - merges and updates as Hydra uses them on a structured config (the tutorial's
 * MNISTConf shape), with OmegaConf 2.2's results and messages checked by hand against
 * python3-omegaconf. The generated comparison is test_merge_golden.
 */
#include "harness.h"

#include "cydra/config/node_internal.h"
#include "cydra/node.h"
#include "cydra/schema.h"

static cy_arena *A;

extern const cy_schema Adadelta_schema, MNIST_schema;
static const cy_type Adadelta_type = {.tag = CY_T_STRUCT, .schema = &Adadelta_schema};
static const cy_type opt_adadelta_t = {
    .tag = CY_T_STRUCT, .optional = true, .schema = &Adadelta_schema};
static const cy_type MNIST_type = {.tag = CY_T_STRUCT, .schema = &MNIST_schema};

#define FIELD(n, d, ...)                                                                           \
    { .name = n, .type = __VA_ARGS__, .def = d, .help = n, .bind = CY_BIND_NODE }

static const cy_field *adadelta_fields(size_t *count) {
    static const cy_field f[] = {
        FIELD("_target_", "torch.optim.adadelta.Adadelta", {.tag = CY_T_STR}),
        FIELD("params", CY_DEF_MISSING, {.tag = CY_T_ANY, .optional = true}),
        FIELD("lr", "1.0", {.tag = CY_T_ANY, .optional = true}),
        FIELD("rho", "0.9", {.tag = CY_T_ANY, .optional = true}),
    };
    *count = sizeof f / sizeof f[0];
    return f;
}

static const cy_field *mnist_fields(size_t *count) {
    static const cy_field f[] = {
        FIELD("batch_size", "64", {.tag = CY_T_INT}),
        FIELD("epochs", "14", {.tag = CY_T_INT}),
        FIELD("no_cuda", "false", {.tag = CY_T_BOOL}),
        FIELD("checkpoint_name", "unnamed.pt", {.tag = CY_T_STR}),
        FIELD("adadelta", NULL, {.tag = CY_T_STRUCT, .schema = &Adadelta_schema}),
        FIELD("opt", CY_DEF_NONE,
              {.tag = CY_T_STRUCT, .optional = true, .schema = &Adadelta_schema}),
        FIELD("extra", CY_DEF_MISSING, {.tag = CY_T_DICT, .elem = &Adadelta_type}),
        FIELD("tags", CY_DEF_MISSING, {.tag = CY_T_LIST, .elem = &cy_type_str}),
    };
    *count = sizeof f / sizeof f[0];
    return f;
}

const cy_schema Adadelta_schema = {"AdadeltaConf", "adadelta", 0, &Adadelta_type, adadelta_fields};
const cy_schema MNIST_schema = {"MNISTConf", "mnist", 0, &MNIST_type, mnist_fields};

/* OmegaConf.structured(MNISTConf): a root of declared type Any holding an MNISTConf. */
static cy_node *structured(void) {
    cy_node *c;
    if (cy_schema_instantiate(&c, A, &MNIST_schema) < 0) {
        harness_fail(__FILE__, __LINE__, "instantiate: %s", cy_error_last()->msg);
        return cy_new_dict(A);
    }
    cy_node_set_type(c, &cy_type_any);
    return c;
}

/* {k: v} with v a plain value */
static cy_node *dict1(const char *k, cy_node *v) {
    cy_node *d = cy_new_dict(A);
    cy_dict_put(d, k, v);
    return d;
}

static const char *merged(const cy_node *a, const cy_node *b) {
    const cy_node *cfgs[2] = {a, b};
    cy_node *out;
    cy_error_clear();
    if (cy_merge_new(&out, A, cfgs, 2) < 0) {
        char *t = cy_error_text(cy_error_last());
        const char *r = cy_arena_printf(A, "%s: %s", cy_error_last()->exc, t);
        free(t);
        return r;
    }
    return cy_node_pystr(out);
}

static const char *errtext(void) {
    char *t = cy_error_text(cy_error_last());
    const char *r = cy_arena_printf(A, "%s: %s", cy_error_last()->exc, t);
    free(t);
    return r;
}

#define DEFAULT_ADADELTA                                                                           \
    "{'_target_': 'torch.optim.adadelta.Adadelta', 'params': '??"                                  \
    "?', 'lr': 1.0, 'rho': 0.9}"

static void test_instantiate(void) {
    cy_node *c = structured();
    CHECK_STREQ(cy_node_pystr(c), "{'batch_size': 64, 'epochs': 14, 'no_cuda': False, "
                                  "'checkpoint_name': 'unnamed.pt', 'adadelta': " DEFAULT_ADADELTA
                                  ", 'opt': None, 'extra': '??"
                                  "?', 'tags': '??"
                                  "?'}");
    CHECK(cy_node_is_typed(c));
    CHECK_STREQ(cy_node_type_name(c), "MNISTConf");
    cy_node *opt = cy_dict_get(c, "opt");
    CHECK(opt->kind == CY_NULL && opt->container == CY_DICT && opt->type->optional);
    CHECK(!cy_node_is_typed(opt));
}

static void test_merge_scalars(void) {
    cy_node *c = structured();
    cy_node *src = cy_new_dict(A);
    cy_dict_put(src, "epochs", cy_new_str(A, "3"));
    cy_dict_put(src, "no_cuda", cy_new_str(A, "yes"));
    cy_dict_put(src, "checkpoint_name", cy_new_float(A, 1e-3));
    CHECK_STREQ(merged(c, src), "{'batch_size': 64, 'epochs': 3, 'no_cuda': True, "
                                "'checkpoint_name': '0.001', 'adadelta': " DEFAULT_ADADELTA
                                ", 'opt': None, 'extra': '??"
                                "?', 'tags': '??"
                                "?'}");
    CHECK_STREQ(merged(c, dict1("epochs", cy_new_str(A, "abc"))),
                "ValidationError: Value 'abc' of type 'str' could not be converted to Integer\n"
                "    full_key: epochs\n    object_type=MNISTConf");
    CHECK_STREQ(merged(c, dict1("foo", cy_new_int(A, 1))),
                "ConfigKeyError: Key 'foo' not in 'MNISTConf'\n    full_key: foo\n"
                "    object_type=MNISTConf");
    /* ??? in the source never overwrites; an interpolation does */
    CHECK_STREQ(cy_node_pystr(cy_dict_get(cy_node_root(c), "epochs")), "14");
    const char *m = merged(c, dict1("epochs", cy_new_missing(A)));
    CHECK(strstr(m, "'epochs': 14") != NULL);
    m = merged(c, dict1("epochs", cy_new_str(A, "${batch_size}")));
    CHECK(strstr(m, "'epochs': '${batch_size}'") != NULL);
}

static void test_merge_structured_children(void) {
    cy_node *c = structured();
    cy_node *ad = cy_new_dict(A);
    cy_dict_put(ad, "lr", cy_new_int(A, 2));
    cy_dict_put(ad, "params", cy_new_missing(A));
    CHECK(strstr(merged(c, dict1("adadelta", ad)),
                 "'adadelta': {'_target_': 'torch.optim.adadelta.Adadelta', 'params': '??"
                 "?', 'lr': 2, 'rho': 0.9}") != NULL);
    CHECK_STREQ(merged(c, dict1("adadelta", dict1("foo", cy_new_int(A, 2)))),
                "ConfigKeyError: Key 'foo' not in 'AdadeltaConf'\n    full_key: adadelta.foo\n"
                "    reference_type=AdadeltaConf\n    object_type=AdadeltaConf");
    CHECK_STREQ(merged(c, dict1("adadelta", cy_new_null(A))),
                "ValidationError: field 'adadelta' is not Optional\n    full_key: adadelta\n"
                "    reference_type=AdadeltaConf\n    object_type=AdadeltaConf");
    CHECK_STREQ(merged(c, dict1("adadelta", cy_new_int(A, 1))),
                "ValidationError: Merge error: int is not a subclass of AdadeltaConf. value: 1\n"
                "    full_key: \n    object_type=MNISTConf");
    /* a None structured field expands to the schema's defaults */
    CHECK(strstr(merged(c, dict1("opt", dict1("rho", cy_new_int(A, 5)))),
                 "'opt': {'_target_': 'torch.optim.adadelta.Adadelta', 'params': '??"
                 "?', 'lr': 1.0, 'rho': 5}") != NULL);
    /* new keys of a Dict[str, AdadeltaConf] start from the schema's defaults */
    cy_node *ex = cy_new_dict(A);
    cy_dict_put(ex, "x", dict1("lr", cy_new_int(A, 3)));
    CHECK(strstr(merged(c, dict1("extra", ex)),
                 "'extra': {'x': {'_target_': 'torch.optim.adadelta.Adadelta', 'params': '??"
                 "?', 'lr': 3, 'rho': 0.9}}") != NULL);
    /* lists are replaced, items converted to the element type */
    cy_node *tags = cy_new_list(A);
    cy_list_push(tags, cy_new_str(A, "b"));
    cy_list_push(tags, cy_new_int(A, 2));
    CHECK(strstr(merged(c, dict1("tags", tags)), "'tags': ['b', '2']") != NULL);
}

static void test_merge_containers(void) {
    cy_node *l = cy_new_list(A);
    for (int i = 1; i <= 3; i++)
        cy_list_push(l, cy_new_int(A, i));
    cy_node *d = dict1("l", l);
    cy_node *nl = cy_new_list(A);
    cy_list_push(nl, cy_new_int(A, 9));
    CHECK_STREQ(merged(d, dict1("l", nl)), "{'l': [9]}");
    CHECK_STREQ(merged(d, dict1("l", dict1("a", cy_new_int(A, 1)))),
                "ConfigTypeError: Cannot merge DictConfig with ListConfig\n    full_key: \n"
                "    object_type=dict");
    CHECK_STREQ(merged(l, dict1("a", cy_new_int(A, 1))),
                "ConfigTypeError: Cannot merge DictConfig with ListConfig\n    full_key: \n"
                "    object_type=list");
    /* recursive dict merge, order of dest kept, new keys appended */
    cy_node *a = cy_new_dict(A);
    cy_dict_put(a, "x", dict1("p", cy_new_int(A, 1)));
    cy_dict_put(a, "y", cy_new_int(A, 2));
    cy_node *b = cy_new_dict(A);
    cy_dict_put(b, "z", cy_new_int(A, 3));
    cy_dict_put(b, "x", dict1("q", cy_new_int(A, 4)));
    CHECK_STREQ(merged(a, b), "{'x': {'p': 1, 'q': 4}, 'y': 2, 'z': 3}");
    CHECK_EQ_INT(cy_merge(a, cy_new_int(A, 1)), CY_EVALIDATION);
    CHECK_EQ_INT(cy_merge(a, NULL), CY_EVALIDATION);
    CHECK_STREQ(cy_error_last()->msg, "Cannot merge with a None config");
}

static void test_merge_flags(void) {
    /* OmegaConf.merge lifts read-only on the copy while merging, then restores it */
    cy_node *d = dict1("a", dict1("b", cy_new_int(A, 1)));
    cy_node_set_flag(d, CY_FLAG_READONLY, CY_FLAG_TRUE);
    const cy_node *cfgs[2] = {d, dict1("a", dict1("c", cy_new_int(A, 2)))};
    cy_node *out;
    CHECK_EQ_INT(cy_merge_new(&out, A, cfgs, 2), 0);
    CHECK_STREQ(cy_node_pystr(out), "{'a': {'b': 1, 'c': 2}}");
    CHECK(cy_node_flag(out, CY_FLAG_READONLY));
    CHECK(cy_node_flag(cy_dict_get(out, "a"), CY_FLAG_READONLY));
    /* merge_with keeps it: the dest refuses */
    CHECK_EQ_INT(cy_merge(d, cfgs[1]), CY_EREADONLY);
    CHECK_STREQ(errtext(), "ReadonlyConfigError: Cannot change read-only config container\n"
                           "    full_key: a.c\n    object_type=dict");
    /* explicit flags of the source replace the destination's */
    cy_node *s = dict1("x", cy_new_int(A, 1));
    cy_node_set_flag(s, CY_FLAG_STRUCT, CY_FLAG_TRUE);
    const cy_node *cfgs2[2] = {dict1("y", cy_new_int(A, 2)), s};
    CHECK_EQ_INT(cy_merge_new(&out, A, cfgs2, 2), 0);
    CHECK_STREQ(cy_node_pystr(out), "{'y': 2, 'x': 1}");
    CHECK(out->flags[CY_FLAG_STRUCT] == CY_FLAG_TRUE);
}

static void test_update(void) {
    cy_node *c = structured();
    cy_node_set_flag(c, CY_FLAG_STRUCT, CY_FLAG_TRUE);
    cy_node *v = cy_new_dict(A);
    cy_dict_put(v, "lr", cy_new_int(A, 2));
    cy_dict_put(v, "rho", cy_new_float(A, 0.1));
    CHECK_EQ_INT(cy_update(c, "adadelta", v, CY_UPDATE_MERGE), 0);
    CHECK_STREQ(cy_node_pystr(cy_dict_get(c, "adadelta")),
                "{'_target_': 'torch.optim.adadelta.Adadelta', 'params': '??"
                "?', 'lr': 2, 'rho': 0.1}");
    CHECK_EQ_INT(cy_update(c, "adadelta", dict1("foo", cy_new_int(A, 1)), CY_UPDATE_MERGE),
                 CY_EKEY);
    CHECK_STREQ(errtext(), "ConfigKeyError: Key 'foo' not in 'AdadeltaConf'\n"
                           "    full_key: adadelta.foo\n    reference_type=AdadeltaConf\n"
                           "    object_type=AdadeltaConf");
    CHECK_EQ_INT(cy_update(c, "new.deep.key", cy_new_int(A, 1), CY_UPDATE_FORCE_ADD), 0);
    CHECK_STREQ(cy_node_pystr(cy_dict_get(c, "new")), "{'deep': {'key': 1}}");
    CHECK_EQ_INT(cy_update(c, "new2.deep", cy_new_int(A, 1), 0), CY_EKEY);
    CHECK_STREQ(errtext(), "ConfigKeyError: Key 'new2' not in 'MNISTConf'\n    full_key: new2\n"
                           "    object_type=MNISTConf");
    CHECK_EQ_INT(cy_update(c, "checkpoint_name", dict1("a", cy_new_int(A, 1)), CY_UPDATE_MERGE),
                 CY_EVALIDATION);
    CHECK_STREQ(errtext(), "ValidationError: Cannot convert 'dict' to string: '{'a': 1}'\n"
                           "    full_key: checkpoint_name\n    object_type=MNISTConf");
    cy_node *one = cy_new_list(A);
    cy_list_push(one, cy_new_int(A, 1));
    CHECK_EQ_INT(cy_update(c, "adadelta", one, CY_UPDATE_MERGE), CY_ETYPE);
    CHECK_STREQ(errtext(), "ConfigTypeError: Cannot merge DictConfig with ListConfig\n"
                           "    full_key: adadelta\n    reference_type=AdadeltaConf\n"
                           "    object_type=AdadeltaConf");
    CHECK_EQ_INT(cy_update(c, "adadelta", cy_new_int(A, 1), 0), CY_EVALIDATION);
    CHECK_STREQ(errtext(), "ValidationError: Invalid type assigned: int is not a subclass of "
                           "AdadeltaConf. value: 1\n    full_key: adadelta\n"
                           "    object_type=MNISTConf");
    CHECK_EQ_INT(cy_update(c, "epochs", cy_new_null(A), 0), CY_EVALIDATION);
    CHECK_STREQ(errtext(), "ValidationError: field 'epochs' is not Optional\n"
                           "    full_key: epochs\n    object_type=MNISTConf");
    CHECK_EQ_INT(cy_update(c, "opt", cy_new_null(A), 0), 0);
}

static void test_delete_typed(void) {
    /* Hydra deletes with the root's struct flag opened: the root (its own flag False) allows
     * it, nested structured configs do not */
    cy_node *c = structured();
    cy_node_set_flag(c, CY_FLAG_STRUCT, CY_FLAG_FALSE);
    CHECK_EQ_INT(cy_node_delete(c, "epochs"), 0);
    CHECK(cy_dict_get(c, "epochs") == NULL);
    CHECK_EQ_INT(cy_node_delete(cy_dict_get(c, "adadelta"), "lr"), CY_ETYPE);
    CHECK_STREQ(errtext(), "ConfigTypeError: AdadeltaConf (DictConfig) does not support "
                           "deletion\n    full_key: adadelta.lr\n    reference_type=AdadeltaConf\n"
                           "    object_type=AdadeltaConf");
    cy_node *d = structured();
    CHECK_EQ_INT(cy_node_delete(d, "epochs"), CY_ETYPE);
    CHECK_STREQ(errtext(), "ConfigTypeError: MNISTConf (DictConfig) does not support deletion\n"
                           "    full_key: epochs\n    object_type=MNISTConf");
    (void)opt_adadelta_t;
}

int main(void) {
    A = cy_arena_new();
    RUN(test_instantiate);
    RUN(test_merge_scalars);
    RUN(test_merge_structured_children);
    RUN(test_merge_containers);
    RUN(test_merge_flags);
    RUN(test_update);
    RUN(test_delete_typed);
    cy_arena_free(A);
    return harness_summary();
}
