/*
 * searchpath.c - the config search path: an ordered list of (provider, path), with Hydra's
 * anchored append/prepend.
 */
#include <stdlib.h>
#include <string.h>

#include "compose_internal.h"

typedef struct sp_ent {
    char *provider;
    char *path;
} sp_ent;

struct cy_searchpath {
    sp_ent *v;
    size_t len, cap;
};

int cy_searchpath_new(cy_searchpath **out) {
    *out = calloc(1, sizeof **out);
    if (!*out)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    return 0;
}

void cy_searchpath_free(cy_searchpath *sp) {
    if (!sp)
        return;
    for (size_t i = 0; i < sp->len; i++) {
        free(sp->v[i].provider);
        free(sp->v[i].path);
    }
    free(sp->v);
    free(sp);
}

size_t cy_searchpath_len(const cy_searchpath *sp) {
    return sp->len;
}

const char *cy_searchpath_provider(const cy_searchpath *sp, size_t i) {
    return i < sp->len ? sp->v[i].provider : NULL;
}

const char *cy_searchpath_path(const cy_searchpath *sp, size_t i) {
    return i < sp->len ? sp->v[i].path : NULL;
}

static int insert_at(cy_searchpath *sp, size_t idx, const char *provider, const char *path) {
    if (!provider || !path)
        return cy_error_set(CY_ERROR, "ValueError",
                            "a search path entry needs a provider and a path");
    if (sp->len == sp->cap) {
        size_t cap = sp->cap ? 2 * sp->cap : 8;
        sp_ent *v = realloc(sp->v, cap * sizeof *v);
        if (!v)
            return cy_error_set(CY_ENOMEM, NULL, "out of memory");
        sp->v = v;
        sp->cap = cap;
    }
    char *p = cyc_xstrdup_or_null(provider), *q = cyc_xstrdup_or_null(path);
    if (!p || !q) {
        free(p);
        free(q);
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    }
    memmove(sp->v + idx + 1, sp->v + idx, (sp->len - idx) * sizeof *sp->v);
    sp->v[idx] = (sp_ent){p, q};
    sp->len++;
    return 0;
}

static bool matches(const sp_ent *e, const char *provider, const char *path) {
    if (provider && strcmp(provider, e->provider) != 0)
        return false;
    if (path && strcmp(path, e->path) != 0)
        return false;
    return true;
}

int cy_searchpath_append(cy_searchpath *sp, const char *provider, const char *path,
                         const char *anchor_provider, const char *anchor_path) {
    if (anchor_provider || anchor_path) {
        for (size_t i = sp->len; i-- > 0;)
            if (matches(&sp->v[i], anchor_provider, anchor_path))
                return insert_at(sp, i + 1, provider, path);
    }
    return insert_at(sp, sp->len, provider, path);
}

int cy_searchpath_prepend(cy_searchpath *sp, const char *provider, const char *path,
                          const char *anchor_provider, const char *anchor_path) {
    if (anchor_provider || anchor_path) {
        for (size_t i = 0; i < sp->len; i++)
            if (matches(&sp->v[i], anchor_provider, anchor_path))
                return insert_at(sp, i, provider, path);
    }
    return insert_at(sp, 0, provider, path);
}

int cy_searchpath_copy(cy_searchpath **out, const cy_searchpath *sp) {
    int rc = cy_searchpath_new(out);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < sp->len; i++) {
        if ((rc = insert_at(*out, i, sp->v[i].provider, sp->v[i].path)) < 0) {
            cy_searchpath_free(*out);
            *out = NULL;
            return rc;
        }
    }
    return 0;
}
