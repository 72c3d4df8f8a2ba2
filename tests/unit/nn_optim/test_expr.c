/*
 * test_expr.c - nn/expr.h against Python's eval().
 *
 * tests/golden/optim/expr.txt (tests/oracle/optim_expr.py) holds thousands of expressions with
 * Python's result: the kind (int/float/bool) must match, floats bit for bit, and where Python
 * raises ZeroDivisionError/ValueError/OverflowError the evaluator must fail with the same text.
 * Python's TypeError/NameError/SyntaxError cases must fail (at parse or evaluation time).
 */
#include "harness.h"
#include "nn/error.h"
#include "nn/expr.h"

static const char *vars[] = {"epoch"};

static int eval_str(const char *src, int64_t epoch, nn_expr_value *out, nn_expr_error *err) {
    nn_expr *e;
    int rc = nn_expr_parse(&e, src, vars, 1, err);
    if (rc != NN_OK)
        return rc;
    nn_expr_value arg = nn_expr_int(epoch);
    rc = nn_expr_eval(e, &arg, out, err);
    nn_expr_free(e);
    return rc;
}

static void test_golden(void) {
    char *text = harness_read_file("golden/optim/expr.txt", NULL);
    CHECK(text != NULL);
    if (!text)
        return;
    int cases = 0, bad = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2) {
            harness_fail(__FILE__, __LINE__, "bad golden line: %s", line);
            continue;
        }
        *t1 = *t2 = '\0';
        const char *src = line, *expected = t2 + 1;
        int64_t epoch = strtoll(t1 + 1, NULL, 10);
        cases++;
        nn_expr_value v;
        nn_expr_error err;
        int rc = eval_str(src, epoch, &v, &err);
        char got[300];
        if (rc != NN_OK) {
            snprintf(got, sizeof got, "error:%s", err.msg);
        } else {
            char r[64];
            nn_expr_repr(v, r, sizeof r);
            snprintf(got, sizeof got, "%s:%s",
                     v.kind == NN_EXPR_INT     ? "int"
                     : v.kind == NN_EXPR_FLOAT ? "float"
                                               : "bool",
                     r);
        }
        int ok;
        if (strncmp(expected, "error:", 6) == 0) {
            const char *ex = expected + 6;
            if (strcmp(ex, "OverflowError") == 0) /* an int beyond 64 bits: our documented limit */
                ok = rc != NN_OK && strstr(err.msg, "OverflowError") != NULL;
            else if (strncmp(ex, "ZeroDivisionError", 17) == 0 ||
                     strncmp(ex, "ValueError", 10) == 0 || strncmp(ex, "OverflowError", 13) == 0)
                ok = rc != NN_OK && err.pos == -1 && strcmp(err.msg, ex) == 0;
            else
                ok = rc != NN_OK;
        } else {
            /* repr round-trips, so equal text means equal bits (nan prints as nan) */
            ok = strcmp(got, expected) == 0;
        }
        if (!ok) {
            bad++;
            if (bad <= 25)
                harness_fail(__FILE__, __LINE__,
                             "%s  [epoch=%lld]\n    got      %s\n    expected %s", src,
                             (long long)epoch, got, expected);
        }
    }
    printf("expr golden: %d cases, %d mismatches\n", cases, bad);
    CHECK(cases > 3000);
    CHECK_EQ_INT(bad, 0);
    free(text);
}

/* Syntax errors name the position of the offending token. */
static void test_syntax_positions(void) {
    static const struct {
        const char *src;
        int pos;
        const char *fragment;
    } cases[] = {
        {"1 +", 3, "expected an expression at position 3, got end of expression"},
        {"(1", 2, "expected ')' at position 2"},
        {"0.95 ** epoch)", 13, "unexpected ')' at position 13"},
        {"2 * foo", 4, "NameError: name 'foo' is not defined"},
        {"1 $ 2", 2, "invalid character '$' at position 2"},
        {"01", 0, "leading zeros"},
        {"exp(1, 2)", 0, "exp() takes exactly 1 argument (2 given)"},
        {"epoch if epoch", 14, "expected 'else' at position 14"},
        {"", 0, "empty expression"},
        {"1 = 1", 2, "use == or !="},
        {"lambda x, y: x", 10, "more parameters"},
        {"math.cosine(1)", 0, "unknown function 'math.cosine'"},
        {"1 || 2", 3, "expected an expression at position 3"},
        {"1 in 2", 2, "unsupported operator 'in'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        nn_expr *e = (nn_expr *)1;
        nn_expr_error err;
        int rc = nn_expr_parse(&e, cases[i].src, vars, 1, &err);
        CHECK_EQ_INT(rc, NN_EINVAL);
        CHECK(e == NULL);
        CHECK_EQ_INT(err.pos, cases[i].pos);
        if (!strstr(err.msg, cases[i].fragment))
            harness_fail(__FILE__, __LINE__, "'%s': message '%s' lacks '%s'", cases[i].src, err.msg,
                         cases[i].fragment);
        /* the message names the expression and is also the library's last error */
        CHECK(strstr(err.msg, "invalid expression '") == err.msg);
        CHECK_STREQ(nn_error_last(), err.msg);
    }
}

static void test_lambda_and_reuse(void) {
    nn_expr *e;
    nn_expr_error err;
    CHECK_EQ_INT(nn_expr_parse(&e, "lambda ep: 1.0 if ep < 5 else 0.5 ** (ep // 5)", vars, 1, &err),
                 NN_OK);
    CHECK_STREQ(nn_expr_source(e), "lambda ep: 1.0 if ep < 5 else 0.5 ** (ep // 5)");
    double expect[] = {1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25};
    for (int k = 0; k <= 10; k++) {
        nn_expr_value a = nn_expr_int(k), v;
        CHECK_EQ_INT(nn_expr_eval(e, &a, &v, &err), NN_OK);
        CHECK_EQ_INT(v.kind, NN_EXPR_FLOAT);
        CHECK(v.f == expect[k]);
    }
    /* the lambda's name replaces the variable's: "epoch" is no longer known */
    nn_expr_free(e);
    CHECK_EQ_INT(nn_expr_parse(&e, "lambda ep: epoch", vars, 1, &err), NN_EINVAL);
    /* two variables, e.g. a scale function of x with a parameter */
    const char *two[] = {"x", "gamma"};
    CHECK_EQ_INT(nn_expr_parse(&e, "gamma ** x", two, 2, &err), NN_OK);
    nn_expr_value args[2] = {nn_expr_int(3), nn_expr_float(0.5)}, v;
    CHECK_EQ_INT(nn_expr_eval(e, args, &v, &err), NN_OK);
    CHECK(v.kind == NN_EXPR_FLOAT && v.f == 0.125);
    nn_expr_free(e);
    /* deep nesting is refused instead of overflowing the stack */
    char deep[2100];
    memset(deep, '(', 1000);
    strcpy(deep + 1000, "1");
    memset(deep + 1001, ')', 1000);
    deep[2001] = '\0';
    CHECK_EQ_INT(nn_expr_parse(&e, deep, vars, 1, &err), NN_EINVAL);
    CHECK(strstr(err.msg, "nested too deeply") != NULL);
    char minus[3000];
    memset(minus, '-', 2000);
    strcpy(minus + 2000, "1");
    CHECK_EQ_INT(nn_expr_parse(&e, minus, vars, 1, &err), NN_EINVAL);
    nn_expr_free(NULL);
}

static void test_repr(void) {
    char b[64];
    CHECK_STREQ(nn_expr_repr(nn_expr_float(1e-5), b, sizeof b), "1e-05");
    CHECK_STREQ(nn_expr_repr(nn_expr_float(1e16), b, sizeof b), "1e+16");
    CHECK_STREQ(nn_expr_repr(nn_expr_float(123456789012345678.0), b, sizeof b),
                "1.2345678901234568e+17");
    CHECK_STREQ(nn_expr_repr(nn_expr_float(0.0001), b, sizeof b), "0.0001");
    CHECK_STREQ(nn_expr_repr(nn_expr_float(-0.0), b, sizeof b), "-0.0");
    CHECK_STREQ(nn_expr_repr(nn_expr_float(1e6), b, sizeof b), "1000000.0");
    CHECK_STREQ(nn_expr_repr(nn_expr_float(1.0 / 3), b, sizeof b), "0.3333333333333333");
    CHECK_STREQ(nn_expr_repr(nn_expr_float(-INFINITY), b, sizeof b), "-inf");
    CHECK_STREQ(nn_expr_repr(nn_expr_int(-7), b, sizeof b), "-7");
}

int main(void) {
    RUN(test_golden);
    RUN(test_syntax_positions);
    RUN(test_lambda_and_reuse);
    RUN(test_repr);
    return harness_summary();
}
