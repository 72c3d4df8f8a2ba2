/*
 * source.c - config sources: directories of YAML files (`file://`), the config store
 * (`structured://`) and stores registered as packages (`pkg://`), with Hydra's rules for what is
 * a group, what is a config, how a group is listed and how a "# @package" header is read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compose_internal.h"
#include "cydra/yaml.h"

const char *cyc_normalize_file_name(cy_arena *a, const char *name) {
    size_t n = strlen(name);
    if (n >= 5 && strcmp(name + n - 5, ".yaml") == 0)
        return cy_arena_strdup(a, name);
    return cyc_cat(a, name, "", ".yaml");
}

/* ---------------------------------------------------------------------------------------------
 * Header
 */

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

int cyc_yaml_header_package(const char **package, cy_arena *a, const char *text) {
    *package = NULL;
    /* Hydra reads the first 512 characters (not bytes) of the file */
    size_t end = 0, chars = 0;
    while (text[end] && chars < 512) {
        end++;
        while (((unsigned char)text[end] & 0xC0) == 0x80)
            end++;
        chars++;
    }
    const char *p = text, *stop = text + end;
    while (p < stop) {
        const char *eol = p;
        while (eol < stop && *eol != '\n' && *eol != '\r')
            eol++;
        const char *b = p, *e = eol;
        while (b < e && is_space(*b))
            b++;
        while (e > b && is_space(e[-1]))
            e--;
        p = eol;
        if (p < stop && *p == '\r' && p + 1 < stop && p[1] == '\n')
            p++;
        if (p < stop)
            p++;
        if (b == e)
            continue;
        /* ^\s*#\s*@ */
        const char *q = b;
        if (*q != '#')
            break;
        q++;
        while (q < e && is_space(*q))
            q++;
        if (q >= e || *q != '@')
            break;
        /* line.lstrip("#").strip() */
        const char *l = b;
        while (l < e && *l == '#')
            l++;
        while (l < e && is_space(*l))
            l++;
        const char *line = cy_arena_strndup(a, l, (size_t)(e - l));
        /* re.split(" ") and drop empty parts */
        const char *parts[3];
        size_t np = 0, llen = strlen(line);
        for (size_t i = 0; i < llen;) {
            while (i < llen && line[i] == ' ')
                i++;
            if (i >= llen)
                break;
            size_t j = i;
            while (j < llen && line[j] != ' ')
                j++;
            if (np < 3)
                parts[np] = cy_arena_strndup(a, line + i, j - i);
            np++;
            i = j;
        }
        if (np < 2)
            return cy_error_set(CY_ERROR, "ValueError",
                                "Expected header format: KEY VALUE, got '%s'", line);
        if (np > 2)
            return cy_error_set(CY_ERROR, "ValueError", "Too many components in '%s'", line);
        if (parts[0][0] == '@' && strcmp(parts[0] + 1, "package") == 0)
            *package = parts[1];
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Sources
 */

int cyc_source_init(source *s, cy_arena *a, const char *provider, const char *path) {
    memset(s, 0, sizeof *s);
    s->provider = cy_arena_strdup(a, provider);
    const char *sep = strstr(path, "://");
    const char *scheme = sep ? cy_arena_strndup(a, path, (size_t)(sep - path)) : "file";
    const char *rest = sep ? sep + 3 : path;
    if (strcmp(scheme, "file") == 0) {
        s->kind = SRC_FILE;
        s->scheme = "file";
    } else if (strcmp(scheme, "structured") == 0) {
        s->kind = SRC_STRUCTURED;
        s->scheme = "structured";
    } else if (strcmp(scheme, "pkg") == 0) {
        s->kind = SRC_PKG;
        s->scheme = "pkg";
        s->store = cy_store_pkg(rest);
    } else {
        return cy_error_set(CY_ERROR, "ValueError",
                            "No config source registered for schema %s, supported types : [file, "
                            "pkg, structured]",
                            scheme);
    }
    s->path = cy_arena_strdup(a, rest);
    return 0;
}

const char *cyc_source_repr(cy_arena *a, const source *s) {
    return cy_arena_printf(a, "provider=%s, path=%s://%s", s->provider, s->scheme, s->path);
}

/* os.path.join(base, rel) as Hydra uses it (rel is never absolute in practice). */
static const char *join(cy_arena *a, const char *base, const char *rel) {
    if (rel[0] == '/')
        return rel;
    if (!base[0])
        return rel;
    size_t n = strlen(base);
    if (base[n - 1] == '/')
        return cyc_cat(a, base, "", rel);
    return cyc_cat(a, base, "/", rel);
}

static bool is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* config_path.rstrip("/") */
static const char *rstrip_slash(cy_arena *a, const char *p) {
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] == '/')
        n--;
    return cy_arena_strndup(a, p, n);
}

bool cyc_source_available(source *s) {
    switch (s->kind) {
    case SRC_FILE:
        return is_dir(s->path[0] ? s->path : ".");
    case SRC_STRUCTURED:
        return true;
    case SRC_PKG:
        return s->store != NULL;
    }
    return false;
}

bool cyc_source_is_group(source *s, cy_arena *a, const char *config_path) {
    switch (s->kind) {
    case SRC_FILE:
        return is_dir(config_path[0] ? join(a, s->path, config_path)
                                     : (s->path[0] ? s->path : "."));
    case SRC_STRUCTURED:
    case SRC_PKG:
        if (!s->store)
            return false;
        return cy_store_type(s->store, rstrip_slash(a, config_path)) == CY_OBJ_GROUP;
    }
    return false;
}

bool cyc_source_is_config(source *s, cy_arena *a, const char *config_path) {
    switch (s->kind) {
    case SRC_FILE:
        return is_file(join(a, s->path, cyc_normalize_file_name(a, config_path)));
    case SRC_STRUCTURED:
    case SRC_PKG: {
        if (!s->store)
            return false;
        const char *norm = cyc_normalize_file_name(a, rstrip_slash(a, config_path));
        /* the store is asked about the normalised name only, as Hydra's get_type(filename) */
        return cy_store_type(s->store, norm) == CY_OBJ_CONFIG;
    }
    }
    return false;
}

/* Hydra's _list_add_result. */
static void list_add(parr *out, cy_arena *a, source *s, const char *file_path,
                     const char *file_name, cy_object_type filter) {
    bool filtered = strcmp(file_name, "__pycache__") == 0 || strcmp(file_name, "__init__.py") == 0;
    if (filtered)
        return;
    if (filter != CY_OBJ_CONFIG && cyc_source_is_group(s, a, file_path))
        cyc_parr_push(a, out, (void *)cy_arena_strdup(a, file_name));
    if (filter != CY_OBJ_GROUP && cyc_source_is_config(s, a, file_path)) {
        const char *dot = strrchr(file_name, '.');
        cyc_parr_push(a, out,
                      (void *)(dot ? cy_arena_strndup(a, file_name, (size_t)(dot - file_name))
                                   : cy_arena_strdup(a, file_name)));
    }
}

int cyc_source_list(const char ***out, size_t *n, cy_arena *a, source *s, const char *config_path,
                    cy_object_type filter) {
    parr res = {0};
    if (s->kind == SRC_FILE) {
        const char *full = join(a, s->path, config_path);
        DIR *d = opendir(full);
        if (!d)
            return cy_error_set(CY_EIO, "OSError", "Cannot list %s: %s", full, strerror(errno));
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            const char *name = cy_arena_strdup(a, de->d_name);
            list_add(&res, a, s, join(a, config_path, name), name, filter);
        }
        closedir(d);
    } else {
        if (!s->store)
            return cy_error_set(CY_ENOTFOUND, "OSError", "Path not found %s", config_path);
        const char **names;
        bool *grp;
        size_t cnt;
        int rc = cyc_store_list_raw(&names, &grp, &cnt, a, s->store, config_path);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < cnt; i++)
            list_add(&res, a, s, cyc_cat(a, config_path, "/", names[i]), names[i], filter);
    }
    *out = (const char **)res.v;
    *n = cyc_sort_unique((const char **)res.v, res.len);
    return 0;
}

int cyc_source_load(config_result *out, cy_arena *a, source *s, const char *config_path) {
    memset(out, 0, sizeof *out);
    const char *norm = cyc_normalize_file_name(a, config_path);
    if (s->kind == SRC_FILE) {
        const char *full = join(a, s->path, norm);
        char *real = realpath(full, NULL);
        const char *use = real ? cy_arena_strdup(a, real) : full;
        free(real);
        FILE *f = fopen(use, "rb");
        if (!f)
            return cy_error_set(CY_ENOTFOUND, "ConfigLoadError", "Config not found : %s", use);
        cy_sbuf b = {0};
        char buf[8192];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, f)) > 0)
            cy__sb_putn(&b, buf, got);
        bool err = ferror(f);
        fclose(f);
        if (err || b.oom) {
            cy__sb_free(&b);
            return cy_error_set(CY_EIO, "OSError", "Cannot read %s", use);
        }
        const char *text = cy_arena_strndup(a, b.s ? b.s : "", b.len);
        size_t len = b.len;
        cy__sb_free(&b);
        int rc = cyc_yaml_header_package(&out->header_package, a, text);
        if (rc < 0)
            return rc;
        rc = cy_yaml_load_str(&out->config, a, text, len, use, NULL);
        if (rc < 0)
            return rc;
        out->provider = s->provider;
        return 0;
    }
    if (!s->store)
        return cy_error_set(CY_ENOTFOUND, "ConfigLoadError", "Structured config not found %s",
                            norm);
    cy_store_config sc;
    int rc = cy_store_load(&sc, a, s->store, norm);
    if (rc < 0)
        return rc;
    out->config = sc.node;
    out->header_package = sc.package;
    out->provider = sc.provider ? sc.provider : s->provider;
    return 0;
}
