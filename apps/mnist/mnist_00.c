/*
 * mnist_00 - the C twin of hydra-torch's basic tutorial program mnist_00.py: the PyTorch MNIST
 * example configured by MNISTConf (registered as "mnistconf").
 *
 *     build/mnist_00                                   # 14 epochs with the defaults
 *     build/mnist_00 epochs=1 save_model=true checkpoint_name=experiment0.pt
 *     build/mnist_00 -m adadelta.lr=0.001,0.01,0.1 epochs=1 dry_run=true
 *
 * As in the tutorial, the optimizer and the scheduler are built by hand from the config's
 * values (hydra-torch's AdadeltaConf and StepLRConf, whose fields are Any), the model's
 * parameters standing in for their ??? params/optimizer fields. The training loop is
 * common/train.c; docs/training.md describes a run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/train.h"
#include "cydra/app.h"
#include "cydra/error.h"
#include "cydra/log.h"
#include "cydra/yaml.h"
#include "mnist_conf.h"
#include "nn/error.h"

/* Reads an Any field of a hydra-torch config; errors name the full key (adadelta.lr). */
static int any_float(double *out, const cy_node *n, const char *key) {
    if (cy_node_as_float(n, out) < 0)
        return cy_error_at_key(key, "MNISTConf", NULL);
    return 0;
}

static int any_int(int64_t *out, const cy_node *n, const char *key) {
    if (cy_node_as_int(n, out) < 0)
        return cy_error_at_key(key, "MNISTConf", NULL);
    return 0;
}

static int task(const cy_node *cfg, cy_task_result *result, void *userdata) {
    (void)userdata;
    /* print(cfg.pretty()) in the tutorial; its Python twin logs OmegaConf.to_yaml(cfg) */
    char *yaml;
    if (cy_yaml_emit(&yaml, cfg, 0) < 0)
        return -1;
    cy_log_info("%s", yaml);
    free(yaml);

    MNISTConf c;
    if (cy_bind(&c, &MNISTConf_schema, cfg) < 0)
        return -1;

    nn_adadelta_opts ao = NN_ADADELTA_OPTS_INIT;
    nn_step_lr_opts so = NN_STEP_LR_OPTS_INIT;
    if (any_float(&ao.lr, c.adadelta.lr, "adadelta.lr") < 0 ||
        any_float(&ao.rho, c.adadelta.rho, "adadelta.rho") < 0 ||
        any_float(&ao.eps, c.adadelta.eps, "adadelta.eps") < 0 ||
        any_float(&ao.weight_decay, c.adadelta.weight_decay, "adadelta.weight_decay") < 0 ||
        any_int(&so.step_size, c.steplr.step_size, "steplr.step_size") < 0 ||
        any_float(&so.gamma, c.steplr.gamma, "steplr.gamma") < 0 ||
        any_int(&so.last_epoch, c.steplr.last_epoch, "steplr.last_epoch") < 0)
        return -1;

    /* the checkpoint's place is settled before training, so a bad name fails in seconds */
    char *ckpt = NULL;
    if (c.save_model &&
        (mnist_checkpoint_path(&ckpt, cy_job_output_dir(), c.checkpoint_name, "MNISTConf") < 0 ||
         mnist_checkpoint_prepare(ckpt) < 0)) {
        free(ckpt);
        return -1;
    }

    mnist_train_opts o = MNIST_TRAIN_OPTS_INIT;
    o.train_loader.batch_size = c.batch_size;
    o.test_loader.batch_size = c.test_batch_size;
    o.epochs = c.epochs;
    o.log_interval = c.log_interval;
    o.dry_run = c.dry_run;
    o.seed = c.seed;
    o.no_cuda = c.no_cuda;

    mnist_trainer *t = NULL;
    nn_optim *opt = NULL;
    nn_sched *sched = NULL;
    mnist_train_result r;
    int rc, st;
    if ((rc = mnist_trainer_new(&t, &o)) < 0)
        goto done;
    int np;
    nn_param *params = mnist_trainer_params(t, &np);
    /* optimizer = Adadelta(lr=cfg.adadelta.lr, rho=..., eps=..., weight_decay=...,
     *                      params=model.parameters()) */
    if ((st = nn_optim_adadelta_new(&opt, params, np, &ao)) != NN_OK) {
        rc = mnist_nn_error(st);
        goto done;
    }
    /* scheduler = StepLR(step_size=..., gamma=..., last_epoch=..., optimizer=optimizer) */
    if ((st = nn_sched_step_lr_new(&sched, opt, &so)) != NN_OK) {
        rc = mnist_nn_error(st);
        goto done;
    }
    if ((rc = mnist_trainer_fit(t, opt, sched, &r)) < 0)
        goto done;
    if (r.epochs_run > 0) {
        result->has_value = true;
        result->value = r.last.test_loss;
    }
    if (ckpt) {
        if ((rc = mnist_trainer_save(t, ckpt)) < 0)
            goto done;
        cy_log_debug("saved the model to %s", ckpt);
    }
    rc = 0;

done:
    nn_sched_free(sched);
    nn_optim_free(opt);
    mnist_trainer_free(t);
    free(ckpt);
    return rc;
}

int main(int argc, char **argv) {
    if (mnist_conf_register() < 0)
        return 1;
    cy_app app = CY_APP_INIT;
    app.config_name = "mnistconf";
    app.task = task;
    return cy_main(argc, argv, &app);
}
