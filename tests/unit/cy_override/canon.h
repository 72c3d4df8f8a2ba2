/*
 * canon.h - the canonical text record of one override, as tests/oracle/override_golden.py
 * writes it for Hydra (see the format there). Shared by the golden test and its --canon mode,
 * which the differential test (tests/py/test_override_grammar_diff.py) drives.
 */
#ifndef CYDRA_TESTS_OVERRIDE_CANON_H
#define CYDRA_TESTS_OVERRIDE_CANON_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/override.h"

typedef struct canon_buf {
    char *s;
    size_t len, cap;
} canon_buf;

static void cb_putn(canon_buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void cb_puts(canon_buf *b, const char *s) {
    cb_putn(b, s, strlen(s));
}

static void cb_esc(canon_buf *b, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '\\':
            cb_puts(b, "\\\\");
            break;
        case '\n':
            cb_puts(b, "\\n");
            break;
        case '\t':
            cb_puts(b, "\\t");
            break;
        case '\r':
            cb_puts(b, "\\r");
            break;
        default:
            cb_putn(b, s, 1);
        }
    }
}

/* In place; returns s. */
static char *canon_unesc(char *s) {
    char *o = s;
    for (char *i = s; *i; i++) {
        if (*i == '\\' && i[1]) {
            i++;
            *o++ = *i == 'n' ? '\n' : *i == 't' ? '\t' : *i == 'r' ? '\r' : *i;
        } else {
            *o++ = *i;
        }
    }
    *o = '\0';
    return s;
}

static const char *const canon_glob_names[] = {
    "a",       "ab",        "abc", "b",   "ba",  "bar", "baz",   "foo",  "foo_bar",    "school",
    "support", "warehouse", "x.y", "[x]", "a b", "a,b", "-dash", "Caps", "caf\xc3\xa9"};

static int canon_strcmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void canon_sweep(canon_buf *b, const cy_override *ov) {
    const cy_override_value *v = ov->value;
    int shuffled = (v->kind == CY_OV_CHOICE && v->u.choice.shuffle) ||
                   (v->kind == CY_OV_RANGE && v->u.range.shuffle);
    size_t limit = shuffled ? 1001 : 51, n = 0;
    char **items = calloc(limit, sizeof *items);
    cy_override_sweep_options opts = CY_OVERRIDE_SWEEP_OPTIONS_INIT;
    opts.group_options = canon_glob_names;
    opts.n_group_options = sizeof canon_glob_names / sizeof *canon_glob_names;
    opts.seed = 12345;
    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    cy_override_sweep *it = NULL;
    int rc = cy_override_sweep_begin(&it, ov, &opts, &err);
    while (rc == 0 && n < limit) {
        const cy_override_value *item;
        int r = cy_override_sweep_next(it, &item, &err);
        if (r < 0) {
            rc = r;
            break;
        }
        if (r == 0)
            break;
        if (v->kind == CY_OV_GLOB) {
            items[n++] = strdup(item->u.str.text);
        } else {
            char *s;
            rc = cy_override_element_string(&s, item, 0, &err);
            if (rc == 0)
                items[n++] = s;
        }
    }
    cy_override_sweep_end(it);
    char num[64];
    if (rc < 0) {
        snprintf(num, sizeof num, "sweep\t!%zu\t", n);
        cb_puts(b, num);
        cb_puts(b, err.exc ? err.exc : "?");
        cb_puts(b, ": ");
        cb_esc(b, err.message ? err.message : "");
        cb_puts(b, "\n");
    } else {
        if (shuffled)
            qsort(items, n, sizeof *items, canon_strcmp);
        int more = n > 50;
        size_t shown = n > 50 ? 50 : n;
        snprintf(num, sizeof num, "sweep\t%s\t%s%zu", shuffled ? "S" : "O", more ? "+" : "", shown);
        cb_puts(b, num);
        for (size_t i = 0; i < shown; i++) {
            cb_puts(b, "\t");
            cb_esc(b, items[i]);
        }
        cb_puts(b, "\n");
    }
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
    cy_override_error_clear(&err);
}

static void canon_repr(canon_buf *b, const cy_override_value *v) {
    if (!v) {
        cb_puts(b, "None");
        return;
    }
    char *s;
    if (cy_override_value_repr(&s, v) < 0) {
        cb_puts(b, "<out of memory>");
        return;
    }
    cb_esc(b, s);
    free(s);
}

/* The record of `input` (without the trailing blank line). */
static void canon_record(canon_buf *b, const char *input, uint64_t seed) {
    cb_puts(b, "in\t");
    cb_esc(b, input);
    cb_puts(b, "\n");
    cy_override *ov;
    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    cy_override_parse_options opts = CY_OVERRIDE_PARSE_OPTIONS_INIT;
    opts.seed = seed;
    if (cy_override_parse_opts(&ov, input, &opts, &err) < 0) {
        cb_puts(b, "err\t");
        cb_esc(b, err.message ? err.message : "");
        cb_puts(b, "\n");
        cy_override_error_clear(&err);
        return;
    }
    cb_puts(b, "ok\t");
    cb_puts(b, cy_override_type_name(ov->type));
    cb_puts(b, "\t");
    cb_esc(b, ov->key_or_group);
    cb_puts(b, "\t");
    if (ov->package)
        cb_esc(b, ov->package);
    else
        cb_puts(b, "~");
    cb_puts(b, "\t");
    cb_puts(b, cy_override_value_type_name(ov->value_type));
    cb_puts(b, "\nval\t");
    canon_repr(b, ov->value);
    cb_puts(b, "\n");
    if (!cy_override_is_sweep(ov)) {
        cb_puts(b, "py\t");
        canon_repr(b, cy_override_python_value(ov));
        cb_puts(b, "\n");
        for (int sp = 0; sp <= 1; sp++) {
            cb_puts(b, sp ? "strsp\t" : "str\t");
            char *s;
            if (cy_override_value_string(&s, ov, sp, &err) == 0) {
                cb_esc(b, s);
                free(s);
            } else {
                cb_puts(b, "!");
                cb_puts(b, err.exc ? err.exc : "?");
                cy_override_error_clear(&err);
            }
            cb_puts(b, "\n");
        }
    }
    char *ke;
    cy_override_key_element(&ke, ov);
    cb_puts(b, "keyel\t");
    cb_esc(b, ke);
    cb_puts(b, "\n");
    free(ke);
    if (cy_override_is_discrete_sweep(ov))
        canon_sweep(b, ov);
    cy_override_free(ov);
}

#endif
