/*
 * fuzz_override.c - libFuzzer target for the override parser (src/cydra/override).
 *
 * The input is one override (cut at the first NUL, as argv would be). Everything the parser
 * offers runs on it: parsing with a small and the default nesting limit, repr/str of the value,
 * Override.value(), the per-job strings, and sweep expansion (bounded) with a glob option list.
 * Findings are crashes, sanitizer reports, leaks, and broken invariants (aborts below).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/error.h"
#include "cydra/override.h"

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char *const names[] = {"a", "ab", "b", "[x]", "a b", "caf\xc3\xa9", "", "*"};

static void check_error(const cy_override_error *err, int rc, const char *text) {
    REQUIRE(rc < 0 && err->code == rc);
    REQUIRE(err->message && err->detail && err->exc);
    REQUIRE(err->offset <= strlen(text));
    REQUIRE(err->column <= err->offset);
}

static void exercise_value(const cy_override_value *v) {
    char *s = NULL;
    REQUIRE(cy_override_value_repr(&s, v) == 0);
    free(s);
    REQUIRE(cy_override_value_pystr(&s, v) == 0);
    free(s);
    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    if (cy_override_element_string(&s, v, 1, &err) == 0)
        free(s);
    cy_override_error_clear(&err);
    REQUIRE(cy_override_value_pytype(v) != NULL);
}

static void exercise_sweep(const cy_override *ov) {
    cy_override_sweep_options opts = CY_OVERRIDE_SWEEP_OPTIONS_INIT;
    opts.group_options = names;
    opts.n_group_options = sizeof names / sizeof *names;
    opts.seed = 1;
    opts.max_items = 64;
    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    char **items;
    size_t n;
    int rc = cy_override_sweep_strings(&items, &n, ov, &opts, &err);
    if (rc == 0) {
        REQUIRE(n <= 64);
        cy_override_strings_free(items, n);
    } else {
        REQUIRE(err.code == rc && err.message);
        cy_override_error_clear(&err);
    }
    cy_override_sweep *it;
    if (cy_override_sweep_begin(&it, ov, &opts, &err) == 0) {
        const cy_override_value *item;
        for (int i = 0; i < 64 && cy_override_sweep_next(it, &item, &err) == 1; i++)
            exercise_value(item);
        cy_override_sweep_end(it);
    }
    cy_override_error_clear(&err);
    if (ov->value && ov->value->kind == CY_OV_GLOB) {
        const char **out;
        if (cy_override_glob_filter(&out, &n, ov->value, names, sizeof names / sizeof *names,
                                    &err) == 0)
            free(out);
        cy_override_error_clear(&err);
        for (size_t i = 0; i < ov->value->u.glob.ninclude; i++)
            if (ov->value->u.glob.include[i]->kind == CY_OV_STRING)
                for (size_t k = 0; k < sizeof names / sizeof *names; k++)
                    (void)cy_override_fnmatch(ov->value->u.glob.include[i]->u.str.text, names[k]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    /* a tight nesting limit: deep inputs must fail cleanly */
    cy_override_parse_options small = CY_OVERRIDE_PARSE_OPTIONS_INIT;
    small.max_depth = 4;
    small.seed = 3;
    cy_override *ov = NULL;
    cy_override_error err = CY_OVERRIDE_ERROR_INIT;
    int rc = cy_override_parse_opts(&ov, text, &small, &err);
    if (rc == 0)
        cy_override_free(ov);
    else
        check_error(&err, rc, text);
    cy_override_error_clear(&err);

    cy_override_parse_options opts = CY_OVERRIDE_PARSE_OPTIONS_INIT;
    opts.seed = 3;
    rc = cy_override_parse_opts(&ov, text, &opts, &err);
    if (rc < 0) {
        check_error(&err, rc, text);
        REQUIRE(ov == NULL);
        cy_override_error_clear(&err);
        free(text);
        return 0;
    }
    REQUIRE(strcmp(ov->input_line, text) == 0);
    REQUIRE((ov->value == NULL) == (ov->value_type == CY_OV_VT_NONE));

    /* the same input and seed parse to the same value */
    cy_override *again = NULL;
    REQUIRE(cy_override_parse_opts(&again, text, &opts, NULL) == 0);
    if (ov->value) {
        char *a, *b;
        REQUIRE(cy_override_value_repr(&a, ov->value) == 0);
        REQUIRE(cy_override_value_repr(&b, again->value) == 0);
        REQUIRE(strcmp(a, b) == 0);
        free(a);
        free(b);
        exercise_value(ov->value);
    }
    cy_override_free(again);

    char *s = NULL;
    REQUIRE(cy_override_key_element(&s, ov) == 0);
    free(s);
    (void)cy_override_value_text(ov);
    (void)cy_override_is_hydra(ov);
    if (!cy_override_is_sweep(ov)) {
        if (cy_override_job_string(&s, ov, &err) == 0)
            free(s);
        cy_override_error_clear(&err);
        const cy_override_value *pv = cy_override_python_value(ov);
        REQUIRE((pv == NULL) == (ov->value == NULL));
        if (pv)
            exercise_value(pv);
    } else {
        /* sweeps cannot be rendered; a glob (not a Sweep in Hydra) renders as its fields */
        int r = cy_override_value_string(&s, ov, 0, &err);
        REQUIRE(r < 0 || ov->value_type == CY_OV_VT_GLOB_CHOICE_SWEEP);
        if (r == 0)
            free(s);
        cy_override_error_clear(&err);
        exercise_sweep(ov);
    }
    cy_override_free(ov);
    free(text);
    return 0;
}
