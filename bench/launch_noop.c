/*
 * launch_noop - a task that does nothing, for bench/launch.sh: the time a multirun takes per job
 * is then the launcher's overhead (composing the job's config, the job process, its .hydra files
 * and log, collecting its result).
 *
 * bench-libs: cydra
 */
#include "cydra/app.h"
#include "cydra/schema.h"
#include "cydra/store.h"

#define NOOP_CONF(X) X(INT, i, "0", "the job's index in the sweep")
CY_STRUCT(NoopConf, NOOP_CONF)
CY_SCHEMA_NAMED(NoopConf, "NoopConf", NOOP_CONF, "nothing to configure")

static int task(const cy_node *cfg, cy_task_result *result, void *userdata) {
    (void)cfg;
    (void)result;
    (void)userdata;
    return 0;
}

int main(int argc, char **argv) {
    if (cy_store_schema(cy_store_instance(), NULL, "noop", &NoopConf_schema) < 0)
        return 1;
    cy_app app = CY_APP_INIT;
    app.config_name = "noop";
    app.task = task;
    return cy_main(argc, argv, &app);
}
