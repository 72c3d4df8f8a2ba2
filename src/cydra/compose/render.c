/*
 * render.c - composition results as Hydra prints them: --cfg job|hydra|all with --package and
 * --resolve, the --info tables (defaults list, defaults tree, search path) and the config group
 * listings of --help and --hydra-help.
 */
#include <stdlib.h>
#include <string.h>

#include "compose_internal.h"
#include "cydra/interp.h"
#include "cydra/yaml.h"

/* Characters (code points) in a UTF-8 string: Python's len(). */
static size_t u8len(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void repeat(cy_sbuf *b, char c, size_t n) {
    for (size_t i = 0; i < n; i++)
        cy__sb_putc(b, c);
}

static int finish(char **out, cy_sbuf *b) {
    *out = cy__sb_take(b);
    if (!*out)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * --cfg
 */

static int delete_open(cy_node *dict, const char *key) {
    int8_t s = dict->flags[CY_FLAG_STRUCT], r = dict->flags[CY_FLAG_READONLY];
    cy_node_set_flag(dict, CY_FLAG_STRUCT, CY_FLAG_FALSE);
    cy_node_set_flag(dict, CY_FLAG_READONLY, CY_FLAG_FALSE);
    int rc = cy_node_delete(dict, key);
    cy_node_set_flag(dict, CY_FLAG_STRUCT, s);
    cy_node_set_flag(dict, CY_FLAG_READONLY, r);
    return rc;
}

int cy_compose_cfg_part(cy_node **out, cy_arena *arena, const cy_node *cfg, cy_cfg_part part) {
    cy_node *c = cy_node_copy(arena, cfg);
    int rc = 0;
    if (c->kind != CY_DICT) {
        *out = c;
        return 0;
    }
    if (part == CY_CFG_JOB) {
        if (cy_dict_get(c, "hydra"))
            rc = delete_open(c, "hydra");
    } else if (part == CY_CFG_HYDRA) {
        for (size_t i = cy_node_len(c); rc == 0 && i-- > 0;) {
            const char *key = cy_node_child(c, i)->key;
            if (strcmp(key, "hydra") != 0)
                rc = delete_open(c, key);
        }
        cy_node *h = cy_dict_get(c, "hydra");
        if (rc == 0 && h && h->kind == CY_DICT) {
            if (cy_dict_get(h, "hydra_help"))
                rc = delete_open(h, "hydra_help");
            if (rc == 0 && cy_dict_get(h, "help"))
                rc = delete_open(h, "help");
        }
    }
    if (rc < 0)
        return rc;
    *out = c;
    return 0;
}

int cy_render_cfg(char **out, const cy_node *cfg, const cy_show_opts *opts) {
    cy_show_opts dflt = CY_SHOW_OPTS_INIT;
    if (!opts)
        opts = &dflt;
    *out = NULL;
    cy_arena *a = cy_arena_new();
    if (!a)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    cy_node *part;
    int rc = cy_compose_cfg_part(&part, a, cfg, opts->part);
    const char *package = opts->package;
    if (package && strcmp(package, "_global_") == 0)
        package = NULL;
    cy_sbuf b = {0};
    if (rc == 0) {
        const cy_node *ret = part;
        if (package) {
            rc = cy_select(part, package, &ret, 0);
            if (rc == 0 && (!ret || ret->kind == CY_NULL))
                rc = cy_error_set(CY_ENOTFOUND, "NotFoundError", "package '%s' not found in config",
                                  package);
        }
        if (rc == 0 && ret->kind != CY_DICT && ret->kind != CY_LIST) {
            cy__sb_puts(&b, cy_node_pystr(ret));
            cy__sb_puts(&b, "\n");
        } else if (rc == 0) {
            if (package)
                cy__sb_printf(&b, "# @package %s\n", package);
            if (opts->resolve)
                rc = cy_resolve_tree((cy_node *)ret);
            char *yaml = NULL;
            if (rc == 0 && (rc = cy_yaml_emit(&yaml, ret, 0)) == 0)
                cy__sb_puts(&b, yaml);
            free(yaml);
        }
    }
    cy_arena_free(a);
    if (rc < 0) {
        cy__sb_free(&b);
        return rc;
    }
    return finish(out, &b);
}

/* ---------------------------------------------------------------------------------------------
 * --info
 */

int cy_render_defaults_list(char **out, const cy_defaults *d) {
    const char *head[4] = {"Config path", "Package", "_self_", "Parent"};
    size_t w[4];
    for (int j = 0; j < 4; j++)
        w[j] = u8len(head[j]);
    for (size_t i = 0; i < d->len; i++) {
        const cy_result_default *r = &d->list[i];
        const char *row[4] = {r->config_path ? r->config_path : "", r->package ? r->package : "",
                              r->is_self ? "True" : "False", r->parent ? r->parent : ""};
        for (int j = 0; j < 4; j++)
            if (u8len(row[j]) > w[j])
                w[j] = u8len(row[j]);
    }
    cy_sbuf h = {0};
    for (int j = 0; j < 4; j++) {
        cy__sb_puts(&h, "| ");
        cy__sb_pad(&h, head[j], w[j]);
        cy__sb_puts(&h, " ");
    }
    cy__sb_puts(&h, "| ");
    size_t hl = u8len(h.s);
    cy_sbuf b = {0};
    cy__sb_puts(&b, "\nDefaults List\n*************\n");
    cy__sb_puts(&b, h.s);
    cy__sb_puts(&b, "\n");
    repeat(&b, '-', hl);
    cy__sb_puts(&b, "\n");
    for (size_t i = 0; i < d->len; i++) {
        const cy_result_default *r = &d->list[i];
        const char *row[4] = {r->config_path ? r->config_path : "", r->package ? r->package : "",
                              r->is_self ? "True" : "False", r->parent ? r->parent : ""};
        for (int j = 0; j < 4; j++) {
            cy__sb_puts(&b, "| ");
            cy__sb_pad(&b, row[j], w[j]);
            cy__sb_puts(&b, " ");
        }
        cy__sb_puts(&b, "|\n");
    }
    repeat(&b, '-', hl);
    cy__sb_puts(&b, "\n");
    cy__sb_free(&h);
    return finish(out, &b);
}

static void tree_lines(cy_sbuf *b, const cy_default_node *n, int indent) {
    for (int i = 0; i < indent; i++)
        cy__sb_puts(b, "  ");
    cy__sb_puts(b, n->label);
    if (n->n_children > 0) {
        cy__sb_puts(b, ":\n");
        for (size_t i = 0; i < n->n_children; i++)
            tree_lines(b, n->children[i], indent + 1);
    } else {
        cy__sb_puts(b, "\n");
    }
}

int cy_render_defaults_tree(char **out, const cy_defaults *d) {
    cy_sbuf b = {0};
    cy__sb_puts(&b, "\nDefaults Tree\n*************\n");
    if (d->tree)
        tree_lines(&b, d->tree, 0);
    return finish(out, &b);
}

int cy_render_searchpath(char **out, const cy_source_info *sources, size_t n) {
    size_t wp = u8len("Provider"), ws = u8len("Search path");
    cy_sbuf tmp = {0};
    for (size_t i = 0; i < n; i++) {
        if (u8len(sources[i].provider) > wp)
            wp = u8len(sources[i].provider);
        size_t l = u8len(sources[i].scheme) + 3 + u8len(sources[i].path);
        if (l > ws)
            ws = l;
    }
    cy_sbuf h = {0};
    cy__sb_puts(&h, "| ");
    cy__sb_pad(&h, "Provider", wp);
    cy__sb_puts(&h, " | ");
    cy__sb_pad(&h, "Search path", ws);
    cy__sb_puts(&h, " |");
    size_t hl = u8len(h.s);
    cy_sbuf b = {0};
    cy__sb_puts(&b, "\nConfig search path\n******************\n");
    cy__sb_puts(&b, h.s);
    cy__sb_puts(&b, "\n");
    repeat(&b, '-', hl);
    cy__sb_puts(&b, "\n");
    for (size_t i = 0; i < n; i++) {
        cy__sb_puts(&b, "| ");
        cy__sb_pad(&b, sources[i].provider, wp);
        cy__sb_puts(&b, " | ");
        cy__sb_free(&tmp);
        cy__sb_printf(&tmp, "%s://%s", sources[i].scheme, sources[i].path);
        cy__sb_pad(&b, tmp.s, ws);
        cy__sb_puts(&b, " |\n");
    }
    repeat(&b, '-', hl);
    cy__sb_puts(&b, "\n");
    cy__sb_free(&tmp);
    cy__sb_free(&h);
    return finish(out, &b);
}

/* ---------------------------------------------------------------------------------------------
 * Config groups
 */

int cy_render_config_groups(char **out, cy_repo *repo, bool hydra_groups, bool compact) {
    cy_arena *a = cy_arena_new();
    if (!a)
        return cy_error_set(CY_ENOMEM, NULL, "out of memory");
    const char **groups;
    size_t ng;
    int rc = cy_repo_all_groups(&groups, &ng, a, repo);
    cy_sbuf b = {0};
    if (rc == 0) {
        size_t m = 0;
        for (size_t i = 0; i < ng; i++) {
            bool is_hydra = strncmp(groups[i], "hydra/", 6) == 0 || strcmp(groups[i], "hydra") == 0;
            if (is_hydra == hydra_groups)
                groups[m++] = groups[i];
        }
        m = cyc_sort_unique(groups, m);
        for (size_t i = 0; rc == 0 && i < m; i++) {
            const char **opts;
            size_t no;
            rc = cy_repo_group_options(&opts, &no, a, repo, groups[i], CY_OBJ_CONFIG);
            if (rc < 0)
                break;
            cy__sb_printf(&b, "%s:", groups[i]);
            for (size_t j = 0; j < no; j++) {
                if (compact)
                    cy__sb_printf(&b, "%s%s", j ? ", " : " ", opts[j]);
                else
                    cy__sb_printf(&b, "\n  %s", opts[j]);
            }
            cy__sb_puts(&b, "\n");
        }
    }
    cy_arena_free(a);
    if (rc < 0) {
        cy__sb_free(&b);
        return rc;
    }
    return finish(out, &b);
}
