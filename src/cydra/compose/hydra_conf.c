/*
 * hydra_conf.c - Hydra's own configs, declared here so that `--cfg hydra` prints what Hydra 1.3.2
 * prints: the structured HydraConf (hydra/config) with the launcher and sweeper options of the
 * store, and the YAML options of `pkg://hydra.conf` (hydra/output, hydra/help, hydra/hydra_help,
 * hydra/hydra_logging, hydra/job_logging, hydra/env).
 *
 * The structured configs carry Hydra's class names ("HydraConf", "JobConf", ...) because errors
 * name them ("Key 'nosuch' not in 'HydraConf'"); their C names are file-local. Field order is
 * Hydra's, since it is the order `--cfg hydra` prints.
 *
 * More options for these groups (our launchers, sweepers, logging setups) are added from C with
 * the store: cy_store_schema(cy_store_instance(), "hydra/launcher", "local", &LocalConf_schema).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "compose_internal.h"
#include "cydra/schema.h"

/* ---------------------------------------------------------------------------------------------
 * Declaration machinery: CY_STRUCT/CY_SCHEMA with file-local symbols and a display name
 */

#define HC_STRUCT(T, FIELDS)                                                                       \
    typedef struct T {                                                                             \
        FIELDS(CY__MEMBER)                                                                         \
    } T;                                                                                           \
    static const cy_schema T##_schema;                                                             \
    static const cy_type T##_type;

#define HC_SCHEMA(T, NAME, FIELDS, HELP)                                                           \
    static const cy_field *T##__fields(size_t *count) {                                            \
        typedef T cy__self;                                                                        \
        static const cy_field fields[] = {FIELDS(CY__FIELD)};                                      \
        *count = sizeof fields / sizeof fields[0];                                                 \
        return fields;                                                                             \
    }                                                                                              \
    static const cy_schema T##_schema = {NAME, HELP, sizeof(T), &T##_type, T##__fields};           \
    static const cy_type T##_type = {.tag = CY_T_STRUCT, .schema = &T##_schema};

/* Optional[Dict[str, K]], a kind the public macros do not have */
#define CY__T_OPT_DICT(K)                                                                          \
    { .tag = CY_T_DICT, .optional = true, .elem = CY__PASTE_ELEM(CY__E_, K) }
#define CY__C_OPT_DICT(K) const cy_node *
#define CY__B_OPT_DICT(K) CY_BIND_NODE

/* hydra.types.RunMode */
typedef enum hc_RunMode { HC_RUN = 1, HC_MULTIRUN = 2 } hc_RunMode;
static const char *const hc_RunMode_names[] = {"RUN", "MULTIRUN"};
static const int64_t hc_RunMode_values[] = {1, 2};
static const cy_enum_def hc_RunMode_enum = {"RunMode", hc_RunMode_names, hc_RunMode_values, 2};

/* ---------------------------------------------------------------------------------------------
 * hydra/config: HydraConf and its parts
 */

#define HELP_CONF(X)                                                                               \
    X(STR, app_name, CY_DEF_MISSING, "the app's name in --help")                                   \
    X(STR, header, CY_DEF_MISSING, "text above the --help body")                                   \
    X(STR, footer, CY_DEF_MISSING, "text below the --help body")                                   \
    X(STR, template, CY_DEF_MISSING,                                                               \
      "the --help page, with $APP_CONFIG_GROUPS, $CONFIG, $FLAGS_HELP")
HC_STRUCT(hc_HelpConf, HELP_CONF)

#define HYDRA_HELP_CONF(X)                                                                         \
    X(STR, hydra_help, CY_DEF_MISSING, "unused; kept for Hydra compatibility")                     \
    X(STR, template, CY_DEF_MISSING,                                                               \
      "the --hydra-help page, with $FLAGS_HELP, $HYDRA_CONFIG_GROUPS")
HC_STRUCT(hc_HydraHelpConf, HYDRA_HELP_CONF)

#define RUN_DIR(X) X(STR, dir, CY_DEF_MISSING, "output directory of a single run")
HC_STRUCT(hc_RunDir, RUN_DIR)

#define SWEEP_DIR(X)                                                                               \
    X(STR, dir, CY_DEF_MISSING, "directory holding every job of a multirun")                       \
    X(STR, subdir, CY_DEF_MISSING, "each job's directory inside the sweep directory")
HC_STRUCT(hc_SweepDir, SWEEP_DIR)

#define OVERRIDES_CONF(X)                                                                          \
    X(LIST(STR), hydra, "[]", "the command-line overrides of hydra.* settings")                    \
    X(LIST(STR), task, "[]", "the command-line overrides of the task's config")
HC_STRUCT(hc_OverridesConf, OVERRIDES_CONF)

#define OVERRIDE_DIRNAME(X)                                                                        \
    X(STR, kv_sep, "=", "between key and value in hydra.job.override_dirname")                     \
    X(STR, item_sep, ",", "between overrides in hydra.job.override_dirname")                       \
    X(LIST(STR), exclude_keys, "[]", "override keys left out of hydra.job.override_dirname")
HC_STRUCT(hc_OverrideDirname, OVERRIDE_DIRNAME)

#define JOB_CONFIG(X)                                                                              \
    X(STRUCT(hc_OverrideDirname), override_dirname, NULL, "how override_dirname is formed")
HC_STRUCT(hc_JobConfig, JOB_CONFIG)

#define JOB_CONF(X)                                                                                \
    X(STR, name, CY_DEF_MISSING, "job name (the app's name unless set)")                           \
    X(OPT_BOOL, chdir, CY_DEF_NONE, "change the working directory to the output directory")        \
    X(STR, override_dirname, CY_DEF_MISSING, "the task overrides joined into a directory name")    \
    X(STR, id, CY_DEF_MISSING, "job id in the launcher's scheduling system")                       \
    X(INT, num, CY_DEF_MISSING, "job number inside a sweep")                                       \
    X(OPT_STR, config_name, CY_DEF_MISSING, "the primary config's name")                           \
    X(DICT(STR), env_set, "{}", "environment variables to set for the job")                        \
    X(LIST(STR), env_copy, "[]", "environment variables to copy from the launching process")       \
    X(STRUCT(hc_JobConfig), config, NULL, "job settings")
HC_STRUCT(hc_JobConf, JOB_CONF)

#define CONFIG_SOURCE_INFO(X)                                                                      \
    X(STR, path, CY_DEF_MISSING, "where the source is")                                            \
    X(STR, schema, CY_DEF_MISSING, "its scheme: pkg, file or structured")                          \
    X(STR, provider, CY_DEF_MISSING, "who put it on the search path")
HC_STRUCT(hc_ConfigSourceInfo, CONFIG_SOURCE_INFO)

#define RUNTIME_CONF(X)                                                                            \
    X(STR, version, CY_DEF_MISSING, "Hydra version")                                               \
    X(STR, version_base, CY_DEF_MISSING, "the version_base behaviour in effect")                   \
    X(STR, cwd, CY_DEF_MISSING, "the working directory the app was started in")                    \
    X(LIST(STRUCT(hc_ConfigSourceInfo)), config_sources, CY_DEF_MISSING, "the config search path") \
    X(STR, output_dir, CY_DEF_MISSING, "the job's output directory")                               \
    X(DICT(ANY), choices, "{}", "the chosen option of every config group")
HC_STRUCT(hc_RuntimeConf, RUNTIME_CONF)

#define HYDRA_CONF(X)                                                                              \
    X(LIST(ANY), defaults,                                                                         \
      "[{output: default}, {launcher: basic}, {sweeper: basic}, {help: default}, "                 \
      "{hydra_help: default}, {hydra_logging: default}, {job_logging: default}, "                  \
      "{callbacks: null}, {env: default}]",                                                        \
      "Hydra's own defaults list")                                                                 \
    X(OPT_ENUM(hc_RunMode), mode, CY_DEF_NONE, "RUN or MULTIRUN")                                  \
    X(LIST(STR), searchpath, "[]", "entries appended to the config search path")                   \
    X(STRUCT(hc_RunDir), run, NULL, "single run output")                                           \
    X(STRUCT(hc_SweepDir), sweep, NULL, "multirun output")                                         \
    X(DICT(ANY), hydra_logging, CY_DEF_MISSING, "logging configuration of Hydra itself")           \
    X(DICT(ANY), job_logging, CY_DEF_MISSING, "logging configuration of the job")                  \
    X(ANY, sweeper, CY_DEF_MISSING, "the sweeper")                                                 \
    X(ANY, launcher, CY_DEF_MISSING, "the launcher")                                               \
    X(DICT(ANY), callbacks, "{}", "callbacks")                                                     \
    X(STRUCT(hc_HelpConf), help, NULL, "the app's --help")                                         \
    X(STRUCT(hc_HydraHelpConf), hydra_help, NULL, "--hydra-help")                                  \
    X(OPT_STR, output_subdir, ".hydra", "where config.yaml/hydra.yaml/overrides.yaml go")          \
    X(STRUCT(hc_OverridesConf), overrides, NULL, "the command-line overrides")                     \
    X(STRUCT(hc_JobConf), job, NULL, "job information")                                            \
    X(STRUCT(hc_RuntimeConf), runtime, NULL, "run information")                                    \
    X(ANY, verbose, "false", "true, a logger name or a list of names to log at DEBUG")
HC_STRUCT(hc_HydraConf, HYDRA_CONF)

#define BASIC_LAUNCHER_CONF(X)                                                                     \
    X(STR, _target_, "hydra._internal.core_plugins.basic_launcher.BasicLauncher",                  \
      "runs the jobs one after the other in this process")
HC_STRUCT(hc_BasicLauncherConf, BASIC_LAUNCHER_CONF)

#define BASIC_SWEEPER_CONF(X)                                                                      \
    X(STR, _target_, "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",                    \
      "the cartesian product of the sweeps")                                                       \
    X(OPT_INT, max_batch_size, CY_DEF_NONE, "jobs launched at once (null: all)")                   \
    X(OPT_DICT(STR), params, CY_DEF_NONE, "sweeps to add to the command line ones")
HC_STRUCT(hc_BasicSweeperConf, BASIC_SWEEPER_CONF)

HC_SCHEMA(hc_HelpConf, "HelpConf", HELP_CONF, "the app's --help page")
HC_SCHEMA(hc_HydraHelpConf, "HydraHelpConf", HYDRA_HELP_CONF, "the --hydra-help page")
HC_SCHEMA(hc_RunDir, "RunDir", RUN_DIR, "single run output")
HC_SCHEMA(hc_SweepDir, "SweepDir", SWEEP_DIR, "multirun output")
HC_SCHEMA(hc_OverridesConf, "OverridesConf", OVERRIDES_CONF, "the command-line overrides")
HC_SCHEMA(hc_OverrideDirname, "OverrideDirname", OVERRIDE_DIRNAME,
          "configuration of hydra.job.override_dirname")
HC_SCHEMA(hc_JobConfig, "JobConfig", JOB_CONFIG, "job settings")
HC_SCHEMA(hc_JobConf, "JobConf", JOB_CONF, "job information")
HC_SCHEMA(hc_ConfigSourceInfo, "ConfigSourceInfo", CONFIG_SOURCE_INFO, "a config source")
HC_SCHEMA(hc_RuntimeConf, "RuntimeConf", RUNTIME_CONF, "run information")
HC_SCHEMA(hc_HydraConf, "HydraConf", HYDRA_CONF, "Hydra's configuration")
HC_SCHEMA(hc_BasicLauncherConf, "BasicLauncherConf", BASIC_LAUNCHER_CONF, "the basic launcher")
HC_SCHEMA(hc_BasicSweeperConf, "BasicSweeperConf", BASIC_SWEEPER_CONF, "the basic sweeper")

int cyc_hydra_conf_register_structured(cy_store *store) {
    static const struct {
        const char *group, *name;
        const cy_schema *schema;
    } items[] = {
        {"hydra", "config", &hc_HydraConf_schema},
        {"hydra/launcher", "basic", &hc_BasicLauncherConf_schema},
        {"hydra/sweeper", "basic", &hc_BasicSweeperConf_schema},
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        cy_store_item it = CY_STORE_ITEM_INIT;
        it.group = items[i].group;
        it.name = items[i].name;
        it.schema = items[i].schema;
        it.provider = "hydra";
        int rc = cy_store_add(store, &it);
        if (rc < 0)
            return rc;
    }
    cy_store_item it = CY_STORE_ITEM_INIT;
    it.name = "_dummy_empty_config_";
    it.yaml = "{}";
    it.provider = "hydra";
    return cy_store_add(store, &it);
}

/* ---------------------------------------------------------------------------------------------
 * pkg://hydra.conf: the options of Hydra's YAML config groups, as node tables
 *
 * Each table lists a config's nodes depth first: {depth, key, kind, value} with kind 'd' (dict),
 * 'l' (list), 's' (string, "${...}" making it an interpolation as OmegaConf does), 'i' (int),
 * 'b' (bool: "true"/"false") or 'n' (null); list items have no key. Building nodes from tables
 * keeps a YAML parser out of every program start.
 */

typedef struct nspec {
    int depth;
    const char *key;
    char kind;
    const char *value;
} nspec;

#define NSPEC_END                                                                                  \
    { -1, NULL, 0, NULL }

static const nspec output_default[] = {
    {0, "run", 'd', NULL},
    {1, "dir", 's', "outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}"},
    {0, "sweep", 'd', NULL},
    {1, "dir", 's', "multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}"},
    {1, "subdir", 's', "${hydra.job.num}"},
    NSPEC_END,
};

static const nspec help_default[] = {
    {0, "app_name", 's', "${hydra.job.name}"},
    {0, "header", 's', "${hydra.help.app_name} is powered by Hydra.\n"},
    {0, "footer", 's',
     "Powered by Hydra (https://hydra.cc)\nUse --hydra-help to view Hydra specific help\n"},
    {0, "template", 's',
     "${hydra.help.header}\n"
     "== Configuration groups ==\n"
     "Compose your configuration from those groups (group=option)\n"
     "\n"
     "$APP_CONFIG_GROUPS\n"
     "\n"
     "== Config ==\n"
     "Override anything in the config (foo.bar=value)\n"
     "\n"
     "$CONFIG\n"
     "\n"
     "${hydra.help.footer}\n"},
    NSPEC_END,
};

static const nspec hydra_help_default[] = {
    {0, "template", 's',
     "Hydra (${hydra.runtime.version})\n"
     "See https://hydra.cc for more info.\n"
     "\n"
     "== Flags ==\n"
     "$FLAGS_HELP\n"
     "\n"
     "== Configuration groups ==\n"
     "Compose your configuration from those groups (For example, append "
     "hydra/job_logging=disabled to command line)\n"
     "\n"
     "$HYDRA_CONFIG_GROUPS\n"
     "\n"
     "Use '--cfg hydra' to Show the Hydra config.\n"},
    NSPEC_END,
};

static const nspec hydra_logging_default[] = {
    {0, "version", 'i', "1"},
    {0, "formatters", 'd', NULL},
    {1, "simple", 'd', NULL},
    {2, "format", 's', "[%(asctime)s][HYDRA] %(message)s"},
    {0, "handlers", 'd', NULL},
    {1, "console", 'd', NULL},
    {2, "class", 's', "logging.StreamHandler"},
    {2, "formatter", 's', "simple"},
    {2, "stream", 's', "ext://sys.stdout"},
    {0, "root", 'd', NULL},
    {1, "level", 's', "INFO"},
    {1, "handlers", 'l', NULL},
    {2, NULL, 's', "console"},
    {0, "loggers", 'd', NULL},
    {1, "logging_example", 'd', NULL},
    {2, "level", 's', "DEBUG"},
    {0, "disable_existing_loggers", 'b', "false"},
    NSPEC_END,
};

static const nspec hydra_logging_hydra_debug[] = {
    {0, "version", 'i', "1"},
    {0, "formatters", 'd', NULL},
    {1, "simple", 'd', NULL},
    {2, "format", 's', "[%(asctime)s][%(name)s][%(levelname)s] - %(message)s"},
    {0, "handlers", 'd', NULL},
    {1, "file", 'd', NULL},
    {2, "class", 's', "logging.FileHandler"},
    {2, "mode", 's', "w"},
    {2, "formatter", 's', "simple"},
    {2, "filename", 's', "hydra-${hydra.job.name}.log"},
    {2, "delay", 'b', "true"},
    {0, "root", 'd', NULL},
    {1, "level", 's', "ERROR"},
    {1, "handlers", 'l', NULL},
    {2, NULL, 's', "file"},
    {0, "loggers", 'd', NULL},
    {1, "hydra", 'd', NULL},
    {2, "level", 's', "DEBUG"},
    {0, "disable_existing_loggers", 'b', "false"},
    NSPEC_END,
};

static const nspec logging_disabled[] = {
    {0, "version", 'i', "1"},
    {0, "root", 'd', NULL},
    {1, "level", 's', "ERROR"},
    {0, "disable_existing_loggers", 'b', "true"},
    NSPEC_END,
};

static const nspec logging_none[] = {
    {0, "version", 'i', "1"},
    {0, "root", 'n', NULL},
    {0, "disable_existing_loggers", 'b', "false"},
    NSPEC_END,
};

static const nspec job_logging_default[] = {
    {0, "version", 'i', "1"},
    {0, "formatters", 'd', NULL},
    {1, "simple", 'd', NULL},
    {2, "format", 's', "[%(asctime)s][%(name)s][%(levelname)s] - %(message)s"},
    {0, "handlers", 'd', NULL},
    {1, "console", 'd', NULL},
    {2, "class", 's', "logging.StreamHandler"},
    {2, "formatter", 's', "simple"},
    {2, "stream", 's', "ext://sys.stdout"},
    {1, "file", 'd', NULL},
    {2, "class", 's', "logging.FileHandler"},
    {2, "formatter", 's', "simple"},
    {2, "filename", 's', "${hydra.runtime.output_dir}/${hydra.job.name}.log"},
    {0, "root", 'd', NULL},
    {1, "level", 's', "INFO"},
    {1, "handlers", 'l', NULL},
    {2, NULL, 's', "console"},
    {2, NULL, 's', "file"},
    {0, "disable_existing_loggers", 'b', "false"},
    NSPEC_END,
};

static const nspec job_logging_stdout[] = {
    {0, "version", 'i', "1"},
    {0, "formatters", 'd', NULL},
    {1, "simple", 'd', NULL},
    {2, "format", 's', "%(message)s"},
    {0, "handlers", 'd', NULL},
    {1, "console", 'd', NULL},
    {2, "class", 's', "logging.StreamHandler"},
    {2, "formatter", 's', "simple"},
    {2, "stream", 's', "ext://sys.stdout"},
    {0, "root", 'd', NULL},
    {1, "level", 's', "INFO"},
    {1, "handlers", 'l', NULL},
    {2, NULL, 's', "console"},
    {0, "disable_existing_loggers", 'b', "false"},
    NSPEC_END,
};

static const nspec env_default[] = {NSPEC_END};

/* Builds the tree of a table (depth first, children one level deeper than their container). */
static cy_node *build(cy_arena *a, const nspec *spec) {
    cy_node *stack[16];
    stack[0] = cy_new_dict(a);
    for (const nspec *e = spec; e->depth >= 0; e++) {
        cy_node *n;
        switch (e->kind) {
        case 'd':
            n = cy_new_dict(a);
            break;
        case 'l':
            n = cy_new_list(a);
            break;
        case 'i':
            n = cy_new_int(a, strtoll(e->value, NULL, 10));
            break;
        case 'b':
            n = cy_new_bool(a, strcmp(e->value, "true") == 0);
            break;
        case 'n':
            n = cy_new_null(a);
            break;
        default:
            n = cy_new_str(a, e->value);
            break;
        }
        cy_node *parent = stack[e->depth];
        if (e->key)
            cy_dict_put(parent, e->key, n);
        else
            cy_list_push(parent, n);
        stack[e->depth + 1] = n;
    }
    return stack[0];
}

static cy_store *pkg_store;
static pthread_once_t pkg_once = PTHREAD_ONCE_INIT;

static void pkg_init(void) {
    static const struct {
        const char *group, *name, *package;
        const nspec *spec;
    } items[] = {
        {"hydra/env", "default", NULL, env_default},
        {"hydra/help", "default", NULL, help_default},
        {"hydra/hydra_help", "default", NULL, hydra_help_default},
        {"hydra/hydra_logging", "default", NULL, hydra_logging_default},
        {"hydra/hydra_logging", "disabled", NULL, logging_disabled},
        {"hydra/hydra_logging", "hydra_debug", NULL, hydra_logging_hydra_debug},
        {"hydra/hydra_logging", "none", NULL, logging_none},
        {"hydra/job_logging", "default", NULL, job_logging_default},
        {"hydra/job_logging", "disabled", NULL, logging_disabled},
        {"hydra/job_logging", "none", NULL, logging_none},
        {"hydra/job_logging", "stdout", NULL, job_logging_stdout},
        {"hydra/output", "default", "hydra", output_default}, /* "# @package hydra" */
    };
    cy_store *s = NULL;
    cy_arena *a = cy_arena_new();
    bool ok = a && cy_store_new(&s, CY_STORE_BARE) == 0;
    for (size_t i = 0; ok && i < sizeof items / sizeof items[0]; i++) {
        cy_store_item it = CY_STORE_ITEM_INIT;
        it.group = items[i].group;
        it.name = items[i].name;
        it.package = items[i].package;
        it.node = build(a, items[i].spec);
        it.provider = "hydra";
        ok = cy_store_add(s, &it) == 0;
    }
    cy_arena_free(a);
    if (!ok) {
        cy_store_free(s);
        return;
    }
    pkg_store = s;
}

cy_store *cyc_hydra_conf_pkg_store(void) {
    pthread_once(&pkg_once, pkg_init);
    return pkg_store;
}

int cyc_hydra_source_info(cy_node **out, cy_arena *a, const char *path, const char *scheme,
                          const char *provider) {
    cy_node *n;
    int rc = cy_schema_instantiate(&n, a, &hc_ConfigSourceInfo_schema);
    if (rc < 0)
        return rc;
    if ((rc = cy_node_set(n, "path", cy_new_str(a, path))) < 0 ||
        (rc = cy_node_set(n, "schema", cy_new_str(a, scheme))) < 0 ||
        (rc = cy_node_set(n, "provider", cy_new_str(a, provider))) < 0)
        return rc;
    *out = n;
    return 0;
}
