/*
 * test_convert.c - value conversion into typed nodes (OmegaConf's validate_and_convert), with
 * Python's int()/float() string grammars and the exact messages of failures.
 */
#include "harness.h"

#include "cydra/config/node_internal.h"
#include "cydra/node.h"

static cy_arena *A;

static const char *const color_names[] = {"RED", "GREEN", "BLUE"};
static const int64_t color_values[] = {1, 2, 3};
static const cy_enum_def color = {"Color", color_names, color_values, 3};
static const cy_type color_t = {.tag = CY_T_ENUM, .enm = &color};
static const cy_type list_int_t = {.tag = CY_T_LIST, .elem = &cy_type_int};
static const cy_type dict_float_t = {.tag = CY_T_DICT, .elem = &cy_type_float};

/* Converts and returns Python's str() of the result, or "ERR: <message>". */
static const char *conv(const cy_type *t, cy_node *v) {
    cy_node *out;
    cy_error_clear();
    if (cy__convert(&out, A, t, v) < 0)
        return cy_arena_printf(A, "ERR: %s", cy_error_last()->msg);
    if (out->type != t && !(t->tag == CY_T_ANY))
        return "ERR: result not typed";
    return cy_node_pystr(out);
}

static cy_node *S(const char *s) {
    return cy_new_str(A, s);
}

static void test_py_int(void) {
    static const struct {
        const char *s;
        bool ok;
        int64_t v;
    } cases[] = {
        {"0", true, 0},
        {"007", true, 7},
        {"-7", true, -7},
        {"+3", true, 3},
        {" 12 ", true, 12},
        {"\t5\n", true, 5},
        {"1_000", true, 1000},
        {"1_0_0", true, 100},
        {"1__0", false, 0},
        {"_1", false, 0},
        {"1_", false, 0},
        {"", false, 0},
        {" ", false, 0},
        {"+", false, 0},
        {"0x10", false, 0},
        {"1.0", false, 0},
        {"1e3", false, 0},
        {"- 1", false, 0},
        {"9223372036854775807", true, INT64_MAX},
        {"-9223372036854775808", true, INT64_MIN},
        {"9223372036854775808", false, 0},
        {"abc", false, 0},
        {"٣", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = -12345;
        bool ok = cy__py_int(cases[i].s, &v);
        if (ok != cases[i].ok || (ok && v != cases[i].v))
            harness_fail(__FILE__, __LINE__, "int('%s'): ok=%d v=%lld", cases[i].s, ok,
                         (long long)v);
    }
}

static void test_py_float(void) {
    static const struct {
        const char *s;
        bool ok;
        double v;
    } cases[] = {
        {"1.5", true, 1.5},      {" -2 ", true, -2},
        {"1e-3", true, 1e-3},    {"1E3", true, 1e3},
        {".5", true, .5},        {"5.", true, 5.},
        {"1_0.5", true, 10.5},   {"1_000.000_1", true, 1000.0001},
        {"1e1_0", true, 1e10},   {"+1e+2", true, 100},
        {"inf", true, INFINITY}, {"-Infinity", true, -INFINITY},
        {"INF", true, INFINITY}, {"1e400", true, INFINITY},
        {".", false, 0},         {"e3", false, 0},
        {"1e", false, 0},        {"1_.5", false, 0},
        {"1._5", false, 0},      {"_1.0", false, 0},
        {"1.5x", false, 0},      {"", false, 0},
        {"infinit", false, 0},   {"0x1p3", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = -12345;
        bool ok = cy__py_float(cases[i].s, &v);
        if (ok != cases[i].ok || (ok && v != cases[i].v))
            harness_fail(__FILE__, __LINE__, "float('%s'): ok=%d v=%.17g", cases[i].s, ok, v);
    }
    double v;
    CHECK(cy__py_float("nan", &v) && isnan(v));
    CHECK(cy__py_float(" -NaN ", &v) && isnan(v));
}

static void test_to_int(void) {
    CHECK_STREQ(conv(&cy_type_int, cy_new_int(A, 3)), "3");
    CHECK_STREQ(conv(&cy_type_int, S(" 1_000 ")), "1000");
    CHECK_STREQ(conv(&cy_type_int, S("007")), "7");
    CHECK_STREQ(conv(&cy_type_int, S("abc")),
                "ERR: Value 'abc' of type 'str' could not be converted to Integer");
    CHECK_STREQ(conv(&cy_type_int, cy_new_float(A, 1.0)),
                "ERR: Value '1.0' of type 'float' could not be converted to Integer");
    CHECK_STREQ(conv(&cy_type_int, cy_new_bool(A, true)),
                "ERR: Value 'True' of type 'bool' could not be converted to Integer");
    cy_node *l = cy_new_list(A);
    cy_list_push(l, cy_new_int(A, 1));
    cy_list_push(l, cy_new_int(A, 2));
    CHECK_STREQ(conv(&cy_type_int, l),
                "ERR: Value '[1, 2]' of type 'list' could not be converted to Integer");
    CHECK_STREQ(conv(&cy_type_int, cy_new_enum(A, &color, 0)),
                "ERR: Value 'Color.RED' of type 'Color' could not be converted to Integer");
}

static void test_to_float(void) {
    CHECK_STREQ(conv(&cy_type_float, cy_new_int(A, 3)), "3.0");
    CHECK_STREQ(conv(&cy_type_float, S("1e-3")), "0.001");
    CHECK_STREQ(conv(&cy_type_float, S("inf")), "inf");
    CHECK_STREQ(conv(&cy_type_float, S("nan")), "nan");
    CHECK_STREQ(conv(&cy_type_float, S("1_0.5")), "10.5");
    CHECK_STREQ(conv(&cy_type_float, cy_new_bool(A, false)),
                "ERR: Value 'False' of type 'bool' could not be converted to Float");
    CHECK_STREQ(conv(&cy_type_float, S("1.5.2")),
                "ERR: Value '1.5.2' of type 'str' could not be converted to Float");
}

static void test_to_bool(void) {
    const char *yes[] = {"yes", "Y", "on", "TRUE", "tRuE", "1", " 2 ", "-1"};
    const char *no[] = {"no", "N", "Off", "false", "0", "0_0"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        CHECK_STREQ(conv(&cy_type_bool, S(yes[i])), "True");
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        CHECK_STREQ(conv(&cy_type_bool, S(no[i])), "False");
    CHECK_STREQ(conv(&cy_type_bool, cy_new_int(A, 2)), "True");
    CHECK_STREQ(conv(&cy_type_bool, cy_new_int(A, 0)), "False");
    CHECK_STREQ(conv(&cy_type_bool, S("maybe")),
                "ERR: Value 'maybe' is not a valid bool (type str)");
    CHECK_STREQ(conv(&cy_type_bool, cy_new_float(A, 1.5)),
                "ERR: Value '1.5' is not a valid bool (type float)");
    CHECK_STREQ(conv(&cy_type_bool, cy_new_float(A, 1.0)),
                "ERR: Value '1.0' is not a valid bool (type float)");
}

static void test_to_str(void) {
    CHECK_STREQ(conv(&cy_type_str, cy_new_bool(A, true)), "True");
    CHECK_STREQ(conv(&cy_type_str, cy_new_float(A, 1e-3)), "0.001");
    CHECK_STREQ(conv(&cy_type_str, cy_new_float(A, 1.50)), "1.5");
    CHECK_STREQ(conv(&cy_type_str, cy_new_float(A, INFINITY)), "inf");
    CHECK_STREQ(conv(&cy_type_str, cy_new_int(A, 123)), "123");
    CHECK_STREQ(conv(&cy_type_str, cy_new_enum(A, &color, 2)), "Color.BLUE");
    cy_node *d = cy_new_dict(A);
    cy_dict_put(d, "a", cy_new_int(A, 1));
    CHECK_STREQ(conv(&cy_type_str, d), "ERR: Cannot convert 'dict' to string: '{'a': 1}'");
    cy_node *out;
    CHECK(cy__convert_at(&out, A, &cy_type_str, d, NULL, NULL, true) < 0);
    CHECK_STREQ(cy_error_last()->msg, "Cannot convert 'DictConfig' to string: '{'a': 1}'");
}

static void test_to_enum(void) {
    CHECK_STREQ(conv(&color_t, S("GREEN")), "Color.GREEN");
    CHECK_STREQ(conv(&color_t, S("Color.BLUE")), "Color.BLUE");
    CHECK_STREQ(conv(&color_t, cy_new_int(A, 1)), "Color.RED");
    CHECK_STREQ(conv(&color_t, S("green")),
                "ERR: Invalid value 'green', expected one of [RED, GREEN, BLUE]");
    CHECK_STREQ(conv(&color_t, cy_new_int(A, 7)),
                "ERR: Invalid value '7', expected one of [RED, GREEN, BLUE]");
    CHECK_STREQ(conv(&color_t, cy_new_bool(A, true)),
                "ERR: Invalid value 'True', expected one of [RED, GREEN, BLUE]");
    CHECK_STREQ(conv(&color_t, cy_new_float(A, 1.5)),
                "ERR: Value 1.5 (float) is not a valid input for <enum 'Color'>");
}

static void test_special_values(void) {
    CHECK_STREQ(conv(&cy_type_int, cy_new_missing(A)), "???");
    CHECK_STREQ(conv(&cy_type_int, S("${other}")), "${other}");
    CHECK_STREQ(conv(&cy_type_opt_int, cy_new_null(A)), "None");
    CHECK_STREQ(conv(&cy_type_int, cy_new_null(A)),
                "ERR: Incompatible value 'None' for field of type 'int'");
    CHECK_STREQ(conv(&list_int_t, cy_new_null(A)),
                "ERR: Incompatible value 'None' for field of type 'List[int]'");
    /* a list holding null/??? keeps its class */
    cy_node *out;
    CHECK(cy__convert(&out, A, &list_int_t, cy_new_missing(A)) == 0);
    CHECK(out->kind == CY_MISSING && out->container == CY_LIST);
}

static void test_containers(void) {
    cy_node *l = cy_new_list(A);
    cy_list_push(l, S("1"));
    cy_list_push(l, cy_new_int(A, 2));
    CHECK_STREQ(conv(&list_int_t, l), "[1, 2]");
    cy_list_push(l, S("x"));
    cy_node *out;
    cy_error_clear();
    CHECK(cy__convert(&out, A, &list_int_t, l) == CY_EVALIDATION);
    const cy_error *e = cy_error_last();
    CHECK_STREQ(e->msg, "Value 'x' of type 'str' could not be converted to Integer");
    CHECK(e->has_key);
    CHECK_STREQ(e->full_key, "[2]");
    CHECK_STREQ(e->ref_type, "List[int]");
    CHECK_STREQ(e->object_type, "list");

    cy_node *d = cy_new_dict(A);
    cy_dict_put(d, "a", S("2.5"));
    CHECK_STREQ(conv(&dict_float_t, d), "{'a': 2.5}");
    cy_dict_put_kind(d, "1", CY_KEY_INT, cy_new_float(A, 1));
    CHECK_STREQ(conv(&dict_float_t, d), "ERR: Key 1 (int) is incompatible with (str)");
    CHECK_STREQ(conv(&dict_float_t, cy_new_int(A, 5)),
                "ERR: Cannot assign int to Dict[str, float]");
    CHECK_STREQ(conv(&list_int_t, d),
                "ERR: Invalid value assigned: dict is not a ListConfig, list or tuple.");
    /* Any keeps everything as it is */
    CHECK_STREQ(conv(&cy_type_any, d), "{'a': '2.5', 1: 1.0}");
}

int main(void) {
    A = cy_arena_new();
    RUN(test_py_int);
    RUN(test_py_float);
    RUN(test_to_int);
    RUN(test_to_float);
    RUN(test_to_bool);
    RUN(test_to_str);
    RUN(test_to_enum);
    RUN(test_special_values);
    RUN(test_containers);
    cy_arena_free(A);
    return harness_summary();
}
