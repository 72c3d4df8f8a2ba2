/*
 * test_override.c - the override parser's API, on the examples of Hydra's "Basic Override
 * syntax" and "Extended Override syntax" pages and on Cydra's own limits (nesting depth, int64,
 * shuffle seeds, sweep expansion bounds). Expected texts were checked against Hydra 1.3.2.
 */
#include <math.h>
#include <time.h>

#include "harness.h"

#include "cydra/error.h"
#include "cydra/override.h"

static cy_override *parse_ok(const char *text) {
    cy_override *ov = NULL;
    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    int rc = cy_override_parse(&ov, text, &err);
    if (rc != 0)
        harness_fail(__FILE__, __LINE__, "parse '%s' failed: %s", text,
                     err.message ? err.message : "?");
    cy_override_error_clear(&err);
    return ov;
}

/* The error of a parse that must fail; caller clears it. */
static cy_override_error parse_err(const char *text) {
    cy_override *ov = NULL;
    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    int rc = cy_override_parse(&ov, text, &err);
    if (rc == 0 || ov != NULL) {
        harness_fail(__FILE__, __LINE__, "parse '%s' should fail", text);
        cy_override_free(ov);
    }
    CHECK_EQ_INT(rc, err.code);
    return err;
}

static char *repr(const cy_override_value *v) {
    char *s = NULL;
    if (cy_override_value_repr(&s, v) != 0)
        return strdup("<error>");
    return s;
}

#define CHECK_REPR(v, expected)                                                                    \
    do {                                                                                           \
        char *r_ = repr(v);                                                                        \
        CHECK_STREQ(r_, expected);                                                                 \
        free(r_);                                                                                  \
    } while (0)

static void test_basic_examples(void) {
    static const struct {
        const char *text;
        cy_override_type type;
        const char *key, *pkg;
        cy_override_value_type vt;
    } cases[] = {
        {"foo.bar=value", CY_OVERRIDE_CHANGE, "foo.bar", NULL, CY_OV_VT_ELEMENT},
        {"+foo.bar=value", CY_OVERRIDE_ADD, "foo.bar", NULL, CY_OV_VT_ELEMENT},
        {"++foo.bar=value", CY_OVERRIDE_FORCE_ADD, "foo.bar", NULL, CY_OV_VT_ELEMENT},
        {"~foo.bar", CY_OVERRIDE_DEL, "foo.bar", NULL, CY_OV_VT_NONE},
        {"~foo.bar=value", CY_OVERRIDE_DEL, "foo.bar", NULL, CY_OV_VT_ELEMENT},
        {"db=mysql", CY_OVERRIDE_CHANGE, "db", NULL, CY_OV_VT_ELEMENT},
        {"server/db=mysql", CY_OVERRIDE_CHANGE, "server/db", NULL, CY_OV_VT_ELEMENT},
        {"+server/db=mysql", CY_OVERRIDE_ADD, "server/db", NULL, CY_OV_VT_ELEMENT},
        {"~server/db", CY_OVERRIDE_DEL, "server/db", NULL, CY_OV_VT_NONE},
        {"hydra/launcher=basic", CY_OVERRIDE_CHANGE, "hydra/launcher", NULL, CY_OV_VT_ELEMENT},
        {"group@pkg=x", CY_OVERRIDE_CHANGE, "group", "pkg", CY_OV_VT_ELEMENT},
        {"a/b@c.d=1", CY_OVERRIDE_CHANGE, "a/b", "c.d", CY_OV_VT_ELEMENT},
        {"group@=x", CY_OVERRIDE_CHANGE, "group", "", CY_OV_VT_ELEMENT},
        {"$db=1", CY_OVERRIDE_CHANGE, "$db", NULL, CY_OV_VT_ELEMENT},
        {"=5", CY_OVERRIDE_CHANGE, "", NULL, CY_OV_VT_ELEMENT},
        {"key=", CY_OVERRIDE_CHANGE, "key", NULL, CY_OV_VT_ELEMENT},
        {"db=mysql,postgresql", CY_OVERRIDE_CHANGE, "db", NULL, CY_OV_VT_SIMPLE_CHOICE_SWEEP},
        {"db=choice(mysql,postgresql)", CY_OVERRIDE_CHANGE, "db", NULL, CY_OV_VT_CHOICE_SWEEP},
        {"schema=glob(*)", CY_OVERRIDE_CHANGE, "schema", NULL, CY_OV_VT_GLOB_CHOICE_SWEEP},
        {"num=range(5)", CY_OVERRIDE_CHANGE, "num", NULL, CY_OV_VT_RANGE_SWEEP},
        {"lr=interval(1,5)", CY_OVERRIDE_CHANGE, "lr", NULL, CY_OV_VT_INTERVAL_SWEEP},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cy_override *ov = parse_ok(cases[i].text);
        if (!ov)
            continue;
        CHECK_EQ_INT(ov->type, cases[i].type);
        CHECK_STREQ(ov->key_or_group, cases[i].key);
        if (cases[i].pkg)
            CHECK_STREQ(ov->package, cases[i].pkg);
        else
            CHECK(ov->package == NULL);
        CHECK_EQ_INT(ov->value_type, cases[i].vt);
        CHECK_STREQ(ov->input_line, cases[i].text);
        CHECK_EQ_INT(cy_override_is_sweep(ov),
                     cases[i].vt != CY_OV_VT_ELEMENT && cases[i].vt != CY_OV_VT_NONE);
        cy_override_free(ov);
    }
}

static void test_primitives(void) {
    cy_override *ov = parse_ok("x=null");
    CHECK_EQ_INT(ov->value->kind, CY_OV_NULL);
    cy_override_free(ov);

    ov = parse_ok("x=tRuE");
    CHECK_EQ_INT(ov->value->kind, CY_OV_BOOL);
    CHECK_EQ_INT(ov->value->u.boolean, 1);
    cy_override_free(ov);

    static const struct {
        const char *text;
        int64_t v;
    } ints[] = {{"x=10", 10},      {"x=-20", -20}, {"x=+3", 3},
                {"x=1_000", 1000}, {"x=0", 0},     {"x=-9223372036854775808", INT64_MIN}};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        ov = parse_ok(ints[i].text);
        CHECK_EQ_INT(ov->value->kind, CY_OV_INT);
        CHECK_EQ_INT(ov->value->u.integer, ints[i].v);
        cy_override_free(ov);
    }

    static const struct {
        const char *text;
        double v;
    } floats[] = {{"x=3.14", 3.14},     {"x=.5", 0.5},        {"x=5.", 5.0},
                  {"x=1e-3", 1e-3},     {"x=-10e6", -10e6},   {"x=1_000.5", 1000.5},
                  {"x=+inf", INFINITY}, {"x=-INF", -INFINITY}};
    for (size_t i = 0; i < sizeof floats / sizeof *floats; i++) {
        ov = parse_ok(floats[i].text);
        CHECK_EQ_INT(ov->value->kind, CY_OV_FLOAT);
        CHECK(ov->value->u.flt.value == floats[i].v);
        CHECK_STREQ(ov->value->u.flt.text, floats[i].text + 2); /* the token as typed */
        cy_override_free(ov);
    }
    ov = parse_ok("x=nan");
    CHECK(isnan(ov->value->u.flt.value));
    cy_override_free(ov);

    /* 007 is three INT tokens, so a string (OmegaConf converts it later) */
    ov = parse_ok("x=007");
    CHECK_EQ_INT(ov->value->kind, CY_OV_STRING);
    CHECK_STREQ(ov->value->u.str.text, "007");
    cy_override_free(ov);

    ov = parse_ok("msg=  hello world  ");
    CHECK_EQ_INT(ov->value->kind, CY_OV_STRING);
    CHECK_STREQ(ov->value->u.str.text, "hello world");
    cy_override_free(ov);

    ov = parse_ok("dir=job\\{a\\=1\\,b\\=2\\,c\\=3\\}");
    CHECK_STREQ(ov->value->u.str.text, "job{a=1,b=2,c=3}");
    cy_override_free(ov);

    ov = parse_ok("x=${seed}.pt");
    CHECK_EQ_INT(ov->value->kind, CY_OV_STRING);
    CHECK_EQ_INT(ov->value->u.str.interpolation, 1);
    cy_override_free(ov);

    ov = parse_ok("x=${oc.env:USER,me}");
    CHECK_STREQ(ov->value->u.str.text, "${oc.env:USER,me}");
    cy_override_free(ov);
}

static void test_quoted(void) {
    cy_override *ov = parse_ok("x='the path is C:\\\\\\'some folder\\'\\\\'");
    CHECK_EQ_INT(ov->value->kind, CY_OV_QUOTED);
    CHECK_EQ_INT(ov->value->u.str.quote, '\'');
    CHECK_STREQ(ov->value->u.str.text, "the path is C:\\'some folder'\\");
    char *s;
    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    CHECK_EQ_INT(cy_override_value_string(&s, ov, 0, &err), 0);
    CHECK_STREQ(s, "'the path is C:\\\\\\'some folder\\'\\\\'"); /* reads back the same */
    free(s);
    /* Override.value(): a plain string */
    const cy_override_value *pv = cy_override_python_value(ov);
    CHECK_EQ_INT(pv->kind, CY_OV_STRING);
    CHECK_STREQ(pv->u.str.text, "the path is C:\\'some folder'\\");
    cy_override_free(ov);

    ov = parse_ok("x=\"{a:10} ${xyz}\"");
    CHECK_EQ_INT(ov->value->u.str.quote, '"');
    CHECK_EQ_INT(ov->value->u.str.interpolation, 1);
    cy_override_free(ov);

    ov = parse_ok("x=['a b',[\"c\"],{k:'v'}]");
    CHECK_REPR(ov->value, "[QuotedString(text='a b', quote=<Quote.single: 0>), "
                          "[QuotedString(text='c', quote=<Quote.double: 1>)], "
                          "{'k': QuotedString(text='v', quote=<Quote.single: 0>)}]");
    CHECK_REPR(cy_override_python_value(ov), "['a b', ['c'], {'k': 'v'}]");
    cy_override_free(ov);
}

static void test_containers(void) {
    cy_override *ov = parse_ok("nested={a:10,b:{c:30,d:[1,[2,3],[]]}}");
    CHECK_EQ_INT(ov->value->kind, CY_OV_DICT);
    CHECK_EQ_INT(ov->value->u.dict.count, 2);
    CHECK_STREQ(ov->value->u.dict.keys[1]->u.str.text, "b");
    CHECK_REPR(ov->value, "{'a': 10, 'b': {'c': 30, 'd': [1, [2, 3], []]}}");
    cy_override_free(ov);

    /* Python dict keys: 1, 1.0 and true are one key (first key kept, last value) */
    ov = parse_ok("x={1:a,true:b,1.0:c,null:d}");
    CHECK_REPR(ov->value, "{1: 'c', None: 'd'}");
    cy_override_free(ov);

    ov = parse_ok("x=[ 1 , 2 ]");
    CHECK_REPR(ov->value, "[1, 2]");
    cy_override_free(ov);
}

static void test_functions(void) {
    static const struct {
        const char *text, *repr;
    } cases[] = {
        {"x=int(3.14)", "3"},
        {"x=int(value=3.14)", "3"},
        {"x=float(10)", "10.0"},
        {"x=str(10)", "'10'"},
        {"x=bool(1)", "True"},
        {"x=str(true)", "'true'"},
        {"x=float(range(1,10))", "RangeSweep(tags=set(), start=1.0, stop=10.0, step=1.0, "
                                 "shuffle=False)"},
        {"x=str([1,2,3])", "['1', '2', '3']"},
        {"x=str({a:10})", "{'a': '10'}"},
        {"x=int([1.5,'2'])", "[1, 2]"},
        {"x=sort([3,1,2],reverse=true)", "[3, 2, 1]"},
        {"x=sort(1,3,2)",
         "ChoiceSweep(tags=set(), list=[1, 2, 3], simple_form=True, shuffle=False)"},
        {"x=sort(a,c,b,reverse=true)",
         "ChoiceSweep(tags=set(), list=['c', 'b', 'a'], simple_form=True, shuffle=False)"},
        {"x=sort(range(10,1,-1))",
         "RangeSweep(tags=set(), start=2, stop=11, step=1, shuffle=False)"},
        {"x=range(-5,step=-1)", "RangeSweep(tags=set(), start=0, stop=-5, step=-1, "
                                "shuffle=False)"},
        {"x=range(start=1,stop=3)",
         "RangeSweep(tags=set(), start=1, stop=3, step=1, shuffle=False)"},
        {"x=interval(1,5)", "IntervalSweep(tags=set(), start=1.0, end=5.0)"},
        {"x=tag(log,b,log,interval(0,1))", "IntervalSweep(tags={'b', 'log'}, start=0.0, end=1.0)"},
        {"x=glob([s*,w*],exclude=school)", "Glob(include=['s*', 'w*'], exclude=['school'])"},
        {"x=shuffle(choice(a,b,c))",
         "ChoiceSweep(tags=set(), list=['a', 'b', 'c'], simple_form=False, shuffle=True)"},
        {"x=sort(1)", "1"},
        {"x=shuffle(1)", "[1]"},
        {"x=int(1,2)", "ChoiceSweep(tags=set(), list=[1, 2], simple_form=True, shuffle=False)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cy_override *ov = parse_ok(cases[i].text);
        if (ov)
            CHECK_REPR(ov->value, cases[i].repr);
        cy_override_free(ov);
    }
}

static void test_errors(void) {
    static const struct {
        const char *text, *message;
        size_t offset;
    } cases[] = {
        {"epochs=[1,",
         "no viable alternative at input '[1,'\n"
         "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
         10},
        {"epochs =3",
         "LexerNoViableAltException: epochs =3\n"
         "                                 ^\n"
         "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
         6},
        {"epochs",
         "Error parsing override 'epochs'\nmissing EQUAL at '<EOF>'\n"
         "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
         6},
        {"epochs=1=2",
         "mismatched input '=' expecting <EOF>\n"
         "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
         8},
        {"epochs=1)",
         "Error parsing override 'epochs=1)'\nextraneous input ')' expecting <EOF>\n"
         "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
         8},
        {"epochs=nosuchfn(1)",
         "Error parsing override 'epochs=nosuchfn(1)'\n"
         "HydraException while evaluating 'nosuchfn(1)': Unknown function 'nosuchfn'\n"
         "Available: bool,choice,float,glob,int,interval,range,shuffle,sort,str,tag\n\n"
         "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
         7},
        {"epochs=int(abc)",
         "Error parsing override 'epochs=int(abc)'\n"
         "ValueError while evaluating 'int(abc)': invalid literal for int() with base 10: 'abc'\n"
         "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
         7},
        {"group@pkg1:pkg2=x",
         "Error parsing override 'group@pkg1:pkg2=x'\nmissing EQUAL at ':'\n"
         "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic "
         "for details",
         10},
        {"x=sort(3,2,str(1))",
         "Error parsing override 'x=sort(3,2,str(1))'\n"
         "TypeError while evaluating 'sort(3,2,str(1))': '<' not supported between instances of "
         "'str' and 'int'\n"
         "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
         2},
        {"x=f(a=1,2)",
         "Error parsing override 'x=f(a=1,2)'\n"
         "positional argument follows keyword argument\n"
         "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details",
         2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cy_override_error err = parse_err(cases[i].text);
        CHECK_EQ_INT(err.code, CY_EPARSE);
        CHECK_STREQ(err.exc, "OverrideParseException");
        CHECK_STREQ(err.message, cases[i].message);
        CHECK_EQ_INT(err.offset, cases[i].offset);
        cy_override_error_clear(&err);
    }

    cy_override_error err = parse_err("epochs");
    CHECK_STREQ(err.detail, "missing EQUAL at '<EOF>'");
    cy_override_error_clear(&err);
    CHECK(err.message == NULL && err.code == 0);

    /* positions count characters: the caret sits under the offending one */
    err = parse_err("caf\xc3\xa9=1");
    CHECK_EQ_INT(err.offset, 3);
    CHECK_EQ_INT(err.column, 3);
    CHECK_STREQ(err.message, "LexerNoViableAltException: caf\xc3\xa9=1\n"
                             "                              ^\n"
                             "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for "
                             "details");
    cy_override_error_clear(&err);
    err = parse_err("x='\xc3\xa9',\xc3\xa9");
    CHECK_EQ_INT(err.offset, 7);
    CHECK_EQ_INT(err.column, 6);
    cy_override_error_clear(&err);

    /* no error object: still fails cleanly */
    cy_override *ov = (cy_override *)1;
    CHECK(cy_override_parse(&ov, "x=[", NULL) == CY_EPARSE);
    CHECK(ov == NULL);
}

static void test_limits(void) {
    /* 100000 nested lists: an error, not a stack overflow */
    size_t n = 100000;
    char *deep = malloc(2 * n + 8);
    memcpy(deep, "x=", 2);
    memset(deep + 2, '[', n);
    memset(deep + 2 + n, ']', n);
    deep[2 + 2 * n] = '\0';
    cy_override_error err = parse_err(deep);
    CHECK_EQ_INT(err.code, CY_ELIMIT);
    CHECK(strstr(err.detail, "Nesting too deep: more than 256 levels") != NULL);
    CHECK_EQ_INT(err.offset, 2 + 256);
    cy_override_error_clear(&err);
    /* unbalanced: the prediction scans it iteratively and reports the syntax error */
    deep[2 + 2 * n - 1] = '\0';
    err = parse_err(deep);
    CHECK_EQ_INT(err.code, CY_EPARSE);
    cy_override_error_clear(&err);
    /* deep dicts and calls too */
    for (size_t i = 0; i < n; i++)
        memcpy(deep + 2 + 2 * i, "f(", 2);
    deep[2 + 2 * n] = '\0';
    err = parse_err(deep);
    CHECK_EQ_INT(err.code, CY_EPARSE); /* unclosed calls: a syntax error, found first */
    cy_override_error_clear(&err);
    free(deep);

    /* within the limit and with a custom one */
    char buf[600];
    strcpy(buf, "x=");
    for (int i = 0; i < 200; i++)
        strcat(buf, "[");
    strcat(buf, "1");
    for (int i = 0; i < 200; i++)
        strcat(buf, "]");
    cy_override *ov = parse_ok(buf);
    CHECK(ov != NULL);
    cy_override_free(ov);
    cy_override_parse_options opts = CY_OVERRIDE_PARSE_OPTIONS_INIT;
    opts.max_depth = 3;
    CHECK_EQ_INT(cy_override_parse_opts(&ov, "x=[[[1]]]", &opts, NULL), 0);
    cy_override_free(ov);
    CHECK_EQ_INT(cy_override_parse_opts(&ov, "x=[[[[1]]]]", &opts, &err), CY_ELIMIT);
    CHECK(strstr(err.message, "more than 3 levels") != NULL);
    cy_override_error_clear(&err);

    /* integers are int64 */
    err = parse_err("x=9223372036854775808");
    CHECK_EQ_INT(err.code, CY_ELIMIT);
    CHECK_STREQ(err.detail, "Integer out of range: 9223372036854775808 does not fit in 64 bits "
                            "(Cydra integers are int64)");
    cy_override_error_clear(&err);
    err = parse_err("x=int(1e19)");
    CHECK_EQ_INT(err.code, CY_ELIMIT);
    cy_override_error_clear(&err);
}

/* The sweep's strings, joined by '|'. */
static char *sweep_joined(const char *text, const cy_override_sweep_options *opts) {
    cy_override *ov = parse_ok(text);
    if (!ov)
        return strdup("<parse error>");
    char **items;
    size_t n;
    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    if (cy_override_sweep_strings(&items, &n, ov, opts, &err) < 0) {
        char *r = malloc(strlen(err.message) + 2);
        sprintf(r, "!%s", err.message);
        cy_override_error_clear(&err);
        cy_override_free(ov);
        return r;
    }
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(items[i]) + 1;
    char *r = calloc(len, 1);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(r, "|");
        strcat(r, items[i]);
    }
    cy_override_strings_free(items, n);
    cy_override_free(ov);
    return r;
}

#define CHECK_SWEEP(text, opts, expected)                                                          \
    do {                                                                                           \
        char *s_ = sweep_joined(text, opts);                                                       \
        CHECK_STREQ(s_, expected);                                                                 \
        free(s_);                                                                                  \
    } while (0)

static void test_sweeps(void) {
    CHECK_SWEEP("x=range(5)", NULL, "0|1|2|3|4");
    CHECK_SWEEP("x=range(0,5,2)", NULL, "0|2|4");
    CHECK_SWEEP("x=range(-5,step=-1)", NULL, "0|-1|-2|-3|-4");
    CHECK_SWEEP("x=range(0,10,3.3)", NULL, "0.0|3.3|6.6|9.9");
    /* decimal stepping: 0.3 at i=3 but 0.7000000000000001 at i=7 */
    CHECK_SWEEP("x=range(0,1,0.1)", NULL, "0.0|0.1|0.2|0.3|0.4|0.5|0.6|0.7000000000000001|0.8|0.9");
    CHECK_SWEEP("x=range(0,1,0.25)", NULL, "0.0|0.25|0.5|0.75");
    CHECK_SWEEP("x=range(3,1)", NULL, "");
    CHECK_SWEEP("x=sort(range(1,4),reverse=true)", NULL, "3|2|1");
    CHECK_SWEEP("x=true,false", NULL, "True|False");
    CHECK_SWEEP("x=choice('a b','c,d')", NULL, "a\\ b|c\\,d");
    CHECK_SWEEP("x='a,b',c", NULL, "'a,b'|c");
    CHECK_SWEEP("x=${seed}.pt,x.pt", NULL, "$\\{seed\\}.pt|x.pt");
    CHECK_SWEEP("x=[1,2],{a:b}", NULL, "[1,2]|{a:b}");
    CHECK_SWEEP("x=1e-5,inf,nan", NULL, "1e-05|inf|nan");
    CHECK_SWEEP("x=range(1,2,0)", NULL, "!range() arg 3 must not be zero");
    CHECK_SWEEP("x=range(0.0,1.0,0.0)", NULL, "!Invalid range values (start:0, stop:1, step:0)");
    CHECK_SWEEP("x=interval(0,1)", NULL,
                "!Can only enumerate CHOICE and RANGE sweeps, type is ValueType.INTERVAL_SWEEP");

    static const char *const names[] = {"school", "support", "warehouse"};
    cy_override_sweep_options opts = CY_OVERRIDE_SWEEP_OPTIONS_INIT;
    opts.group_options = names;
    opts.n_group_options = 3;
    CHECK_SWEEP("schema=glob(*)", &opts, "school|support|warehouse");
    CHECK_SWEEP("schema=glob(*,exclude=support)", &opts, "school|warehouse");
    CHECK_SWEEP("schema=glob([s*,w*],exclude=school)", &opts, "support|warehouse");
    CHECK_SWEEP("schema=glob(*)", NULL, "");

    /* endless ranges stop at max_items */
    opts.max_items = 100;
    CHECK_SWEEP("x=range(0,inf)", &opts, "!sweep has too many items to expand");
    cy_override *ov = parse_ok("x=range(0,inf,0.5)");
    cy_override_sweep *it;
    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    CHECK_EQ_INT(cy_override_sweep_begin(&it, ov, NULL, &err), 0);
    const cy_override_value *item = NULL;
    for (int i = 0; i < 1000; i++)
        CHECK_EQ_INT(cy_override_sweep_next(it, &item, &err), 1);
    CHECK(item && item->kind == CY_OV_FLOAT && item->u.flt.value == 499.5);
    cy_override_sweep_end(it);
    cy_override_free(ov);
}

static int contains_all(const char *joined, const char *const *words, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!strstr(joined, words[i]))
            return 0;
    return 1;
}

static void test_shuffle(void) {
    /* a shuffled sweep expands to a permutation; the same seed gives the same one */
    cy_override_sweep_options opts = CY_OVERRIDE_SWEEP_OPTIONS_INIT;
    opts.seed = 42;
    char *a = sweep_joined("x=shuffle(a,b,c,d,e,f,g,h)", &opts);
    char *b = sweep_joined("x=shuffle(a,b,c,d,e,f,g,h)", &opts);
    static const char *const letters[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    CHECK_STREQ(a, b);
    CHECK_EQ_INT(strlen(a), 15);
    CHECK(contains_all(a, letters, 8));
    int differs = 0;
    for (uint64_t seed = 1; seed < 20 && !differs; seed++) {
        opts.seed = seed;
        char *c = sweep_joined("x=shuffle(a,b,c,d,e,f,g,h)", &opts);
        differs = strcmp(c, a) != 0;
        free(c);
    }
    CHECK(differs);
    free(a);
    free(b);
    char *r = sweep_joined("x=shuffle(range(0,10))", &opts);
    CHECK_EQ_INT(strlen(r), 19);
    free(r);

    /* shuffle([...]) shuffles at parse time with the parse options' seed */
    cy_override_parse_options po = CY_OVERRIDE_PARSE_OPTIONS_INIT;
    po.seed = 7;
    cy_override *o1, *o2;
    CHECK_EQ_INT(cy_override_parse_opts(&o1, "x=shuffle([1,2,3,4,5,6,7,8,9])", &po, NULL), 0);
    CHECK_EQ_INT(cy_override_parse_opts(&o2, "x=shuffle(list=[1,2,3,4,5,6,7,8,9])", &po, NULL), 0);
    char *r1 = repr(o1->value), *r2 = repr(o2->value);
    CHECK_STREQ(r1, r2);
    int64_t sum = 0;
    for (size_t i = 0; i < o1->value->u.list.count; i++)
        sum += o1->value->u.list.items[i]->u.integer;
    CHECK_EQ_INT(sum, 45);
    free(r1);
    free(r2);
    cy_override_free(o1);
    cy_override_free(o2);
}

static void test_rendering(void) {
    static const struct {
        const char *text, *job;
    } cases[] = {
        {"no_cuda=true", "no_cuda=True"},
        {"~seed", "~seed=null"},
        {"~seed=1", "~seed=1"},
        {"checkpoint_name='a b.pt'", "checkpoint_name='a b.pt'"},
        {"+new=[1, 2]", "+new=[1,2]"},
        {"++a.b={x: 1, y: [a,b]}", "++a.b={x:1,y:[a,b]}"},
        {"x=a\\,b", "x=a\\,b"},
        {"x=1e-3", "x=0.001"},
        {"x=1.50", "x=1.5"},
        {"g@p=null", "g@p=null"},
        {"x=", "x="},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cy_override *ov = parse_ok(cases[i].text);
        char *s = NULL;
        cy_override_error err = CY_OVERRIDE_ERROR_INIT;
        CHECK_EQ_INT(cy_override_job_string(&s, ov, &err), 0);
        CHECK_STREQ(s, cases[i].job);
        free(s);
        cy_override_free(ov);
    }
    cy_override *ov = parse_ok("x={a: [1, 2]}");
    char *s;
    CHECK_EQ_INT(cy_override_value_string(&s, ov, 1, NULL), 0);
    CHECK_STREQ(s, "{a: [1, 2]}");
    free(s);
    CHECK_STREQ(cy_override_value_text(ov), "{a: [1, 2]}");
    cy_override_free(ov);

    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    ov = parse_ok("x=a,b");
    CHECK(cy_override_value_string(&s, ov, 0, &err) < 0);
    CHECK_STREQ(err.message, "Cannot convert sweep to str");
    cy_override_error_clear(&err);
    cy_override_free(ov);
    ov = parse_ok("x=[choice(1,2)]");
    CHECK(cy_override_value_string(&s, ov, 0, &err) < 0);
    CHECK_STREQ(err.exc, "ConfigTypeError");
    cy_override_error_clear(&err);
    cy_override_free(ov);

    ov = parse_ok("~a.b@pkg");
    CHECK_EQ_INT(cy_override_key_element(&s, ov), 0);
    CHECK_STREQ(s, "~a.b@pkg");
    free(s);
    CHECK(cy_override_value_text(ov) == NULL);
    CHECK(cy_override_python_value(ov) == NULL);
    cy_override_free(ov);
}

static void test_predicates(void) {
    cy_override *ov = parse_ok("hydra.run.dir=x");
    CHECK(cy_override_is_hydra(ov));
    cy_override_free(ov);
    ov = parse_ok("hydra/launcher=x");
    CHECK(cy_override_is_hydra(ov));
    cy_override_free(ov);
    ov = parse_ok("hydrax=x");
    CHECK(!cy_override_is_hydra(ov));
    cy_override_free(ov);
    ov = parse_ok("x=range(1,3)");
    CHECK(cy_override_is_range_sweep(ov) && cy_override_is_discrete_sweep(ov));
    CHECK(!cy_override_is_choice_sweep(ov));
    cy_override_free(ov);
    ov = parse_ok("x=glob(a*)");
    CHECK(cy_override_is_choice_sweep(ov) && cy_override_is_discrete_sweep(ov));
    cy_override_free(ov);
    ov = parse_ok("x=interval(0,1)");
    CHECK(cy_override_is_interval_sweep(ov) && !cy_override_is_discrete_sweep(ov));
    CHECK_STREQ(cy_override_value_type_name(ov->value_type), "INTERVAL_SWEEP");
    cy_override_free(ov);
    cy_override_free(NULL);
    cy_override_error_clear(NULL);
}

static void test_fnmatch(void) {
    static const struct {
        const char *pat, *name;
        int m;
    } cases[] = {
        {"*", "", 1},         {"*", "abc", 1},
        {"a*", "abc", 1},     {"a*", "bac", 0},
        {"*c", "abc", 1},     {"a?c", "abc", 1},
        {"a?c", "ac", 0},     {"[ab]*", "bx", 1},
        {"[!ab]*", "bx", 0},  {"[!ab]*", "cx", 1},
        {"[a-c]", "b", 1},    {"[c-a]", "b", 0},
        {"[", "[", 1},        {"[]]", "]", 1},
        {"[!]]", "a", 1},     {"[a-]", "-", 1},
        {"*.py", "x.py", 1},  {"*a*b*", "xaybz", 1},
        {"*a*b", "xaybz", 0}, {"a\\b", "a\\b", 1},
        {"?", "\xc3\xa9", 1}, {"caf?", "caf\xc3\xa9", 1},
        {"**x", "x", 1},      {"Caps", "caps", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (cy_override_fnmatch(cases[i].pat, cases[i].name) != cases[i].m)
            harness_fail(__FILE__, __LINE__, "fnmatch('%s', '%s') != %d", cases[i].name,
                         cases[i].pat, cases[i].m);
    }
}

/* Inputs of the size a command line allows (128 KiB per argument) stay linear. */
static void test_large_inputs(void) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t cap = 400000;
    char *buf = malloc(cap);
    /* ${${${... : every failed interpolation search must not rescan the rest */
    strcpy(buf, "x=");
    for (int i = 0; i < 60000; i++)
        strcat(buf + 2 * i, "${");
    cy_override_error err = parse_err(buf);
    CHECK_EQ_INT(err.code, CY_EPARSE);
    cy_override_error_clear(&err);
    /* a dict with 20000 distinct keys, and with colliding ones */
    size_t n = (size_t)sprintf(buf, "x={");
    for (int i = 0; i < 20000; i++)
        n += (size_t)sprintf(buf + n, "%sk%d:%d", i ? "," : "", i, i);
    n += (size_t)sprintf(buf + n, ",1:a,1.0:b,true:c}");
    cy_override *ov = parse_ok(buf);
    CHECK_EQ_INT(ov->value->u.dict.count, 20001);
    CHECK_STREQ(ov->value->u.dict.values[20000]->u.str.text, "c");
    cy_override_free(ov);
    /* a long sweep and a long list */
    n = (size_t)sprintf(buf, "x=");
    for (int i = 0; i < 30000; i++)
        n += (size_t)sprintf(buf + n, "%s%d", i ? "," : "", i);
    ov = parse_ok(buf);
    CHECK_EQ_INT(ov->value->u.choice.count, 30000);
    cy_override_free(ov);
    free(buf);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    CHECK(secs < 10.0);
}

static void test_float_repr(void) {
    static const struct {
        double v;
        const char *s;
    } cases[] = {
        {0.1, "0.1"},
        {1e-5, "1e-05"},
        {1e-4, "0.0001"},
        {1e16, "1e+16"},
        {1e15, "1000000000000000.0"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {-0.0, "-0.0"},
        {100.0, "100.0"},
        {0.30000000000000004, "0.30000000000000004"},
        {2.0 / 3.0, "0.6666666666666666"},
        {9007199254740993.0, "9007199254740992.0"},
        {-1.5e-300, "-1.5e-300"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
        {NAN, "nan"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK_STREQ(cy_override_float_repr(cases[i].v, buf), cases[i].s);
}

int main(void) {
    RUN(test_basic_examples);
    RUN(test_primitives);
    RUN(test_quoted);
    RUN(test_containers);
    RUN(test_functions);
    RUN(test_errors);
    RUN(test_limits);
    RUN(test_sweeps);
    RUN(test_shuffle);
    RUN(test_rendering);
    RUN(test_predicates);
    RUN(test_fnmatch);
    RUN(test_large_inputs);
    RUN(test_float_repr);
    return harness_summary();
}
