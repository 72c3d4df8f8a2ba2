/*
 * test_schema.c - structured configs declared in C: every field kind, defaults, instantiation,
 * binding, validation and the errors that name the key.
 */
#include "cydra/schema.h"
#include "cydra/yaml.h"
#include "harness.h"

#define COLOR(X) X(RED, 1) X(GREEN, 2) X(BLUE, 4)
CY_ENUM(Color, COLOR)
CY_ENUM_DEFINE(Color, COLOR)

#define INNER_CONF(X)                                                                              \
    X(INT, a, "1", "an int")                                                                       \
    X(STR, s, "x", "a string")
CY_STRUCT(InnerConf, INNER_CONF)
CY_SCHEMA(InnerConf, INNER_CONF, "the inner config")

#define ALL_CONF(X)                                                                                \
    X(INT, i, "64", "int field")                                                                   \
    X(FLOAT, f, "1e-3", "float field")                                                             \
    X(FLOAT, f_from_int, "2", "float field with an int default")                                   \
    X(BOOL, b, "true", "bool field")                                                               \
    X(STR, s, "unnamed.pt", "str field")                                                           \
    X(STR, s_num, "1.0", "str field that looks like a number")                                     \
    X(ANY, any_missing, CY_DEF_MISSING, "Any, mandatory")                                          \
    X(ANY, any_float, "1.0e-06", "Any holding a float")                                            \
    X(OPT_INT, oi, CY_DEF_NONE, "Optional[int] = None")                                            \
    X(OPT_FLOAT, of, "0.5", "Optional[float]")                                                     \
    X(OPT_BOOL, ob, CY_DEF_NONE, "Optional[bool]")                                                 \
    X(OPT_STR, os, CY_DEF_NONE, "Optional[str]")                                                   \
    X(ENUM(Color), color, "GREEN", "an enum")                                                      \
    X(OPT_ENUM(Color), ocolor, CY_DEF_NONE, "an optional enum")                                    \
    X(STRUCT(InnerConf), inner, "{a: 5}", "nested, with a default override")                       \
    X(STRUCT(InnerConf), inner2, NULL, "nested, defaults")                                         \
    X(OPT_STRUCT(InnerConf), oinner, CY_DEF_NONE, "optional nested")                               \
    X(LIST(INT), li, "[1, 2, 3]", "List[int]")                                                     \
    X(LIST(STRUCT(InnerConf)), ls, "[]", "List[InnerConf]")                                        \
    X(DICT(FLOAT), df, "{a: 1.5}", "Dict[str, float]")                                             \
    X(INT, req, NULL, "a mandatory int")
CY_STRUCT(AllConf, ALL_CONF)
CY_SCHEMA_NAMED(AllConf, "AllConfig", ALL_CONF, "every kind of field")

static char *emit(const cy_node *n) {
    char *s = NULL;
    if (cy_yaml_emit(&s, n, 0) < 0)
        return strdup("<emit failed>");
    return s;
}

static void test_fields_and_names(void) {
    CHECK_STREQ(AllConf_schema.name, "AllConfig");
    CHECK_EQ_INT(cy_schema_nfields(&AllConf_schema), 21);
    const cy_field *f = cy_schema_find(&AllConf_schema, "li");
    CHECK(f != NULL);
    CHECK_EQ_INT(f->type.tag, CY_T_LIST);
    CHECK(f->type.elem == &cy_type_int);
    CHECK_STREQ(f->help, "List[int]");
    f = cy_schema_find(&AllConf_schema, "ls");
    CHECK(f->type.elem == &InnerConf_type);
    CHECK(cy_schema_find(&AllConf_schema, "nosuch") == NULL);
    CHECK_EQ_INT(cy_schema_field(&AllConf_schema, 0)->offset, offsetof(AllConf, i));
    CHECK(AllConf_type.schema == &AllConf_schema);
    CHECK_EQ_INT(Color_enum.count, 3);
    CHECK_EQ_INT(BLUE, 4);
}

static void test_instantiate_defaults(void) {
    cy_arena *a = cy_arena_new();
    cy_node *cfg;
    CHECK_EQ_INT(cy_schema_instantiate(&cfg, a, &AllConf_schema), 0);
    char *y = emit(cfg);
    CHECK_STREQ(y, "i: 64\n"
                   "f: 0.001\n"
                   "f_from_int: 2.0\n"
                   "b: true\n"
                   "s: unnamed.pt\n"
                   "s_num: '1.0'\n"
                   "any_missing: ???\n"
                   "any_float: 1.0e-06\n"
                   "oi: null\n"
                   "of: 0.5\n"
                   "ob: null\n"
                   "os: null\n"
                   "color: GREEN\n"
                   "ocolor: null\n"
                   "inner:\n"
                   "  a: 5\n"
                   "  s: x\n"
                   "inner2:\n"
                   "  a: 1\n"
                   "  s: x\n"
                   "oinner: null\n"
                   "li:\n"
                   "- 1\n"
                   "- 2\n"
                   "- 3\n"
                   "ls: []\n"
                   "df:\n"
                   "  a: 1.5\n"
                   "req: ???\n");
    free(y);
    /* the root is Any-typed holding the schema (as OmegaConf.structured), fields are typed */
    CHECK(cfg->object == &AllConf_schema);
    CHECK_EQ_INT(cfg->type->tag, CY_T_ANY);
    CHECK_STREQ(cy_node_type_name(cfg), "AllConfig");
    CHECK_STREQ(cy_dict_get(cfg, "i")->help, "int field");
    CHECK_EQ_INT(cy_dict_get(cfg, "i")->type->tag, CY_T_INT);
    CHECK_EQ_INT(cy_dict_get(cfg, "inner")->type->tag, CY_T_STRUCT);
    CHECK(cy_dict_get(cfg, "inner")->object == &InnerConf_schema);
    cy_arena_free(a);
}

static void test_validation_against_schema(void) {
    cy_arena *a = cy_arena_new();
    cy_node *cfg;
    cy_schema_instantiate(&cfg, a, &AllConf_schema);
    CHECK(cy_node_set(cfg, "i", cy_new_str(a, "12")) == 0);
    CHECK_EQ_INT(cy_dict_get(cfg, "i")->v.i, 12);
    CHECK(cy_node_set(cfg, "i", cy_new_str(a, "abc")) == CY_EVALIDATION);
    char *t = cy_error_text(cy_error_last());
    CHECK_STREQ(t, "Value 'abc' of type 'str' could not be converted to Integer\n"
                   "    full_key: i\n"
                   "    object_type=AllConfig");
    free(t);
    CHECK(cy_node_set(cfg, "nosuch", cy_new_int(a, 1)) < 0);
    CHECK(strstr(cy_error_last()->msg, "not in 'AllConfig'") != NULL);
    CHECK(cy_node_set(cy_dict_get(cfg, "inner"), "a", cy_new_float(a, 1.5)) < 0);
    t = cy_error_text(cy_error_last());
    CHECK_STREQ(t, "Value '1.5' of type 'float' could not be converted to Integer\n"
                   "    full_key: inner.a\n"
                   "    reference_type=InnerConf\n"
                   "    object_type=InnerConf");
    free(t);
    CHECK(cy_node_set(cfg, "color", cy_new_str(a, "RED")) == 0);
    CHECK(cy_node_set(cfg, "color", cy_new_str(a, "PINK")) < 0);
    CHECK(cy_node_set(cfg, "oi", cy_new_null(a)) == 0);
    CHECK(cy_node_set(cfg, "i", cy_new_null(a)) < 0);
    cy_arena_free(a);
}

static void test_bind(void) {
    cy_arena *a = cy_arena_new();
    cy_node *cfg;
    cy_schema_instantiate(&cfg, a, &AllConf_schema);
    AllConf c;
    /* req is ??? */
    CHECK_EQ_INT(cy_bind(&c, &AllConf_schema, cfg), CY_EMISSING);
    char *t = cy_error_text(cy_error_last());
    CHECK(strstr(t, "Missing mandatory value: req") != NULL);
    free(t);
    cy_node_set(cfg, "req", cy_new_int(a, 7));
    cy_node_set(cfg, "oi", cy_new_int(a, 3));
    cy_node_set(cfg, "s", cy_new_str(a, "${inner.s}_${i}.pt"));
    CHECK_EQ_INT(cy_bind(&c, &AllConf_schema, cfg), 0);
    CHECK_EQ_INT(c.i, 64);
    CHECK_CLOSE(c.f, 1e-3, 0, 0);
    CHECK_CLOSE(c.f_from_int, 2.0, 0, 0);
    CHECK(c.b == true);
    CHECK_STREQ(c.s, "x_64.pt"); /* interpolations resolve on binding */
    CHECK_STREQ(c.s_num, "1.0");
    CHECK(c.oi.has && c.oi.value == 3);
    CHECK(c.of.has && c.of.value == 0.5);
    CHECK(!c.ob.has);
    CHECK(c.os == NULL);
    CHECK_EQ_INT(c.color, GREEN);
    CHECK(!c.ocolor.has);
    CHECK_EQ_INT(c.inner.a, 5);
    CHECK_STREQ(c.inner.s, "x");
    CHECK_EQ_INT(c.inner2.a, 1);
    CHECK(c.oinner == NULL);
    CHECK_EQ_INT(c.req, 7);
    CHECK_EQ_INT(cy_node_len(c.li), 3);
    /* Any fields bind as nodes; reading a ??? one is the error, naming the key */
    double d;
    CHECK_EQ_INT(cy_node_as_float(c.any_float, &d), 0);
    CHECK_CLOSE(d, 1e-6, 0, 0);
    CHECK_EQ_INT(cy_node_as_float(c.any_missing, &d), CY_EMISSING);
    t = cy_error_text(cy_error_last());
    CHECK(strstr(t, "Missing mandatory value: any_missing") != NULL);
    free(t);
    int64_t iv;
    CHECK(cy_node_as_int(c.any_float, &iv) < 0); /* a float is not an int */
    cy_arena_free(a);
}

static void test_bind_optional_struct_and_deleted_key(void) {
    cy_arena *a = cy_arena_new();
    cy_node *cfg, *in;
    cy_schema_instantiate(&cfg, a, &AllConf_schema);
    cy_node_set(cfg, "req", cy_new_int(a, 1));
    in = cy_new_dict(a);
    cy_dict_put(in, "a", cy_new_int(a, 9));
    /* as in OmegaConf, a dict cannot be assigned to Optional[InnerConf], only merged into it */
    CHECK(cy_node_set(cfg, "oinner", in) < 0);
    CHECK(strstr(cy_error_last()->msg, "dict is not a subclass of InnerConf") != NULL);
    cy_node *src = cy_new_dict(a);
    cy_dict_put(src, "oinner", in);
    CHECK_EQ_INT(cy_merge(cfg, src), 0);
    AllConf c;
    CHECK_EQ_INT(cy_bind(&c, &AllConf_schema, cfg), 0);
    CHECK(c.oinner != NULL);
    if (c.oinner) {
        CHECK_EQ_INT(c.oinner->a, 9);
        CHECK_STREQ(c.oinner->s, "x");
    }
    /* a field removed from the tree cannot be bound */
    cy_node_set_flag(cfg, CY_FLAG_STRUCT, CY_FLAG_FALSE);
    cy_dict_get(cfg, "i")->flags[CY_FLAG_STRUCT] = CY_FLAG_FALSE;
    cy_node *copy = cy_node_copy(a, cfg);
    cy_node_set_flag(copy, CY_FLAG_STRUCT, CY_FLAG_FALSE);
    if (cy_node_delete(copy, "i") == 0) {
        CHECK(cy_bind(&c, &AllConf_schema, copy) < 0);
        CHECK(strstr(cy_error_last()->msg, "'i'") != NULL);
    }
    cy_arena_free(a);
}

#define DL_CONF(X)                                                                                 \
    X(LIST(ANY), defaults, "[_self_]", "the defaults list composition consumes")                   \
    X(STRUCT(InnerConf), inner, "{s: '${oc.env:CYDRA_SCHEMA_TEST,dflt}'}", "interpolation inside")
CY_STRUCT(DlConf, DL_CONF)
CY_SCHEMA(DlConf, DL_CONF, "a config with a defaults list")

static void test_defaults_list_and_flow_interpolation(void) {
    cy_arena *a = cy_arena_new();
    cy_node *cfg;
    CHECK_EQ_INT(cy_schema_instantiate(&cfg, a, &DlConf_schema), 0);
    /* a flow-mapping default holding an interpolation keeps its other values */
    CHECK_EQ_INT(cy_dict_get(cy_dict_get(cfg, "inner"), "a")->v.i, 1);
    CHECK_EQ_INT(cy_dict_get(cy_dict_get(cfg, "inner"), "s")->kind, CY_INTERP);
    /* composition removes `defaults`; binding then leaves the field NULL instead of failing */
    cy_node_set_flag(cfg, CY_FLAG_STRUCT, CY_FLAG_FALSE);
    cy_node *copy = cy_node_copy(a, cfg);
    CHECK_EQ_INT(cy_node_delete(copy, "defaults"), 0);
    DlConf c;
    CHECK_EQ_INT(cy_bind(&c, &DlConf_schema, copy), 0);
    CHECK(c.defaults == NULL);
    CHECK_STREQ(c.inner.s, "dflt");
    cy_arena_free(a);
}

int main(void) {
    RUN(test_fields_and_names);
    RUN(test_instantiate_defaults);
    RUN(test_validation_against_schema);
    RUN(test_bind);
    RUN(test_bind_optional_struct_and_deleted_key);
    RUN(test_defaults_list_and_flow_interpolation);
    return harness_summary();
}
