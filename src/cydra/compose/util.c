/*
 * util.c - pointer arrays, Python-style sorting and repr, and the "did you mean" suggestion used
 * by composition errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose_internal.h"

/* ---------------------------------------------------------------------------------------------
 * parr
 */

void cyc_parr_push(cy_arena *a, parr *p, void *x) {
    if (p->len == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        void **v = cy_arena_alloc(a, cap * sizeof *v);
        if (p->len)
            memcpy(v, p->v, p->len * sizeof *v);
        p->v = v;
        p->cap = cap;
    }
    p->v[p->len++] = x;
}

const char *cyc_cat(cy_arena *arena, const char *a, const char *sep, const char *b) {
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    char *r = cy_arena_alloc(arena, la + ls + lb + 1);
    memcpy(r, a, la);
    memcpy(r + la, sep, ls);
    memcpy(r + la + ls, b, lb + 1);
    return r;
}

/* ---------------------------------------------------------------------------------------------
 * Python-isms
 */

const char *cyc_py_repr_str(cy_arena *a, const char *s) {
    /* repr() picks single quotes unless the text has a ' and no " */
    char q = (strchr(s, '\'') && !strchr(s, '"')) ? '"' : '\'';
    cy_sbuf b = {0};
    cy__sb_putn(&b, &q, 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '\\':
            cy__sb_puts(&b, "\\\\");
            break;
        case '\n':
            cy__sb_puts(&b, "\\n");
            break;
        case '\r':
            cy__sb_puts(&b, "\\r");
            break;
        case '\t':
            cy__sb_puts(&b, "\\t");
            break;
        default:
            if (*p == (unsigned char)q)
                cy__sb_printf(&b, "\\%c", q);
            else if (*p < 0x20 || *p == 0x7f)
                cy__sb_printf(&b, "\\x%02x", *p);
            else
                cy__sb_putn(&b, (const char *)p, 1);
        }
    }
    cy__sb_putn(&b, &q, 1);
    const char *r = cy_arena_strdup(a, b.s ? b.s : "''");
    cy__sb_free(&b);
    return r;
}

static int cmp_str(const void *x, const void *y) {
    /* strcmp orders UTF-8 by code point, as Python orders str */
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

size_t cyc_sort_unique(const char **v, size_t n) {
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_str);
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i], v[w - 1]) != 0)
            v[w++] = v[i];
    return w;
}

char *cyc_xstrdup_or_null(const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* ---------------------------------------------------------------------------------------------
 * Suggestions
 */

void cyc_error_add_hint(const char *suggestion) {
    const cy_error *e = cy_error_last();
    if (!suggestion || e->code == 0)
        return;
    /* The hint goes after everything Hydra prints, key facts included, so the key lines are
     * folded into the message and the context lines put back above it. */
    int code = e->code;
    const char *exc = e->exc;
    char *context = cyc_xstrdup_or_null(e->context);
    cy_error copy = *e;
    copy.context = NULL;
    char *body = cy_error_text(&copy);
    if (!body) {
        free(context);
        return;
    }
    cy_error_set(code, exc, "%s\nDid you mean '%s'?", body, suggestion);
    if (context)
        cy_error_wrap("%s", context);
    free(body);
    free(context);
}
