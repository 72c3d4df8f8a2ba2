/*
 * args.c - argparse's behaviour for Hydra's flags.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "args.h"
#include "cydra/config/sbuf.h"

enum { NARGS_0, NARGS_1, NARGS_OPT };

typedef struct option {
    const char *longs, *shorts; /* "--cfg", "-c" (shorts may be NULL) */
    int nargs;
    const char *metavar;        /* for usage: PACKAGE */
    const char *const *choices; /* NULL-terminated */
    const char *help;
    size_t field; /* offsetof in cy_args */
} option;

static const char *const cfg_choices[] = {"job", "hydra", "all", NULL};
static const char *const info_choices[] = {"all",     "config",     "defaults", "defaults-tree",
                                           "plugins", "searchpath", NULL};

#define F(m) offsetof(cy_args, m)
static const option options[] = {
    {"--help", "-h", NARGS_0, NULL, NULL, "Application's help", F(help)},
    {"--hydra-help", NULL, NARGS_0, NULL, NULL, "Hydra's help", F(hydra_help)},
    {"--version", NULL, NARGS_0, NULL, NULL, "Show Hydra's version and exit", F(version)},
    {"--cfg", "-c", NARGS_1, NULL, cfg_choices, "Show config instead of running [job|hydra|all]",
     F(cfg)},
    {"--resolve", NULL, NARGS_0, NULL, NULL,
     "Used in conjunction with --cfg, resolve config interpolations before printing.", F(resolve)},
    {"--package", "-p", NARGS_1, "PACKAGE", NULL, "Config package to show", F(package)},
    {"--run", "-r", NARGS_0, NULL, NULL, "Run a job", F(run)},
    {"--multirun", "-m", NARGS_0, NULL, NULL,
     "Run multiple jobs with the configured launcher and sweeper", F(multirun)},
    {"--shell-completion", "-sc", NARGS_0, NULL, NULL, NULL, F(shell_completion)},
    {"--config-path", "-cp", NARGS_1, "CONFIG_PATH", NULL,
     "Overrides the config_path specified in cy_main().\n"
     "                    The config_path is absolute or relative to the directory of the "
     "executable",
     F(config_path)},
    {"--config-name", "-cn", NARGS_1, "CONFIG_NAME", NULL,
     "Overrides the config_name specified in cy_main()", F(config_name)},
    {"--config-dir", "-cd", NARGS_1, "CONFIG_DIR", NULL,
     "Adds an additional config dir to the config search path", F(config_dir)},
    {"--experimental-rerun", NULL, NARGS_1, "EXPERIMENTAL_RERUN", NULL,
     "Rerun a job from a previous config pickle", F(experimental_rerun)},
    {"--info", "-i", NARGS_OPT, NULL, info_choices,
     "Print Hydra information [all|config|defaults|defaults-tree|plugins|searchpath]", F(info)},
};
#undef F
#define NOPTIONS (sizeof options / sizeof options[0])

/* ---------------------------------------------------------------------------------------------
 * Usage, wrapped as argparse's HelpFormatter wraps it
 */

static int terminal_columns(void) {
    const char *c = getenv("COLUMNS");
    if (c && atoi(c) > 0)
        return atoi(c);
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

static char *choices_text(const char *const *choices) {
    cy_sbuf b = {0};
    cy__sb_puts(&b, "{");
    for (size_t i = 0; choices[i]; i++) {
        if (i)
            cy__sb_puts(&b, ",");
        cy__sb_puts(&b, choices[i]);
    }
    cy__sb_puts(&b, "}");
    return cy__sb_take_or_abort(&b);
}

/* Lays parts out on lines of at most width columns, argparse's get_lines. */
static void get_lines(cy_sbuf *out, size_t *nlines, const char **parts, size_t n, size_t indent,
                      size_t first_len, size_t width, int first_has_prefix) {
    size_t line_len = (first_has_prefix ? first_len : indent) - 1;
    int line_empty = 1;
    for (size_t i = 0; i < n; i++) {
        size_t plen = strlen(parts[i]);
        if (line_len + 1 + plen > width && !line_empty) {
            cy__sb_puts(out, "\n");
            (*nlines)++;
            for (size_t k = 0; k < indent; k++)
                cy__sb_puts(out, " ");
            line_len = indent - 1;
            line_empty = 1;
        }
        if (!line_empty)
            cy__sb_puts(out, " ");
        cy__sb_puts(out, parts[i]);
        line_empty = 0;
        line_len += plen + 1;
    }
}

char *cy_args_usage(const char *prog) {
    const char *parts[NOPTIONS + 1];
    char *owned[NOPTIONS];
    size_t n = 0;
    for (size_t i = 0; i < NOPTIONS; i++) {
        const option *o = &options[i];
        cy_sbuf b = {0};
        cy__sb_printf(&b, "[%s", o->longs);
        if (o->nargs == NARGS_1 && o->choices) {
            char *c = choices_text(o->choices);
            cy__sb_printf(&b, " %s", c);
            free(c);
        } else if (o->nargs == NARGS_1) {
            cy__sb_printf(&b, " %s", o->metavar);
        } else if (o->nargs == NARGS_OPT) {
            char *c = choices_text(o->choices);
            cy__sb_printf(&b, " [%s]", c);
            free(c);
        }
        cy__sb_puts(&b, "]");
        char *part = cy__sb_take_or_abort(&b);
        owned[n] = part;
        parts[n++] = part;
    }
    const char *pos = "[overrides ...]";

    size_t width = (size_t)terminal_columns() - 2;
    const char *prefix = "usage: ";
    cy_sbuf line = {0};
    cy__sb_puts(&line, prog);
    for (size_t i = 0; i < n; i++) {
        cy__sb_puts(&line, " ");
        cy__sb_puts(&line, parts[i]);
    }
    cy__sb_puts(&line, " ");
    cy__sb_puts(&line, pos);
    size_t line_len = line.len;
    char *line_text = cy__sb_take_or_abort(&line);

    cy_sbuf out = {0};
    cy__sb_puts(&out, prefix);
    size_t nlines = 1;
    if (strlen(prefix) + line_len <= width) {
        cy__sb_puts(&out, line_text);
    } else if (strlen(prefix) + strlen(prog) <= 0.75 * width) {
        size_t indent = strlen(prefix) + strlen(prog) + 1;
        const char *all[NOPTIONS + 2];
        all[0] = prog;
        memcpy(all + 1, parts, n * sizeof *parts);
        get_lines(&out, &nlines, all, n + 1, indent, strlen(prefix), width, 1);
        cy__sb_puts(&out, "\n");
        for (size_t k = 0; k < indent; k++)
            cy__sb_puts(&out, " ");
        get_lines(&out, &nlines, &pos, 1, indent, indent, width, 0);
    } else {
        size_t indent = strlen(prefix);
        cy__sb_puts(&out, prog);
        cy__sb_puts(&out, "\n");
        for (size_t k = 0; k < indent; k++)
            cy__sb_puts(&out, " ");
        get_lines(&out, &nlines, parts, n, indent, indent, width, 0);
        cy__sb_puts(&out, "\n");
        for (size_t k = 0; k < indent; k++)
            cy__sb_puts(&out, " ");
        get_lines(&out, &nlines, &pos, 1, indent, indent, width, 0);
    }
    cy__sb_puts(&out, "\n");
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    free(line_text);
    return cy__sb_take_or_abort(&out);
}

/* ---------------------------------------------------------------------------------------------
 * Parsing
 */

static int usage_error(char **error, const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int usage_error(char **error, const char *prog, const char *fmt, ...) {
    cy_sbuf b = {0};
    char *u = cy_args_usage(prog);
    cy__sb_puts(&b, u);
    free(u);
    cy__sb_printf(&b, "%s: error: ", prog);
    va_list ap;
    va_start(ap, fmt);
    cy__sb_vprintf(&b, fmt, ap);
    va_end(ap);
    cy__sb_puts(&b, "\n");
    *error = cy__sb_take_or_abort(&b);
    return -1;
}

static char *option_names(const option *o) {
    cy_sbuf b = {0};
    cy__sb_puts(&b, o->longs);
    if (o->shorts) {
        cy__sb_puts(&b, "/");
        cy__sb_puts(&b, o->shorts);
    }
    return cy__sb_take_or_abort(&b);
}

/* argparse: a string that looks like a negative number is not an option (the parser has no
 * option that looks like one). */
static int looks_negative_number(const char *s) {
    if (s[0] != '-' || !s[1])
        return 0;
    char *end;
    strtod(s, &end);
    return *end == '\0';
}

static int is_option_like(const char *s) {
    return s[0] == '-' && s[1] && !looks_negative_number(s) && !strchr(s, ' ');
}

/* Finds the option an argument names, with argparse's exact/prefix/short-prefix rules.
 * Returns 1 with *opt (and *explicit_arg when the value is attached), 0 when it is no option
 * (a positional), -1 on error. */
static int match_option(const char *arg, const option **opt, const char **explicit_arg,
                        char **error, const char *prog, char *scratch, size_t scratch_len) {
    *explicit_arg = NULL;
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strcmp(arg, options[i].longs) == 0 ||
            (options[i].shorts && strcmp(arg, options[i].shorts) == 0)) {
            *opt = &options[i];
            return 1;
        }
    if (!is_option_like(arg))
        return 0;
    const char *eq = strchr(arg, '=');
    if (eq) {
        size_t n = (size_t)(eq - arg);
        if (n < scratch_len) {
            memcpy(scratch, arg, n);
            scratch[n] = '\0';
            for (size_t i = 0; i < NOPTIONS; i++)
                if (strcmp(scratch, options[i].longs) == 0 ||
                    (options[i].shorts && strcmp(scratch, options[i].shorts) == 0)) {
                    *opt = &options[i];
                    *explicit_arg = eq + 1;
                    return 1;
                }
        }
    }
    /* Prefix matching (allow_abbrev). */
    const option *found[NOPTIONS * 2];
    const char *found_str[NOPTIONS * 2];
    const char *found_arg[NOPTIONS * 2];
    size_t nfound = 0;
    if (arg[1] == '-') {
        const char *prefix = arg;
        size_t plen = eq ? (size_t)(eq - arg) : strlen(arg);
        for (size_t i = 0; i < NOPTIONS; i++)
            if (strncmp(options[i].longs, prefix, plen) == 0) {
                found[nfound] = &options[i];
                found_str[nfound] = options[i].longs;
                found_arg[nfound++] = eq ? eq + 1 : NULL;
            }
    } else {
        /* single dash: "-cjob" is -c with "job"; "-s" is a prefix of "-sc" */
        for (size_t i = 0; i < NOPTIONS; i++) {
            const char *names[2] = {options[i].longs, options[i].shorts};
            for (int k = 0; k < 2; k++) {
                const char *nm = names[k];
                if (!nm)
                    continue;
                if (strlen(nm) == 2 && strncmp(nm, arg, 2) == 0) {
                    found[nfound] = &options[i];
                    found_str[nfound] = nm;
                    found_arg[nfound++] = arg + 2;
                } else if (strncmp(nm, arg, strlen(arg)) == 0) {
                    found[nfound] = &options[i];
                    found_str[nfound] = nm;
                    found_arg[nfound++] = NULL;
                }
            }
        }
    }
    if (nfound > 1) {
        cy_sbuf b = {0};
        for (size_t i = 0; i < nfound; i++) {
            if (i)
                cy__sb_puts(&b, ", ");
            cy__sb_puts(&b, found_str[i]);
        }
        char *matches = cy__sb_take_or_abort(&b);
        usage_error(error, prog, "ambiguous option: %s could match %s", eq ? scratch : arg,
                    matches);
        free(matches);
        return -1;
    }
    if (nfound == 1) {
        *opt = found[0];
        *explicit_arg = found_arg[0];
        return 1;
    }
    return 2; /* option-like but unknown */
}

static int check_choice(const option *o, const char *value, char **error, const char *prog) {
    if (!o->choices)
        return 0;
    for (size_t i = 0; o->choices[i]; i++)
        if (strcmp(o->choices[i], value) == 0)
            return 0;
    cy_sbuf b = {0};
    for (size_t i = 0; o->choices[i]; i++)
        cy__sb_printf(&b, "%s'%s'", i ? ", " : "", o->choices[i]);
    char *choices = cy__sb_take_or_abort(&b);
    char *names = option_names(o);
    usage_error(error, prog, "argument %s: invalid choice: '%s' (choose from %s)", names, value,
                choices);
    free(names);
    free(choices);
    return -1;
}

int cy_args_parse(cy_args *args, int argc, char **argv, const char *prog, char **error) {
    memset(args, 0, sizeof *args);
    *error = NULL;
    args->overrides = calloc((size_t)argc + 1, sizeof *args->overrides);
    if (!args->overrides)
        abort();
    cy_sbuf unknown = {0};
    int after_dashdash = 0;
    char scratch[256];

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (after_dashdash) {
            args->overrides[args->noverrides++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            after_dashdash = 1;
            continue;
        }
        const option *o = NULL;
        const char *explicit_arg = NULL;
        int m = match_option(arg, &o, &explicit_arg, error, prog, scratch, sizeof scratch);
        if (m < 0)
            goto fail;
        if (m == 0) {
            args->overrides[args->noverrides++] = arg;
            continue;
        }
        if (m == 2) {
            cy__sb_printf(&unknown, "%s%s", unknown.len ? " " : "", arg);
            continue;
        }
        char *names = option_names(o);
        void *field = (char *)args + o->field;
        if (o->nargs == NARGS_0) {
            if (explicit_arg && *explicit_arg) {
                usage_error(error, prog, "argument %s: ignored explicit argument '%s'", names,
                            explicit_arg);
                free(names);
                goto fail;
            }
            *(bool *)field = true;
            free(names);
            if (o->field == offsetof(cy_args, version))
                goto done; /* argparse prints the version and exits right here */
            continue;
        }
        const char *value = explicit_arg;
        if (!value && i + 1 < argc && !is_option_like(argv[i + 1]) &&
            !(strcmp(argv[i + 1], "--") == 0))
            value = argv[++i];
        if (!value) {
            if (o->nargs == NARGS_OPT) {
                value = "all";
            } else {
                usage_error(error, prog, "argument %s: expected one argument", names);
                free(names);
                goto fail;
            }
        }
        free(names);
        if (check_choice(o, value, error, prog) < 0)
            goto fail;
        *(const char **)field = value;
    }
done:
    if (unknown.len && !args->version) {
        char *u = cy__sb_take_or_abort(&unknown);
        usage_error(error, prog, "unrecognized arguments: %s", u);
        free(u);
        goto fail;
    }
    cy__sb_free(&unknown);
    return 0;
fail:
    cy__sb_free(&unknown);
    free(args->overrides);
    args->overrides = NULL;
    args->noverrides = 0;
    return -1;
}

char *cy_args_flags_help(const char *exec) {
    cy_sbuf b = {0};
    for (size_t i = 0; i < NOPTIONS; i++) {
        const option *o = &options[i];
        cy__sb_puts(&b, o->longs);
        if (o->shorts)
            cy__sb_printf(&b, ",%s", o->shorts);
        if (o->help) {
            cy__sb_printf(&b, " : %s\n", o->help);
            continue;
        }
        /* --shell-completion */
        cy__sb_puts(&b, " : Install or Uninstall shell completion:\n");
        cy__sb_printf(&b,
                      "    Bash - Install:\n"
                      "    eval \"$(%s -sc install=bash)\"\n"
                      "    Bash - Uninstall:\n"
                      "    eval \"$(%s -sc uninstall=bash)\"\n"
                      "\n"
                      "    Fish - Install:\n"
                      "    %s -sc install=fish | source\n"
                      "    Fish - Uninstall:\n"
                      "    %s -sc uninstall=fish | source\n"
                      "\n"
                      "    Zsh - Install:\n"
                      "    Zsh is compatible with the Bash shell completion, see the "
                      "[documentation](https://hydra.cc/docs/1.2/tutorials/basic/running_your_app/"
                      "tab_completion#zsh-instructions) for details.\n"
                      "    eval \"$(%s -sc install=bash)\"\n"
                      "    Zsh - Uninstall:\n"
                      "    eval \"$(%s -sc uninstall=bash)\"\n"
                      "\n",
                      exec, exec, exec, exec, exec, exec);
    }
    cy__sb_puts(&b, "Overrides : Any key=value arguments to override config values (use dots for"
                    ".nested=overrides)");
    return cy__sb_take_or_abort(&b);
}
