/*
 * pyobj.c - the Python semantics that grammar functions rely on: ==, <, dict keys, sorted().
 *
 * sort() results and its TypeError texts depend on which pairs Python compares, so sorting
 * follows CPython 3.11's list.sort: reverse first when reverse=True, then for fewer than 64
 * items (every realistic case) count_run + binary insertion sort, comparing exactly the pairs
 * CPython compares. Longer lists use a stable merge sort (same result when all pairs compare).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int is_num(const cy_override_value *v) {
    return v->kind == CY_OV_INT || v->kind == CY_OV_FLOAT || v->kind == CY_OV_BOOL;
}

/* Exact comparison of an integer and a double (Python compares int and float exactly).
 * Returns -1, 0, 1, or 2 when d is NaN. */
static int cmp_int_double(int64_t i, double d) {
    if (isnan(d))
        return 2;
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double t = trunc(d);
    int64_t ti = (int64_t)t;
    if (i < ti)
        return -1;
    if (i > ti)
        return 1;
    if (d > t)
        return -1;
    if (d < t)
        return 1;
    return 0;
}

static int64_t as_int(const cy_override_value *v) {
    return v->kind == CY_OV_BOOL ? (v->u.boolean != 0) : v->u.integer;
}

/* -1, 0, 1, or 2 when unordered (NaN). */
static int num_cmp(const cy_override_value *a, const cy_override_value *b) {
    if (a->kind != CY_OV_FLOAT && b->kind != CY_OV_FLOAT) {
        int64_t x = as_int(a), y = as_int(b);
        return x < y ? -1 : x > y;
    }
    if (a->kind == CY_OV_FLOAT && b->kind == CY_OV_FLOAT) {
        double x = a->u.flt.value, y = b->u.flt.value;
        if (isnan(x) || isnan(y))
            return 2;
        return x < y ? -1 : x > y;
    }
    if (a->kind == CY_OV_FLOAT) {
        int c = cmp_int_double(as_int(b), a->u.flt.value);
        return c == 2 ? 2 : -c;
    }
    return cmp_int_double(as_int(a), b->u.flt.value);
}

static int str_eq(const cy_override_value *a, const cy_override_value *b) {
    return a->u.str.len == b->u.str.len && memcmp(a->u.str.text, b->u.str.text, a->u.str.len) == 0;
}

static int tags_eq(const cy_override_tags *a, const cy_override_tags *b) {
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->names[i], b->names[i]) != 0)
            return 0;
    return 1;
}

static int items_eq(cy_override_value *const *a, size_t na, cy_override_value *const *b,
                    size_t nb) {
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (a[i] != b[i] && !ov_py_eq(a[i], b[i]))
            return 0;
    return 1;
}

/* Identity first, as Python's container comparisons do. */
static int same_or_eq(const cy_override_value *a, const cy_override_value *b) {
    return a == b || ov_py_eq(a, b);
}

int ov_py_eq(const cy_override_value *a, const cy_override_value *b) {
    if (is_num(a) && is_num(b))
        return num_cmp(a, b) == 0;
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case CY_OV_NULL:
        return 1;
    case CY_OV_STRING:
        return str_eq(a, b);
    case CY_OV_QUOTED:
        return a->u.str.quote == b->u.str.quote && str_eq(a, b);
    case CY_OV_LIST:
        return items_eq(a->u.list.items, a->u.list.count, b->u.list.items, b->u.list.count);
    case CY_OV_DICT:
        if (a->u.dict.count != b->u.dict.count)
            return 0;
        for (size_t i = 0; i < a->u.dict.count; i++) {
            size_t j = 0;
            for (; j < b->u.dict.count; j++)
                if (ov_py_key_eq(a->u.dict.keys[i], b->u.dict.keys[j]))
                    break;
            if (j == b->u.dict.count || !same_or_eq(a->u.dict.values[i], b->u.dict.values[j]))
                return 0;
        }
        return 1;
    case CY_OV_CHOICE:
        return tags_eq(&a->u.choice.tags, &b->u.choice.tags) &&
               items_eq(a->u.choice.items, a->u.choice.count, b->u.choice.items,
                        b->u.choice.count) &&
               !a->u.choice.simple_form == !b->u.choice.simple_form &&
               !a->u.choice.shuffle == !b->u.choice.shuffle;
    case CY_OV_RANGE:
        return tags_eq(&a->u.range.tags, &b->u.range.tags) &&
               same_or_eq(a->u.range.start, b->u.range.start) &&
               same_or_eq(a->u.range.stop, b->u.range.stop) &&
               same_or_eq(a->u.range.step, b->u.range.step) &&
               !a->u.range.shuffle == !b->u.range.shuffle;
    case CY_OV_INTERVAL:
        /* IntervalSweep.__eq__ also wants the same types of start and end */
        return ov_py_eq(a->u.interval.start, b->u.interval.start) &&
               ov_py_eq(a->u.interval.end, b->u.interval.end) &&
               tags_eq(&a->u.interval.tags, &b->u.interval.tags) &&
               a->u.interval.start->kind == b->u.interval.start->kind &&
               a->u.interval.end->kind == b->u.interval.end->kind;
    case CY_OV_GLOB:
        return items_eq(a->u.glob.include, a->u.glob.ninclude, b->u.glob.include,
                        b->u.glob.ninclude) &&
               items_eq(a->u.glob.exclude, a->u.glob.nexclude, b->u.glob.exclude,
                        b->u.glob.nexclude);
    default:
        return 0;
    }
}

int ov_py_key_eq(const cy_override_value *a, const cy_override_value *b) {
    if (a == b)
        return 1;
    return ov_py_eq(a, b);
}

int ov_py_lt(const cy_override_value *a, const cy_override_value *b,
             const cy_override_value **bad_a, const cy_override_value **bad_b) {
    if (is_num(a) && is_num(b))
        return num_cmp(a, b) == -1;
    if (a->kind == CY_OV_STRING && b->kind == CY_OV_STRING) {
        size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
        int c = memcmp(a->u.str.text, b->u.str.text, n);
        if (c)
            return c < 0;
        return a->u.str.len < b->u.str.len;
    }
    if (a->kind == CY_OV_LIST && b->kind == CY_OV_LIST) {
        size_t na = a->u.list.count, nb = b->u.list.count;
        for (size_t i = 0; i < na && i < nb; i++) {
            const cy_override_value *x = a->u.list.items[i], *y = b->u.list.items[i];
            if (!same_or_eq(x, y))
                return ov_py_lt(x, y, bad_a, bad_b);
        }
        return na < nb;
    }
    *bad_a = a;
    *bad_b = b;
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * sorted()
 */

typedef struct sorter {
    const cy_override_value *bad_a, *bad_b;
    int failed;
} sorter;

/* IFLT: -1 on error. */
static int islt(sorter *s, const cy_override_value *x, const cy_override_value *y) {
    int r = ov_py_lt(x, y, &s->bad_a, &s->bad_b);
    if (r < 0)
        s->failed = 1;
    return r;
}

static void reverse(cy_override_value **v, size_t n) {
    for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
        cy_override_value *t = v[i];
        v[i] = v[j - 1];
        v[j - 1] = t;
    }
}

/* CPython's count_run: the length of the run at the start, reversing a strictly descending one. */
static int count_run(sorter *s, cy_override_value **v, size_t n, size_t *run) {
    if (n == 1) {
        *run = 1;
        return 0;
    }
    size_t k = 2;
    int r = islt(s, v[1], v[0]);
    if (r < 0)
        return -1;
    if (r) {
        for (; k < n; k++) {
            r = islt(s, v[k], v[k - 1]);
            if (r < 0)
                return -1;
            if (!r)
                break;
        }
        reverse(v, k);
    } else {
        for (; k < n; k++) {
            r = islt(s, v[k], v[k - 1]);
            if (r < 0)
                return -1;
            if (r)
                break;
        }
    }
    *run = k;
    return 0;
}

/* CPython's binarysort: v[0..start) is sorted; insert the rest. */
static int binarysort(sorter *s, cy_override_value **v, size_t n, size_t start) {
    if (start == 0)
        start = 1;
    for (; start < n; start++) {
        size_t l = 0, r = start;
        cy_override_value *pivot = v[start];
        do {
            size_t p = l + ((r - l) >> 1);
            int lt = islt(s, pivot, v[p]);
            if (lt < 0)
                return -1;
            if (lt)
                r = p;
            else
                l = p + 1;
        } while (l < r);
        memmove(v + l + 1, v + l, (start - l) * sizeof *v);
        v[l] = pivot;
    }
    return 0;
}

static int merge_sort(sorter *s, cy_override_value **v, cy_override_value **tmp, size_t n) {
    if (n < 2)
        return 0;
    size_t h = n / 2;
    if (merge_sort(s, v, tmp, h) < 0 || merge_sort(s, v + h, tmp, n - h) < 0)
        return -1;
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        int lt = islt(s, v[j], v[i]);
        if (lt < 0)
            return -1;
        tmp[k++] = lt ? v[j++] : v[i++];
    }
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
    return 0;
}

int ov_py_sort(cy_override_value **items, size_t n, int rev, char **msg) {
    *msg = NULL;
    if (n < 2)
        return 0;
    sorter s = {NULL, NULL, 0};
    if (rev)
        reverse(items, n);
    int rc;
    if (n < 64) {
        size_t run;
        rc = count_run(&s, items, n, &run);
        if (rc == 0 && run < n)
            rc = binarysort(&s, items, n, run);
    } else {
        cy_override_value **tmp = malloc(n * sizeof *tmp);
        if (!tmp)
            return -2;
        rc = merge_sort(&s, items, tmp, n);
        free(tmp);
    }
    if (rc < 0) {
        cy_sbuf b = {0};
        cy__sb_printf(&b, "'<' not supported between instances of '%s' and '%s'",
                      ov_py_type_name(s.bad_a), ov_py_type_name(s.bad_b));
        *msg = cy__sb_take(&b);
        return *msg ? -1 : -2;
    }
    if (rev)
        reverse(items, n);
    return 0;
}
