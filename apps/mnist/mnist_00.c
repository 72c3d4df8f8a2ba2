/*
 * mnist_00 - the C twin of hydra-torch's basic tutorial program mnist_00.py: the PyTorch MNIST
 * example configured by MNISTConf (registered as "mnistconf").
 */
#include <stdio.h>
#include <stdlib.h>

#include "cydra/app.h"
#include "cydra/log.h"
#include "cydra/yaml.h"
#include "mnist_conf.h"

static int task(const cy_node *cfg, cy_task_result *result, void *userdata) {
    (void)result;
    (void)userdata;
    char *yaml;
    if (cy_yaml_emit(&yaml, cfg, 0) < 0)
        return -1;
    cy_log_info("%s", yaml);
    free(yaml);
    MNISTConf c;
    if (cy_bind(&c, &MNISTConf_schema, cfg) < 0)
        return -1;
    return 0;
}

int main(int argc, char **argv) {
    if (mnist_conf_register() < 0)
        return 1;
    cy_app app = CY_APP_INIT;
    app.config_name = "mnistconf";
    app.task = task;
    return cy_main(argc, argv, &app);
}
