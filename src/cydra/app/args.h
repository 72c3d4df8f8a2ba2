/*
 * args.h - Hydra's command-line flags, parsed as Python's argparse parses them for Hydra.
 *
 * Same options, same abbreviation rules (--hel, -cjob, --cfg=job, -s for -sc), same error texts
 * and usage block (exit status 2). One deliberate difference: overrides may appear anywhere among
 * the flags (argparse rejects "a=1 --cfg job b=2" with "unrecognized arguments: b=2").
 */
#ifndef CYDRA_APP_ARGS_H
#define CYDRA_APP_ARGS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cy_args {
    bool help, hydra_help, version, resolve, run, multirun, shell_completion;
    const char *cfg;     /* "job" | "hydra" | "all" | NULL */
    const char *package; /* --package/-p */
    const char *config_path, *config_name, *config_dir, *experimental_rerun;
    const char *info; /* one of the info choices ("all" when given bare), or NULL */
    const char **overrides;
    size_t noverrides;
} cy_args;

/* Parses argv[1..argc). On a usage error returns -1 and sets *error to a malloc'd text: the usage
 * block and "prog: error: ..." lines, ready for stderr (exit status 2). --version is reported as
 * args->version (print "Hydra 1.3.2" and exit 0), as argparse does at the point it is met, so
 * later errors are not reported. args->overrides is malloc'd (free it); its strings are argv's. */
int cy_args_parse(cy_args *args, int argc, char **argv, const char *prog, char **error);

/* The "--flag,-f : help" lines Hydra's help templates show as $FLAGS_HELP; exec is how the app
 * is invoked (for the shell completion lines). malloc'd. */
char *cy_args_flags_help(const char *exec);

/* argparse's usage block for prog, wrapped to the terminal width (COLUMNS) as argparse wraps it.
 * malloc'd, ends with a newline. */
char *cy_args_usage(const char *prog);

#endif
