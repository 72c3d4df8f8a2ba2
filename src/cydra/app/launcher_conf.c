/*
 * launcher_conf.c - the configs of Cydra's launchers, registered as options of the hydra/launcher
 * group (provider "cydra"), so `hydra/launcher=local` and `hydra/launcher=slurm` select them and
 * `--cfg hydra`, --hydra-help and shell completion show them like Hydra's own.
 */
#include <pthread.h>

#include "app_internal.h"
#include "cydra/schema.h"
#include "cydra/store.h"

#define LOCAL_LAUNCHER_CONF(X)                                                                     \
    X(STR, _target_, "cydra.launcher.LocalLauncher",                                               \
      "runs the jobs as a pool of processes on this machine")                                      \
    X(INT, n_jobs, "-1",                                                                           \
      "jobs run at once: N, or -1 for one per CPU (-2: all CPUs but one, as joblib counts)")       \
    X(OPT_INT, threads_per_job, CY_DEF_NONE,                                                       \
      "sets CYDRA_NUM_THREADS, OMP_NUM_THREADS and OPENBLAS_NUM_THREADS in each job (null: as "    \
      "inherited), so parallel jobs do not oversubscribe the CPUs")                                \
    X(OPT_FLOAT, timeout, CY_DEF_NONE,                                                             \
      "seconds a job may run; then it is stopped (SIGTERM, SIGKILL 5 s later) and failed. null: "  \
      "no limit")
CY_STRUCT(cy__LocalLauncherConf, LOCAL_LAUNCHER_CONF)
CY_SCHEMA_NAMED(cy__LocalLauncherConf, "LocalLauncherConf", LOCAL_LAUNCHER_CONF,
                "Cydra's local launcher: a process pool (hydra-joblib-launcher's equivalent)")

#define SLURM_LAUNCHER_CONF(X)                                                                     \
    X(STR, _target_, "cydra.launcher.SlurmLauncher", "submits the jobs to SLURM with sbatch")      \
    X(OPT_STR, partition, CY_DEF_NONE, "partition (sbatch --partition); null: the default one")    \
    X(INT, time, "60", "time limit of each job in minutes (sbatch --time)")                        \
    X(OPT_STR, mem, CY_DEF_NONE,                                                                   \
      "memory of each job as sbatch takes it (4G, 500M; sbatch --mem); null: the default")         \
    X(INT, cpus_per_task, "1", "CPUs of each job (sbatch --cpus-per-task)")                        \
    X(OPT_INT, gpus_per_task, CY_DEF_NONE, "GPUs of each job (sbatch --gpus-per-task)")            \
    X(OPT_STR, account, CY_DEF_NONE, "account to charge (sbatch --account)")                       \
    X(OPT_STR, qos, CY_DEF_NONE, "quality of service (sbatch --qos)")                              \
    X(OPT_STR, constraint, CY_DEF_NONE, "node features required (sbatch --constraint)")            \
    X(STR, job_name, "${hydra.job.name}", "SLURM job name (sbatch --job-name)")                    \
    X(BOOL, array, "true", "submit a batch as one job array (false: one sbatch per job)")          \
    X(INT, array_parallelism, "256", "array tasks running at once (sbatch --array=...%N)")         \
    X(LIST(STR), setup, "[]",                                                                      \
      "shell lines run before each job: module load ..., source venv/bin/activate, export ...")    \
    X(DICT(STR), additional_parameters, "{}",                                                      \
      "more sbatch options: {gres: 'gpu:1', exclusive: ''} gives --gres=gpu:1 --exclusive")        \
    X(BOOL, submit_only, "false",                                                                  \
      "submit and return without waiting; re-run with the same hydra.sweep.dir to wait for and "   \
      "collect the results")                                                                       \
    X(FLOAT, poll_interval, "5.0",                                                                 \
      "longest wait between two squeue polls in seconds (polls start at 0.2 s and grow)")
CY_STRUCT(cy__SlurmLauncherConf, SLURM_LAUNCHER_CONF)
CY_SCHEMA_NAMED(cy__SlurmLauncherConf, "SlurmLauncherConf", SLURM_LAUNCHER_CONF,
                "Cydra's SLURM launcher (hydra-submitit-launcher's equivalent)")

static int register_rc;

static void register_once(void) {
    static const struct {
        const char *name;
        const cy_schema *schema;
    } items[] = {
        {"local", &cy__LocalLauncherConf_schema},
        {"slurm", &cy__SlurmLauncherConf_schema},
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        cy_store_item it = CY_STORE_ITEM_INIT;
        it.group = "hydra/launcher";
        it.name = items[i].name;
        it.schema = items[i].schema;
        it.provider = "cydra";
        int rc = cy_store_add(cy_store_instance(), &it);
        if (rc < 0 && register_rc == 0)
            register_rc = rc;
    }
}

int cy__register_launcher_configs(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_once);
    return register_rc;
}
