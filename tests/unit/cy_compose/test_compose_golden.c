/*
 * test_compose_golden.c - replays the composition cases of tests/golden/compose/golden.txt (written
 * by tests/oracle/compose_gen.py from real Hydra 1.3.2) through cy_compose and compares everything
 * Hydra produced: the job config, hydra.runtime.choices, hydra.overrides, override_dirname, the
 * whole hydra node where recorded, the defaults list and tree as --info prints them, the search
 * path table, warnings, and error texts (plus the "Did you mean" line Cydra adds).
 *
 * The structured configs of compose_apps.py are declared again below; keep them in step.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cydra/compose.h"
#include "cydra/schema.h"
#include "cydra/yaml.h"
#include "harness.h"

/* ---------------------------------------------------------------------------------------------
 * The apps (tests/oracle/compose_apps.py)
 */

#define ADADELTA_CONF(X)                                                                           \
    X(STR, _target_, "torch.optim.adadelta.Adadelta", "class")                                     \
    X(ANY, params, CY_DEF_MISSING, "params")                                                       \
    X(ANY, lr, "1.0", "lr")                                                                        \
    X(ANY, rho, "0.9", "rho")                                                                      \
    X(ANY, eps, "1e-06", "eps")                                                                    \
    X(ANY, weight_decay, "0", "weight decay")
CY_STRUCT(GAdadeltaConf, ADADELTA_CONF)
CY_SCHEMA_NAMED(GAdadeltaConf, "AdadeltaConf", ADADELTA_CONF, "adadelta")

#define STEPLR_CONF(X)                                                                             \
    X(STR, _target_, "torch.optim.lr_scheduler.StepLR", "class")                                   \
    X(ANY, optimizer, CY_DEF_MISSING, "optimizer")                                                 \
    X(ANY, step_size, CY_DEF_MISSING, "step")                                                      \
    X(ANY, gamma, "0.1", "gamma")                                                                  \
    X(ANY, last_epoch, "-1", "last epoch")
CY_STRUCT(GStepLRConf, STEPLR_CONF)
CY_SCHEMA_NAMED(GStepLRConf, "StepLRConf", STEPLR_CONF, "steplr")

#define MNIST_CONF(X)                                                                              \
    X(INT, batch_size, "64", "b")                                                                  \
    X(INT, test_batch_size, "1000", "tb")                                                          \
    X(INT, epochs, "14", "e")                                                                      \
    X(BOOL, no_cuda, "false", "nc")                                                                \
    X(BOOL, dry_run, "false", "dr")                                                                \
    X(INT, seed, "1", "s")                                                                         \
    X(INT, log_interval, "10", "li")                                                               \
    X(BOOL, save_model, "false", "sm")                                                             \
    X(STR, checkpoint_name, "unnamed.pt", "cn")                                                    \
    X(STRUCT(GAdadeltaConf), adadelta, NULL, "a")                                                  \
    X(STRUCT(GStepLRConf), steplr, "{step_size: 1}", "s")
CY_STRUCT(GMNISTConf, MNIST_CONF)
CY_SCHEMA_NAMED(GMNISTConf, "MNISTConf", MNIST_CONF, "mnist")

#define TYPED_BASE(X)                                                                              \
    X(INT, epochs, "10", "e")                                                                      \
    X(FLOAT, lr, "0.1", "lr")
CY_STRUCT(GTypedBase, TYPED_BASE)
CY_SCHEMA_NAMED(GTypedBase, "TypedBase", TYPED_BASE, "typed")

#define DB_CONF(X)                                                                                 \
    X(STR, host, "localhost", "h")                                                                 \
    X(INT, port, "3306", "p")
CY_STRUCT(GDBConf, DB_CONF)
CY_SCHEMA_NAMED(GDBConf, "DBConf", DB_CONF, "db")

#define OPT_CONF(X) X(INT, size, "1000", "s")
CY_STRUCT(GOptConf, OPT_CONF)
CY_SCHEMA_NAMED(GOptConf, "OptConf", OPT_CONF, "opt")

#define ADAM_CONF(X)                                                                               \
    X(FLOAT, lr, "0.001", "lr")                                                                    \
    X(FLOAT, beta, "0.9", "beta")
CY_STRUCT(GAdamConf, ADAM_CONF)
CY_SCHEMA_NAMED(GAdamConf, "AdamConf", ADAM_CONF, "adam")

#define SGD_CONF(X)                                                                                \
    X(FLOAT, lr, "0.01", "lr")                                                                     \
    X(FLOAT, momentum, "0.0", "m")
CY_STRUCT(GSGDConf, SGD_CONF)
CY_SCHEMA_NAMED(GSGDConf, "SGDConf", SGD_CONF, "sgd")

/* SConfig has a List[Any] field; written out by hand. */
typedef struct GSConfig {
    const cy_node *defaults;
    const cy_node *optim;
    int64_t epochs;
} GSConfig;
static const cy_field *sconfig_fields(size_t *n) {
    static const cy_field f[] = {
        {"defaults",
         {.tag = CY_T_LIST},
         "[{optim: adam}, _self_]",
         "defaults",
         offsetof(GSConfig, defaults),
         CY_BIND_NODE},
        {"optim",
         {.tag = CY_T_ANY, .optional = true},
         CY_DEF_MISSING,
         "optim",
         offsetof(GSConfig, optim),
         CY_BIND_NODE},
        {"epochs", {.tag = CY_T_INT}, "3", "epochs", offsetof(GSConfig, epochs), CY_BIND_INT},
    };
    *n = sizeof f / sizeof f[0];
    return f;
}
static const cy_type sconfig_type;
static const cy_schema sconfig_schema = {"SConfig", "sgroups", sizeof(GSConfig), &sconfig_type,
                                         sconfig_fields};
static const cy_type sconfig_type = {.tag = CY_T_STRUCT, .schema = &sconfig_schema};

static int register_app(cy_store *s, const char *app) {
    int rc = 0;
    if (strcmp(app, "mnist") == 0) {
        rc = cy_store_schema(s, NULL, "mnistconf", &GMNISTConf_schema);
    } else if (strcmp(app, "typed") == 0) {
        rc = cy_store_schema(s, NULL, "typed_base", &GTypedBase_schema);
        rc = rc ? rc : cy_store_schema(s, "matched", "db", &GDBConf_schema);
        rc = rc ? rc : cy_store_schema(s, "matched", "db_bad", &GDBConf_schema);
        rc = rc ? rc : cy_store_schema(s, "opt", "huge", &GOptConf_schema);
    } else if (strcmp(app, "sgroups") == 0) {
        rc = cy_store_schema(s, NULL, "sconfig", &sconfig_schema);
        rc = rc ? rc : cy_store_schema(s, "optim", "adam", &GAdamConf_schema);
        rc = rc ? rc : cy_store_schema(s, "optim", "sgd", &GSGDConf_schema);
    } else {
        fprintf(stderr, "unknown app %s\n", app);
        return -1;
    }
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The golden file
 */

typedef struct section {
    char *name; /* "job", "error ConfigCompositionException", ... */
    char *text;
} section;

typedef struct gcase {
    char *id, *dir, *app, *config, *mode, *cd, *hint;
    char *overrides[32];
    size_t n_overrides;
    section sections[24];
    size_t n_sections;
} gcase;

static char *dup_or_null(const char *v) {
    return strcmp(v, "-") == 0 ? NULL : strdup(v);
}

static size_t parse_golden(gcase *cases, size_t max, char *text) {
    size_t n = 0;
    gcase *c = NULL;
    section *sec = NULL;
    size_t sec_len = 0, sec_cap = 0;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, "=== ", 4) == 0) {
            sec = NULL;
            if (strcmp(line + 4, "end") == 0)
                break;
            if (n == max)
                break;
            c = &cases[n++];
            memset(c, 0, sizeof *c);
            c->id = strdup(line + 4);
        } else if (c && !sec && strncmp(line, "override: ", 10) == 0) {
            c->overrides[c->n_overrides++] = strdup(line + 10);
        } else if (c && !sec && strchr(line, ':') && strncmp(line, "--- ", 4) != 0) {
            char *colon = strchr(line, ':');
            *colon = '\0';
            char *v = dup_or_null(colon + 2);
            if (strcmp(line, "dir") == 0)
                c->dir = v;
            else if (strcmp(line, "app") == 0)
                c->app = v;
            else if (strcmp(line, "config") == 0)
                c->config = v;
            else if (strcmp(line, "mode") == 0)
                c->mode = v;
            else if (strcmp(line, "cd") == 0)
                c->cd = v;
            else if (strcmp(line, "hint") == 0)
                c->hint = v;
            else
                free(v);
        } else if (c && strncmp(line, "--- ", 4) == 0) {
            sec = &c->sections[c->n_sections++];
            sec->name = strdup(line + 4);
            sec->text = NULL;
            sec_len = sec_cap = 0;
        } else if (sec && line[0] == '|') {
            size_t l = strlen(line + 1);
            size_t need = sec_len + l + 2;
            if (need > sec_cap) {
                sec_cap = need * 2;
                sec->text = realloc(sec->text, sec_cap);
            }
            memcpy(sec->text + sec_len, line + 1, l);
            sec_len += l;
            sec->text[sec_len++] = '\n';
            sec->text[sec_len] = '\0';
        }
        line = nl ? nl + 1 : NULL;
    }
    /* every section text got one '\n' too many (after its last line) */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < cases[i].n_sections; j++) {
            section *s = &cases[i].sections[j];
            if (!s->text)
                s->text = strdup("");
            size_t l = strlen(s->text);
            if (l > 0)
                s->text[l - 1] = '\0';
        }
    return n;
}

static const section *find_section(const gcase *c, const char *prefix) {
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < c->n_sections; i++)
        if (strncmp(c->sections[i].name, prefix, pl) == 0 &&
            (c->sections[i].name[pl] == '\0' || c->sections[i].name[pl] == ' '))
            return &c->sections[i];
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Replaying
 */

static char fixtures[PATH_MAX];

/* text with every occurrence of `from` replaced by `to` (heap). */
static char *replace_all(const char *text, const char *from, const char *to) {
    size_t fl = strlen(from), tl = strlen(to), cnt = 0;
    for (const char *p = text; (p = strstr(p, from)) != NULL; p += fl)
        cnt++;
    char *out = malloc(strlen(text) + cnt * (tl > fl ? tl - fl : 0) + 1);
    char *w = out;
    const char *p = text, *q;
    while ((q = strstr(p, from)) != NULL) {
        memcpy(w, p, (size_t)(q - p));
        w += q - p;
        memcpy(w, to, tl);
        w += tl;
        p = q + fl;
    }
    strcpy(w, p);
    return out;
}

/* Hydra pads its tables to the widest cell, which holds the fixtures path, so padding depends on
 * where the checkout lies. As tests/oracle/compose_gen.py does for the golden file: in a text that
 * names the fixtures, table rows lose the padding before each '|' and rules of dashes become "---"
 * (in place). */
static void squeeze_tables(char *text) {
    if (!strstr(text, "@FIXTURES@"))
        return;
    char *w = text;
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        size_t dashes = strspn(line, "-");
        if (dashes >= 3 && dashes == len) {
            memcpy(w, "---", 3);
            w += 3;
        } else if (line[0] == '|') {
            for (size_t i = 0; i < len; i++) {
                size_t sp = strspn(line + i, " ");
                if (sp >= 2 && line[i + sp] == '|')
                    i += sp - 1;
                *w++ = line[i];
            }
        } else {
            memmove(w, line, len);
            w += len;
        }
        if (nl)
            *w++ = '\n';
        line = nl ? nl + 1 : line + len;
    }
    *w = '\0';
}

static void expect_text(const char *what, const char *got_raw, const char *expected) {
    char *got = replace_all(got_raw ? got_raw : "(null)", fixtures, "@FIXTURES@");
    squeeze_tables(got);
    if (strcmp(got, expected) != 0) {
        /* show the first differing line, then both texts */
        const char *g = got, *e = expected;
        int line = 1;
        while (*g && *g == *e) {
            if (*g == '\n')
                line++;
            g++;
            e++;
        }
        harness_fail(__FILE__, __LINE__, "%s differs at line %d\n--- expected:\n%s\n--- got:\n%s",
                     what, line, expected, got);
    }
    free(got);
}

static char *emit_at(const cy_node *cfg, const char *a, const char *b) {
    const cy_node *n = cy_dict_get(cfg, "hydra");
    n = n ? cy_dict_get(n, a) : NULL;
    n = n ? cy_dict_get(n, b) : NULL;
    char *out = NULL;
    if (n && cy_yaml_emit(&out, n, 0) < 0)
        out = NULL;
    return out;
}

static char *error_text(void) {
    return cy_error_text(cy_error_last());
}

static void run_case(const gcase *c) {
    cy_store *store;
    if (cy_store_new(&store, 0) < 0 || (c->app && register_app(store, c->app) < 0)) {
        harness_fail(__FILE__, __LINE__, "cannot set up the store");
        return;
    }
    char dir[PATH_MAX + 64];
    cy_loader_opts lo = CY_LOADER_OPTS_INIT;
    lo.store = store;
    lo.job_name = "compose_app";
    if (c->dir) {
        snprintf(dir, sizeof dir, "%s/%s", fixtures, c->dir);
        lo.config_dir = dir;
    }
    lo.extra_dir = c->cd;
    cy_loader *loader;
    if (cy_loader_new(&loader, &lo) < 0) {
        char *t = error_text();
        harness_fail(__FILE__, __LINE__, "loader: %s", t);
        free(t);
        cy_store_free(store);
        return;
    }
    char *ovs[32];
    for (size_t i = 0; i < c->n_overrides; i++)
        ovs[i] = replace_all(c->overrides[i], "@FIXTURES@", fixtures);
    cy_compose_opts co = CY_COMPOSE_OPTS_INIT;
    co.config_name = c->config;
    co.overrides = (const char *const *)ovs;
    co.n_overrides = c->n_overrides;
    co.mode = strcmp(c->mode, "MULTIRUN") == 0 ? CY_MODE_MULTIRUN : CY_MODE_RUN;

    cy_arena *a = cy_arena_new();
    cy_composed res;
    int rc = cy_compose(&res, a, loader, &co);
    const section *err = find_section(c, "error");
    if (err) {
        if (rc == 0) {
            harness_fail(__FILE__, __LINE__, "composition succeeded; expected %s:\n%s", err->name,
                         err->text);
        } else {
            char *t = error_text();
            char *expected;
            if (c->hint) {
                expected = malloc(strlen(err->text) + strlen(c->hint) + 32);
                sprintf(expected, "%s\nDid you mean '%s'?", err->text, c->hint);
            } else {
                expected = strdup(err->text);
            }
            expect_text("error text", t, expected);
            const char *exc = strchr(err->name, ' ') + 1;
            CHECK_STREQ(cy_error_last()->exc, exc);
            free(t);
            free(expected);
        }
    } else if (rc < 0) {
        char *t = error_text();
        harness_fail(__FILE__, __LINE__, "composition failed: %s", t);
        free(t);
    } else {
        char *t = NULL;
        cy_show_opts so = CY_SHOW_OPTS_INIT;
        const section *s;
        if ((s = find_section(c, "job"))) {
            if (cy_render_cfg(&t, res.cfg, &so) < 0)
                t = error_text();
            expect_text("job config", t, s->text);
            free(t);
        }
        if ((s = find_section(c, "hydra"))) {
            so.part = CY_CFG_HYDRA;
            if (cy_render_cfg(&t, res.cfg, &so) < 0)
                t = error_text();
            expect_text("hydra node", t, s->text);
            free(t);
        }
        /* --cfg <part> [-p <package>] [--resolve] */
        for (size_t i = 0; i < c->n_sections; i++) {
            const section *sh = &c->sections[i];
            bool is_err = strncmp(sh->name, "show_error ", 11) == 0;
            if (!is_err && strncmp(sh->name, "show ", 5) != 0)
                continue;
            char part[16], pkg[128];
            int resolve = 0;
            if (sscanf(sh->name + (is_err ? 11 : 5), "%15s %127s %d", part, pkg, &resolve) != 3)
                continue;
            cy_show_opts o = CY_SHOW_OPTS_INIT;
            o.part = strcmp(part, "job") == 0     ? CY_CFG_JOB
                     : strcmp(part, "hydra") == 0 ? CY_CFG_HYDRA
                                                  : CY_CFG_ALL;
            o.package = strcmp(pkg, "-") == 0 ? NULL : pkg;
            o.resolve = resolve != 0;
            char what[200];
            snprintf(what, sizeof what, "--cfg %s -p %s%s", part, pkg, resolve ? " --resolve" : "");
            char *out = NULL;
            int r = cy_render_cfg(&out, res.cfg, &o);
            if (is_err && r == 0)
                harness_fail(__FILE__, __LINE__, "%s printed:\n%s\nexpected an error: %s", what,
                             out, sh->text);
            else if (!is_err && r < 0)
                out = error_text();
            else if (is_err)
                out = error_text();
            expect_text(what, out, sh->text);
            free(out);
        }
        if ((s = find_section(c, "choices"))) {
            t = emit_at(res.cfg, "runtime", "choices");
            expect_text("hydra.runtime.choices", t, s->text);
            free(t);
        }
        if ((s = find_section(c, "overrides"))) {
            const cy_node *h = cy_dict_get(res.cfg, "hydra");
            t = NULL;
            if (h && cy_yaml_emit(&t, cy_dict_get(h, "overrides"), 0) < 0)
                t = NULL;
            expect_text("hydra.overrides", t, s->text);
            free(t);
        }
        if ((s = find_section(c, "dirname"))) {
            const cy_node *n = NULL;
            const char *d = "(error)";
            if (cy_select(res.cfg, "hydra.job.override_dirname", &n, CY_SELECT_NO_RESOLVE) == 0 &&
                n && (n->kind == CY_STR || n->kind == CY_INTERP))
                d = n->v.str.s; /* raw: a "${" in an override makes it an interpolation */
            expect_text("override_dirname", d, s->text);
        }
        if ((s = find_section(c, "sources"))) {
            if (cy_render_searchpath(&t, res.sources, res.n_sources) < 0)
                t = NULL;
            expect_text("search path", t, s->text);
            free(t);
        }
        /* warnings, in order */
        size_t w = 0;
        for (size_t i = 0; i < c->n_sections; i++) {
            if (strcmp(c->sections[i].name, "warning") != 0)
                continue;
            if (w < res.n_warnings)
                expect_text("warning", res.warnings[w], c->sections[i].text);
            w++;
        }
        if (w != res.n_warnings)
            harness_fail(__FILE__, __LINE__, "%zu warnings, expected %zu%s%s", res.n_warnings, w,
                         res.n_warnings ? ": " : "", res.n_warnings ? res.warnings[0] : "");
    }

    /* --info defaults / defaults-tree */
    cy_arena_free(a);
    a = cy_arena_new();
    const cy_defaults *d = NULL;
    rc = cy_compose_defaults(&d, a, loader, &co);
    const char *names[2] = {"defaults", "tree"};
    for (int k = 0; k < 2; k++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "%s_error", names[k]);
        const section *good = find_section(c, names[k]);
        const section *bad = find_section(c, prefix);
        if (bad) {
            if (rc == 0) {
                harness_fail(__FILE__, __LINE__, "defaults succeeded; expected %s", bad->text);
            } else {
                char *t = error_text();
                expect_text(prefix, t, bad->text);
                free(t);
            }
        } else if (good) {
            if (rc < 0) {
                char *t = error_text();
                harness_fail(__FILE__, __LINE__, "defaults failed: %s", t);
                free(t);
            } else {
                char *t = NULL;
                if (k == 0)
                    cy_render_defaults_list(&t, d);
                else
                    cy_render_defaults_tree(&t, d);
                expect_text(names[k], t, good->text);
                free(t);
            }
        }
    }
    cy_arena_free(a);
    for (size_t i = 0; i < c->n_overrides; i++)
        free(ovs[i]);
    cy_loader_free(loader);
    cy_store_free(store);
}

int main(int argc, char **argv) {
    char *text = harness_read_file("golden/compose/golden.txt", NULL);
    if (!text) {
        fprintf(stderr, "cannot read golden/compose/golden.txt (run from tests/)\n");
        return 1;
    }
    if (!realpath("golden/compose/fixtures", fixtures) || chdir(fixtures) != 0) {
        fprintf(stderr, "cannot enter golden/compose/fixtures\n");
        return 1;
    }
    static gcase cases[512];
    size_t n = parse_golden(cases, 512, text);
    if (n < 100) {
        fprintf(stderr, "only %zu cases in golden.txt\n", n);
        return 1;
    }
    const char *only = argc > 1 ? argv[1] : NULL;
    for (size_t i = 0; i < n; i++) {
        if (only && strcmp(only, cases[i].id) != 0)
            continue;
        harness_current = cases[i].id;
        harness_current_failed = 0;
        run_case(&cases[i]);
        if (harness_current_failed)
            harness_failed++;
        else
            harness_passed++;
    }
    free(text);
    return harness_summary();
}
