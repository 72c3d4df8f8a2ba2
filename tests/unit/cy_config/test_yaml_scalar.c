/*
 * test_yaml_scalar.c - plain-scalar typing (cy_yaml_plain_scalar) and the quoting decision
 * (cy_yaml_str_needs_quotes), against what OmegaConf 2.2's loader and dumper do. Expected values
 * were taken from /usr/bin/python3 with omegaconf 2.2.2 and PyYAML 6.0:
 *     yaml.load("k: " + text, Loader=omegaconf._utils.get_yaml_loader())["k"]
 *     OmegaConf.to_yaml({"k": text})
 */
#include "harness.h"

#include "cydra/error.h"
#include "cydra/yaml.h"

static cy_arena *A;

#define EXPECT_KIND(text, k)                                                                       \
    do {                                                                                           \
        cy_node *n_ = cy_yaml_plain_scalar(A, text);                                               \
        if (!n_)                                                                                   \
            harness_fail(__FILE__, __LINE__, "'%s': unexpected error %s", text,                    \
                         cy_error_last()->msg);                                                    \
        else if (n_->kind != (k))                                                                  \
            harness_fail(__FILE__, __LINE__, "'%s': kind %d expected, got %d", text, (int)(k),     \
                         (int)n_->kind);                                                           \
    } while (0)

static cy_node *plain(const char *text) {
    cy_node *n = cy_yaml_plain_scalar(A, text);
    if (!n)
        harness_fail(__FILE__, __LINE__, "'%s': unexpected error %s", text, cy_error_last()->msg);
    return n;
}

static void expect_int(const char *text, int64_t v) {
    cy_node *n = plain(text);
    if (n && (n->kind != CY_INT || n->v.i != v))
        harness_fail(__FILE__, __LINE__, "'%s': int %lld expected (kind %d)", text, (long long)v,
                     n->kind);
}

static void expect_float(const char *text, double v) {
    cy_node *n = plain(text);
    if (n && (n->kind != CY_FLOAT || !((isnan(v) && isnan(n->v.f)) || n->v.f == v)))
        harness_fail(__FILE__, __LINE__, "'%s': float %.17g expected (kind %d, %.17g)", text, v,
                     n->kind, n->kind == CY_FLOAT ? n->v.f : 0.0);
}

static void expect_bool(const char *text, bool v) {
    cy_node *n = plain(text);
    if (n && (n->kind != CY_BOOL || n->v.b != v))
        harness_fail(__FILE__, __LINE__, "'%s': bool expected", text);
}

static void expect_str(const char *text) {
    cy_node *n = plain(text);
    if (n && (n->kind != CY_STR || strcmp(n->v.str.s, text) != 0))
        harness_fail(__FILE__, __LINE__, "'%s': str expected, got kind %d", text, n->kind);
}

static void expect_error(const char *text, const char *part) {
    cy_error_clear();
    cy_node *n = cy_yaml_plain_scalar(A, text);
    if (n) {
        harness_fail(__FILE__, __LINE__, "'%s': an error expected, got kind %d", text, n->kind);
        return;
    }
    if (!strstr(cy_error_last()->msg, part))
        harness_fail(__FILE__, __LINE__, "'%s': error '%s' lacks '%s'", text, cy_error_last()->msg,
                     part);
}

static void test_null(void) {
    EXPECT_KIND("", CY_NULL);
    EXPECT_KIND("~", CY_NULL);
    EXPECT_KIND("null", CY_NULL);
    EXPECT_KIND("Null", CY_NULL);
    EXPECT_KIND("NULL", CY_NULL);
    expect_str("nULL");
    expect_str("None");
    expect_str("none");
}

static void test_bool(void) {
    const char *yes[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
    const char *no[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
    for (size_t i = 0; i < 9; i++) {
        expect_bool(yes[i], true);
        expect_bool(no[i], false);
    }
    /* y/n are bools to OmegaConf's dumper (it quotes them) but not to the YAML 1.1 resolver */
    expect_str("y");
    expect_str("n");
    expect_str("Y");
    expect_str("yEs");
    expect_str("tRUE");
}

static void test_int(void) {
    expect_int("0", 0);
    expect_int("-0", 0);
    expect_int("+1", 1);
    expect_int("1_000", 1000);
    expect_int("1__0", 10);
    expect_int("1_", 1);
    expect_int("010", 8); /* YAML 1.1 octal */
    expect_int("0_7", 7);
    expect_int("0_", 0);
    expect_int("00", 0);
    expect_int("0b101", 5);
    expect_int("-0b1_1", -3);
    expect_int("0x1F", 31);
    expect_int("0x_1f", 31);
    expect_int("-0x10", -16);
    expect_int("1:30", 90); /* sexagesimal */
    expect_int("-1:30", -90);
    expect_int("190:20:30", 685230);
    expect_int("9223372036854775807", INT64_MAX);
    expect_int("-9223372036854775808", INT64_MIN);
    expect_str("09"); /* not octal, not decimal: a string */
    expect_str("0o17");
    expect_str("0X1F");
    expect_str("1:60");
    expect_str("_1");
    expect_str("1,000");
    expect_str("0b2");
    expect_error("9223372036854775808", "64 bits");
    expect_error("-9223372036854775809", "64 bits");
    expect_error("123456789012345678901234567890", "64 bits");
    expect_error("0x_", "invalid literal for int() with base 16");
    expect_error("0b_", "invalid literal for int() with base 2");
    CHECK_EQ_INT(cy_error_last()->code, CY_EPARSE);
}

static void test_float(void) {
    expect_float("1.5", 1.5);
    expect_float("1.", 1.0);
    expect_float(".5", 0.5);
    expect_str("-.5");           /* no float pattern takes a sign before a leading point */
    expect_float("1e3", 1000.0); /* OmegaConf's resolver: PyYAML alone would say str */
    expect_float("1E3", 1000.0);
    expect_float("1e-3", 0.001);
    expect_float("+1e+3", 1000.0);
    expect_float("1.0e+10", 1e10);
    expect_float("1.e5", 1e5);
    expect_float("1_000.5_", 1000.5);
    expect_float("._5", 0.5);
    expect_float("1:30.5", 90.5);
    expect_float("-1:30.5", -90.5);
    expect_float(".inf", INFINITY);
    expect_float("-.Inf", -INFINITY);
    expect_float("+.INF", INFINITY);
    expect_float(".nan", NAN);
    expect_float(".NaN", NAN);
    expect_float("1e400", INFINITY);
    expect_float("0.1", 0.1);
    expect_float("2.2250738585072014e-308", 2.2250738585072014e-308);
    cy_node *z = plain("-0.0");
    CHECK(z && z->kind == CY_FLOAT && z->v.f == 0 && signbit(z->v.f));
    expect_str("inf");
    expect_str("nan");
    expect_str("-.nan");
    expect_str("1e");
    expect_str("e1");
    expect_str(".");
    expect_str("1.2.3");
    expect_str("1e3.5");
    expect_error("._", "could not convert string to float: '.'");
}

static void test_other(void) {
    expect_str("2001-12-14"); /* OmegaConf removes the timestamp resolver */
    expect_str("2001-12-14 21:59:43.10 -5");
    expect_str("hello world");
    expect_str("é");
    expect_error("<<", "tag:yaml.org,2002:merge");
    expect_error("=", "tag:yaml.org,2002:value");
    cy_node *m = plain("???");
    CHECK(m && m->kind == CY_MISSING);
    cy_node *i = plain("${a.b}");
    CHECK(i && i->kind == CY_INTERP && strcmp(i->v.str.s, "${a.b}") == 0);
}

/* what OmegaConf.to_yaml({"k": s}) quotes */
static void test_needs_quotes(void) {
    const char *quoted[] = {"",
                            " ",
                            "a ",
                            " a",
                            "true",
                            "True",
                            "yes",
                            "y",
                            "Y",
                            "n",
                            "N",
                            "on",
                            "OFF",
                            "null",
                            "Null",
                            "~",
                            "1",
                            "-1",
                            "+1",
                            " 1 ",
                            "1_000",
                            "007",
                            "09",
                            "0x1F",
                            "0b101",
                            "1.5",
                            "1e3",
                            "1e-3",
                            ".5",
                            "5.",
                            "inf",
                            "-inf",
                            "Infinity",
                            "nan",
                            "NaN",
                            "١٢٣",
                            "１２",
                            "1:30",
                            "1:30.5",
                            "2001-12-14",
                            "2001-12-14 21:59:43.10 -5",
                            "<<",
                            "=",
                            "!",
                            "&",
                            "*",
                            "-",
                            "?",
                            ":",
                            "#",
                            "- a",
                            "? a",
                            ": a",
                            "a: b",
                            "a #b",
                            "[a]",
                            "{a}",
                            "'a'",
                            "\"a\"",
                            "%a",
                            "@a",
                            "`a",
                            "|",
                            ">",
                            "---",
                            "...",
                            "--- a",
                            "a\nb",
                            "a\tb",
                            "\x01",
                            "\x7f",
                            "\xef\xbb\xbf",
                            "a,b: c",
                            ".inf",
                            ".nan",
                            "-.inf"};
    const char *plainly[] = {"a",    "abc",  "a b", "0o17", "a:b", "a#b",   "a-b",  "é",
                             "日本", "😀",    "???", "${a}", "1e",  "1.2.3", "a, b", "a?b",
                             "nULL", "None", "yEs", "-a",   "a]",  "$",     "a'b",  "1,000"};
    for (size_t i = 0; i < sizeof quoted / sizeof quoted[0]; i++)
        if (!cy_yaml_str_needs_quotes(quoted[i]))
            harness_fail(__FILE__, __LINE__, "'%s' should be quoted", quoted[i]);
    for (size_t i = 0; i < sizeof plainly / sizeof plainly[0]; i++)
        if (cy_yaml_str_needs_quotes(plainly[i]))
            harness_fail(__FILE__, __LINE__, "'%s' should be plain", plainly[i]);
}

int main(void) {
    A = cy_arena_new();
    RUN(test_null);
    RUN(test_bool);
    RUN(test_int);
    RUN(test_float);
    RUN(test_other);
    RUN(test_needs_quotes);
    cy_arena_free(A);
    return harness_summary();
}
