/*
 * main.c - cy_main: Hydra's @hydra.main for C programs. Reads the flags, composes, and prints or
 * runs, as hydra/_internal/utils.py's _run_hydra does.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_internal.h"
#include "args.h"
#include "cydra/compose.h"
#include "cydra/config/sbuf.h"
#include "cydra/interp.h"
#include "cydra/log.h"
#include "cydra/yaml.h"

/* Everything one invocation needs. */
typedef struct ctx {
    const cy_app *app;
    cy_args args;
    const char *prog; /* argv[0]'s file name */
    char *exe_dir;    /* the executable's directory */
    const char *job_name;
    const char *config_name;
    cy_loader *loader;
    const char *run_extra; /* hydra.mode=RUN|MULTIRUN, appended as Hydra appends it */
} ctx;

/* ---------------------------------------------------------------------------------------------
 * Reporting
 */

/* Prints the last error as Hydra's run_and_report would (without stack traces) and returns the
 * exit status for it. */
static int report(void) {
    const cy_error *e = cy_error_last();
    char *text = cy_error_text(e);
    fflush(stdout);
    fprintf(stderr, "%s\n", text ? text : "unknown error");
    free(text);
    return e->code == CY_EUSAGE ? 2 : 1;
}

static int usage_failure(const ctx *c, const char *msg) {
    char *u = cy_args_usage(c->prog);
    fprintf(stderr, "%s%s: error: %s\n", u, c->prog, msg);
    free(u);
    return 2;
}

/* ---------------------------------------------------------------------------------------------
 * Set-up
 */

static char *executable_dir(const char *argv0) {
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) {
        if (!realpath(argv0, buf))
            return strdup(".");
    } else {
        buf[n] = '\0';
    }
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    return strdup(buf[0] ? buf : "/");
}

/* The primary config directory: -cp or the app's config_path, relative to the executable's
 * directory (as Hydra's is to the Python file declaring main). */
static char *config_dir(const ctx *c) {
    const char *cp = c->args.config_path ? c->args.config_path : c->app->config_path;
    if (!cp)
        return NULL;
    if (strncmp(cp, "pkg://", 6) == 0 || strncmp(cp, "file://", 7) == 0 || cp[0] == '/')
        return strdup(cp);
    size_t n = strlen(c->exe_dir) + strlen(cp) + 2;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s/%s", c->exe_dir, cp);
    return p;
}

static int make_loader(ctx *c) {
    char *dir = config_dir(c);
    cy_loader_opts lo = CY_LOADER_OPTS_INIT;
    lo.config_dir = dir;
    lo.extra_dir = c->args.config_dir;
    lo.job_name = c->job_name;
    int rc = cy_loader_new(&c->loader, &lo);
    free(dir);
    return rc;
}

/* The overrides with extra ones appended (Hydra appends hydra.mode=RUN/MULTIRUN). */
static const char **overrides_plus(const ctx *c, const char *extra, size_t *n) {
    const char **ov = calloc(c->args.noverrides + 2, sizeof *ov);
    if (!ov)
        abort();
    memcpy(ov, c->args.overrides, c->args.noverrides * sizeof *ov);
    *n = c->args.noverrides;
    if (extra)
        ov[(*n)++] = extra;
    return ov;
}

static int compose(cy_composed *out, cy_arena *a, const ctx *c, const char *config_name,
                   const char *extra, cy_run_mode mode, bool validate_sweeps) {
    size_t n;
    const char **ov = overrides_plus(c, extra, &n);
    cy_compose_opts co = CY_COMPOSE_OPTS_INIT;
    co.config_name = config_name;
    co.overrides = ov;
    co.n_overrides = n;
    co.mode = mode;
    co.validate_sweeps = validate_sweeps;
    int rc = cy_compose(out, a, c->loader, &co);
    free(ov);
    return rc;
}

/* Configures Hydra's own logging (hydra.hydra_logging, hydra.verbose) as compose_config does
 * with with_log_configuration=True. */
static int configure_hydra_logging(const cy_node *cfg) {
    const cy_node *hl, *verbose;
    int rc;
    if ((rc = cy_select(cfg, "hydra.hydra_logging", &hl, CY_SELECT_NO_RESOLVE)) < 0 ||
        (rc = cy_select(cfg, "hydra.verbose", &verbose, CY_SELECT_NO_RESOLVE)) < 0)
        return rc;
    return cy_log_configure(hl, verbose);
}

/* ---------------------------------------------------------------------------------------------
 * --help and --hydra-help
 */

/* Python's string.Template.safe_substitute with the given variables. */
static char *template_substitute(const char *tpl, const char *const *names,
                                 const char *const *values, size_t n) {
    cy_sbuf b = {0};
    const char *p = tpl;
    while (*p) {
        if (*p != '$') {
            const char *q = strchr(p, '$');
            size_t len = q ? (size_t)(q - p) : strlen(p);
            cy__sb_putn(&b, p, len);
            p += len;
            continue;
        }
        if (p[1] == '$') {
            cy__sb_putc(&b, '$');
            p += 2;
            continue;
        }
        const char *id = p + 1;
        int braced = *id == '{';
        if (braced)
            id++;
        size_t len = 0;
        while ((id[len] >= 'a' && id[len] <= 'z') || (id[len] >= 'A' && id[len] <= 'Z') ||
               id[len] == '_' || (len > 0 && id[len] >= '0' && id[len] <= '9'))
            len++;
        size_t k = 0;
        for (; len > 0 && k < n; k++)
            if (strlen(names[k]) == len && strncmp(names[k], id, len) == 0)
                break;
        if (len == 0 || k == n || (braced && id[len] != '}')) {
            cy__sb_putc(&b, '$');
            p++;
            continue;
        }
        cy__sb_puts(&b, values[k]);
        p = id + len + (braced ? 1 : 0);
    }
    return cy__sb_take_or_abort(&b);
}

/* One line per leaf of the config: full key, declared type, value and help text (hydra#633). */
static void fields_help_walk(cy_sbuf *b, const cy_node *n, cy_arena *a) {
    for (size_t i = 0; i < cy_node_len(n); i++) {
        const cy_node *c = cy_node_child(n, i);
        if (c->kind == CY_DICT && cy_node_len(c) > 0 && n->kind == CY_DICT) {
            fields_help_walk(b, c, a);
            continue;
        }
        const char *key = cy_node_full_key(c);
        const char *type = cy_type_string(a, c->type);
        char *val = NULL;
        if (c->kind == CY_DICT || c->kind == CY_LIST) {
            char *y = NULL;
            cy_yaml_emit(&y, c, 0);
            /* flow-ish: keep it on one line */
            val = y;
            if (val)
                for (char *s = val; *s; s++)
                    if (*s == '\n')
                        *s = ' ';
        } else {
            const char *v = c->kind == CY_MISSING ? "???"
                            : c->kind == CY_NULL  ? "null"
                            : c->kind == CY_BOOL  ? (c->v.b ? "true" : "false")
                                                  : cy_node_pystr(c);
            val = strdup(v);
        }
        cy_sbuf line = {0};
        cy__sb_puts(&line, key);
        cy__sb_puts(&line, ": ");
        cy__sb_puts(&line, type);
        cy__sb_puts(&line, " = ");
        cy__sb_puts(&line, val ? val : "");
        free(val);
        size_t len = line.len;
        char *text = cy__sb_take_or_abort(&line);
        while (len && text[len - 1] == ' ')
            len--;
        cy__sb_putn(b, text, len);
        free(text);
        cy__sb_puts(b, "\n");
        if (c->help) {
            cy__sb_puts(b, "    ");
            cy__sb_puts(b, c->help);
            cy__sb_puts(b, "\n");
        }
    }
}

static int print_help(ctx *c, bool hydra_help) {
    cy_arena *a = cy_arena_new();
    cy_composed res;
    int rc = compose(&res, a, c, hydra_help ? NULL : c->config_name, NULL, CY_MODE_RUN, true);
    if (rc < 0)
        goto fail;
    if ((rc = configure_hydra_logging(res.cfg)) < 0)
        goto fail;
    const char *tpl;
    if ((rc = cy_get_str(res.cfg, hydra_help ? "hydra.hydra_help.template" : "hydra.help.template",
                         &tpl)) < 0)
        goto fail;
    cy_node *shown;
    if ((rc = cy_compose_cfg_part(&shown, a, res.cfg, hydra_help ? CY_CFG_HYDRA : CY_CFG_JOB)) < 0)
        goto fail;
    if (!hydra_help && c->args.resolve && (rc = cy_resolve_tree(shown)) < 0)
        goto fail;
    char *yaml = NULL, *flags = cy_args_flags_help(c->prog), *app_groups = NULL,
         *hydra_groups = NULL;
    if ((rc = cy_yaml_emit(&yaml, shown, 0)) < 0 ||
        (rc = cy_render_config_groups(&app_groups, res.repo, false, true)) < 0 ||
        (rc = cy_render_config_groups(&hydra_groups, res.repo, true, true)) < 0) {
        free(yaml);
        free(flags);
        free(app_groups);
        goto fail;
    }
    cy_sbuf b = {0};
    if (!hydra_help)
        fields_help_walk(&b, shown, a);
    char *fields = cy__sb_take_or_abort(&b);
    cy__sb_puts(&b, yaml);
    if (!hydra_help && fields[0]) {
        cy__sb_puts(&b, "\n== Config fields ==\n");
        cy__sb_puts(&b, fields);
    }
    char *config = cy__sb_take_or_abort(&b);
    const char *names[] = {"FLAGS_HELP", "HYDRA_CONFIG_GROUPS", "APP_CONFIG_GROUPS",
                           "CONFIG",     "CONFIG_YAML",         "FIELDS_HELP"};
    const char *values[] = {flags, hydra_groups, app_groups, config, yaml, fields};
    char *text = template_substitute(tpl, names, values, 6);
    fputs(text, stdout);
    fputs("\n", stdout);
    free(text);
    free(yaml);
    free(flags);
    free(app_groups);
    free(hydra_groups);
    free(fields);
    free(config);
    cy_arena_free(a);
    return 0;
fail:
    cy_arena_free(a);
    return report();
}

/* ---------------------------------------------------------------------------------------------
 * --cfg and --info
 */

static int show_cfg(ctx *c) {
    cy_arena *a = cy_arena_new();
    cy_composed res;
    char *text = NULL;
    int rc = compose(&res, a, c, c->config_name, NULL, CY_MODE_RUN, true);
    if (rc == 0) {
        cy__register_hydra_resolver();
        cy__set_hydra_config(cy_dict_get(res.cfg, "hydra"));
        cy_show_opts so = CY_SHOW_OPTS_INIT;
        so.part = strcmp(c->args.cfg, "job") == 0     ? CY_CFG_JOB
                  : strcmp(c->args.cfg, "hydra") == 0 ? CY_CFG_HYDRA
                                                      : CY_CFG_ALL;
        so.package = c->args.package;
        so.resolve = c->args.resolve;
        rc = cy_render_cfg(&text, res.cfg, &so);
    }
    cy_arena_free(a);
    if (rc < 0)
        return report();
    fputs(text, stdout);
    free(text);
    return 0;
}

static void print_header(const char *title, char filler) {
    printf("%s\n", title);
    for (size_t i = 0; i < strlen(title); i++)
        putchar(filler);
    putchar('\n');
}

static void print_plugins(void) {
    print_header("Installed Hydra Plugins", '*');
    static const char *const groups[][5] = {
        {"ConfigSource", "FileConfigSource", "ImportlibResourcesConfigSource",
         "StructuredConfigSource", NULL},
        {"CompletionPlugin", "BashCompletion", "FishCompletion", "ZshCompletion", NULL},
        {"Launcher", "BasicLauncher", "LocalLauncher", "SlurmLauncher", NULL},
        {"Sweeper", "BasicSweeper", NULL, NULL, NULL},
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        char title[64];
        snprintf(title, sizeof title, "%s:", groups[g][0]);
        printf("\t%s\n\t", title);
        for (size_t i = 0; i < strlen(title); i++)
            putchar('-');
        putchar('\n');
        for (size_t i = 1; i < 5 && groups[g][i]; i++)
            printf("\t\t%s\n", groups[g][i]);
    }
}

static int show_info(ctx *c) {
    const char *what = c->args.info;
    cy_arena *a = cy_arena_new();
    int rc = 0;
    char *text = NULL;
    if (strcmp(what, "plugins") == 0) {
        print_plugins();
        goto done;
    }
    if (strcmp(what, "all") == 0) {
        print_header("Hydra " CY_HYDRA_VERSION, '=');
        print_plugins();
    }
    if (strcmp(what, "defaults") == 0 || strcmp(what, "defaults-tree") == 0) {
        size_t n;
        const char **ov = overrides_plus(c, NULL, &n);
        cy_compose_opts co = CY_COMPOSE_OPTS_INIT;
        co.config_name = c->config_name;
        co.overrides = ov;
        co.n_overrides = n;
        const cy_defaults *d;
        rc = cy_compose_defaults(&d, a, c->loader, &co);
        free(ov);
        if (rc < 0)
            goto done;
        rc = strcmp(what, "defaults") == 0 ? cy_render_defaults_list(&text, d)
                                           : cy_render_defaults_tree(&text, d);
        if (rc == 0)
            fputs(text, stdout);
        goto done;
    }
    /* searchpath, config, all */
    cy_composed res;
    if ((rc = compose(&res, a, c, c->config_name, NULL, CY_MODE_RUN, true)) < 0)
        goto done;
    if ((rc = cy_render_searchpath(&text, res.sources, res.n_sources)) < 0)
        goto done;
    fputs(text, stdout);
    free(text);
    text = NULL;
    if (strcmp(what, "searchpath") == 0)
        goto done;
    if ((rc = cy_render_defaults_tree(&text, res.defaults)) < 0)
        goto done;
    fputs(text, stdout);
    free(text);
    text = NULL;
    if ((rc = cy_render_defaults_list(&text, res.defaults)) < 0)
        goto done;
    fputs(text, stdout);
    free(text);
    text = NULL;
    print_header("Config", '*');
    cy_node *job;
    if ((rc = cy_compose_cfg_part(&job, a, res.cfg, CY_CFG_JOB)) < 0 ||
        (rc = cy_yaml_emit(&text, job, 0)) < 0)
        goto done;
    fputs(text, stdout);
    fputs("\n", stdout);
done:
    free(text);
    cy_arena_free(a);
    return rc < 0 ? report() : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Running
 */

/* hydra.mode as the config sets it (Hydra's get_mode): RUN, MULTIRUN, or 0 when unset or when
 * the config does not compose. */
static int configured_mode(ctx *c) {
    cy_arena *a = cy_arena_new();
    cy_composed res;
    int mode = 0;
    if (compose(&res, a, c, c->config_name, NULL, CY_MODE_MULTIRUN, false) == 0) {
        const cy_node *m;
        if (cy_select(res.cfg, "hydra.mode", &m, 0) == 0 && m && m->kind == CY_STR)
            mode = strcmp(m->v.str.s, "MULTIRUN") == 0 ? CY_MODE_MULTIRUN
                   : strcmp(m->v.str.s, "RUN") == 0    ? CY_MODE_RUN
                                                       : 0;
        if (m && m->kind == CY_ENUM)
            mode = strcmp(m->v.str.s, "MULTIRUN") == 0 ? CY_MODE_MULTIRUN : CY_MODE_RUN;
    }
    cy_error_clear();
    cy_arena_free(a);
    return mode;
}

static int run(ctx *c) {
    cy_arena *a = cy_arena_new();
    cy_composed res;
    int rc = compose(&res, a, c, c->config_name, c->run_extra, CY_MODE_RUN, true);
    if (rc < 0) {
        cy_arena_free(a);
        return report();
    }
    if ((rc = configure_hydra_logging(res.cfg)) < 0) {
        cy_arena_free(a);
        return report();
    }
    cy_job_return ret;
    rc = cy__run_job(&ret, res.cfg, "hydra.run.dir", NULL, c->app, true);
    if (rc < 0) {
        cy__job_return_clear(&ret);
        cy_arena_free(a);
        return report();
    }
    int status = 0;
    if (ret.status != CY_JOB_COMPLETED) {
        const cy_node *task;
        const char **items = NULL;
        size_t n = 0;
        if (cy_select(res.cfg, "hydra.overrides.task", &task, 0) == 0 && task) {
            n = cy_node_len(task);
            items = calloc(n + 1, sizeof *items);
            for (size_t i = 0; i < n; i++)
                items[i] = cy_node_child(task, i)->v.str.s;
        }
        char *repr = cy__py_list_repr(items, n);
        cy_log_flush();
        fprintf(stderr, "Error executing job with overrides: %s\n%s\n", repr,
                ret.error ? ret.error : "");
        free(repr);
        free(items);
        status = 1;
    }
    cy__job_return_clear(&ret);
    cy_log_flush();
    cy_arena_free(a);
    return status;
}

/* ---------------------------------------------------------------------------------------------
 * Entry point
 */

/* OmegaConf's warnings (oc.deprecated, ...) reach the user as Python's UserWarnings do. */
static void print_warning(const char *message, void *userdata) {
    (void)userdata;
    cy_log_flush();
    fprintf(stderr, "UserWarning: %s\n", message);
}

int cy_main(int argc, char **argv, const cy_app *app) {
    ctx c = {.app = app};
    cy_interp_set_warning_handler(print_warning, NULL);
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    c.prog = argc > 0 ? (slash ? slash + 1 : argv[0]) : "app";
    char *error = NULL;
    if (cy_args_parse(&c.args, argc, argv, c.prog, &error) < 0) {
        fputs(error, stderr);
        free(error);
        return 2;
    }
    if (c.args.version) {
        printf("Hydra %s\n", CY_HYDRA_VERSION);
        free(c.args.overrides);
        return 0;
    }
    c.exe_dir = executable_dir(argc > 0 ? argv[0] : "");
    c.job_name = app->job_name ? app->job_name : c.prog;
    c.config_name = c.args.config_name ? c.args.config_name : app->config_name;

    int status;
    if (cy__register_launcher_configs() < 0 || make_loader(&c) < 0) {
        status = report();
        goto out;
    }
    if (c.args.help) {
        status = print_help(&c, false);
        goto out;
    }
    bool has_cfg = c.args.cfg != NULL;
    if (c.args.resolve && !has_cfg && !c.args.help) {
        status = usage_failure(&c, "The --resolve flag can only be used in conjunction with --cfg "
                                   "or --help");
        goto out;
    }
    if (c.args.hydra_help) {
        status = print_help(&c, true);
        goto out;
    }
    int ncommands =
        c.args.run + has_cfg + c.args.multirun + c.args.shell_completion + (c.args.info != NULL);
    if (ncommands > 1) {
        status = usage_failure(&c, "Only one of --run, --multirun, --cfg, --info and "
                                   "--shell_completion can be specified");
        goto out;
    }
    if (has_cfg) {
        status = show_cfg(&c);
    } else if (c.args.info) {
        status = show_info(&c);
    } else if (c.args.shell_completion) {
        status = cy__shell_completion(&c.args, c.loader, c.config_name, c.prog);
    } else {
        int mode = configured_mode(&c);
        bool multirun = c.args.multirun;
        if (mode == 0) {
            c.run_extra = multirun ? "hydra.mode=MULTIRUN" : "hydra.mode=RUN";
            mode = multirun ? CY_MODE_MULTIRUN : CY_MODE_RUN;
        } else if (multirun && mode == CY_MODE_RUN) {
            fprintf(stderr, "UserWarning: \n\tRunning Hydra app with --multirun, overriding "
                            "with `hydra.mode=MULTIRUN`.\n");
            c.run_extra = "hydra.mode=MULTIRUN";
            mode = CY_MODE_MULTIRUN;
        }
        if (mode == CY_MODE_RUN) {
            status = run(&c);
        } else {
            size_t n;
            const char **ov = overrides_plus(&c, c.run_extra, &n);
            status = cy__multirun(c.loader, c.config_name, ov, n, app);
            free(ov);
        }
    }
out:
    cy_log_flush();
    cy_loader_free(c.loader);
    free(c.exe_dir);
    free(c.args.overrides);
    return status;
}
