/*
 * mnist_01 - the C twin of hydra-torch's intermediate tutorial mnist_01.py: the MNIST example
 * configured by TopLvlConf (registered as "toplvlconf", mnist_01_conf.h), whose datasets, data
 * loaders, optimizer and scheduler are all built with instantiate, and whose optimizer, scheduler
 * and dataset are config groups (conf/ next to the executable, copied from apps/mnist/conf):
 *
 *     build/mnist_01                                   # Adadelta + StepLR(step_size=1), MNIST
 *     build/mnist_01 optim=adam scheduler=cosine_annealing_lr scheduler.T_max=14 \
 *         dataset=fashion_mnist model.fc_hidden_features=256
 *     build/mnist_01 optim=sgd optim.lr=0.05 optim.momentum=0.9 scheduler=reduce_lr_on_plateau
 *     build/mnist_01 --help                            # the groups and their options
 *
 * As in the tutorial:
 *     train_dataset = instantiate(cfg.train_dataset, transform=transform)
 *     train_loader = instantiate(cfg.train_dataloader, dataset=train_dataset)
 *     model = Net(input_shape, output_shape, cfg)
 *     optimizer = instantiate(cfg.optim, params=model.parameters())
 *     scheduler = instantiate(cfg.scheduler, optimizer=optimizer)
 * The datasets and loaders are small targets of this program (torchvision.datasets.mnist.MNIST
 * and FashionMNIST, torch.utils.data.dataloader.DataLoader) that describe what the shared
 * training loop (common/train.c) loads; the optimizer and scheduler come from libnn's catalogue
 * (nn/catalog.h), so every torch.optim class works, ReduceLROnPlateau stepping on the test loss.
 *
 * conf/optim and conf/scheduler are generated from the catalogue:
 *     build/optim-trace --write-conf-groups apps/mnist/conf 'scheduler/step_lr={step_size: 1}'
 * (tests/py/test_mnist_01.py checks that the committed files are what this writes).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/train.h"
#include "cydra/app.h"
#include "cydra/error.h"
#include "cydra/instantiate.h"
#include "cydra/log.h"
#include "cydra/yaml.h"
#include "mnist_01_conf.h"
#include "nn/catalog.h"
#include "nn/error.h"

/* ---------------------------------------------------------------------------------------------
 * The datasets and data loaders as instantiate targets
 */

#define DATASET_TYPE   "mnist_01.dataset"
#define LOADER_TYPE    "mnist_01.loader"
#define TRANSFORM_TYPE "mnist_01.transform"

/* What instantiate(cfg.train_dataset, transform=...) describes: which files, which split. */
typedef struct m1_dataset {
    nn_mnist_kind kind;
    const char *root; /* absolute, or relative to the directory the program started in */
    bool train, download;
} m1_dataset;

/* What instantiate(cfg.train_dataloader, dataset=...) describes. */
typedef struct m1_loader {
    const m1_dataset *dataset;
    nn_loader_opts opts;
} m1_loader;

/* The tutorial's transform, Compose([ToTensor(), Normalize((0.1307,), (0.3081,))]): the only one
 * nn_mnist_batch computes, passed at call time as in the tutorial. */
static const char the_transform[] = "ToTensor + Normalize((0.1307,), (0.3081,))";

/* An argument that must stay null (a Python object the C program cannot take). */
static int require_null(const cy_call *call, const char *name, const char *why) {
    const cy_arg *a = cy_call_arg(call, name);
    const cy_node *v;
    if (!a || (!a->node && !a->ptr && !a->object))
        return 0;
    if (a->node && cy_node_resolve(a->node, &v) == 0 && v->kind == CY_NULL)
        return 0;
    cy_error_clear();
    return cy_error_set(CY_EINSTANTIATE, "TypeError", "%s is not supported: %s", name, why);
}

static int make_dataset(cy_object **out, const cy_call *call, void *userdata) {
    m1_dataset *d = cy_arena_alloc(call->arena, sizeof *d);
    d->kind = (nn_mnist_kind)(intptr_t)userdata;
    const char *root;
    int rc;
    if ((rc = cy_call_str(call, "root", &root)) < 0 ||
        (rc = cy_call_bool(call, "train", &d->train)) < 0 ||
        (rc = cy_call_bool(call, "download", &d->download)) < 0)
        return rc;
    d->root = cy_arena_strdup(call->arena, root);
    const cy_arg *t = cy_call_arg(call, "transform");
    if (t && t->ptr && (!t->ptr_type || strcmp(t->ptr_type, TRANSFORM_TYPE) != 0))
        return cy_error_set(CY_EINSTANTIATE, "TypeError", "transform: not a transform");
    if (t && !t->ptr &&
        (rc = require_null(call, "transform",
                           "the images are transformed as the tutorial does (ToTensor + "
                           "Normalize)")) < 0)
        return rc;
    if ((rc = require_null(call, "target_transform", "the labels are used as they are")) < 0)
        return rc;
    *out = cy_object_new(DATASET_TYPE, d, NULL);
    return *out ? 0 : cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
}

static int make_loader(cy_object **out, const cy_call *call, void *userdata) {
    (void)userdata;
    m1_loader *l = cy_arena_alloc(call->arena, sizeof *l);
    l->opts = (nn_loader_opts)NN_LOADER_OPTS_INIT;
    void *ds;
    int64_t batch_size, num_workers;
    bool shuffle, drop_last, pin_memory;
    double timeout;
    int rc;
    if ((rc = cy_call_object(call, "dataset", DATASET_TYPE, &ds)) < 0 ||
        (rc = cy_call_int(call, "batch_size", &batch_size)) < 0 ||
        (rc = cy_call_bool(call, "shuffle", &shuffle)) < 0 ||
        (rc = cy_call_int(call, "num_workers", &num_workers)) < 0 ||
        (rc = cy_call_bool(call, "pin_memory", &pin_memory)) < 0 ||
        (rc = cy_call_bool(call, "drop_last", &drop_last)) < 0 ||
        (rc = cy_call_float(call, "timeout", &timeout)) < 0)
        return rc;
    /* torch's own checks of DataLoader's arguments */
    if (num_workers < 0)
        return cy_error_set(CY_EINSTANTIATE, "ValueError",
                            "num_workers option should be non-negative; use num_workers=0 to "
                            "disable multiprocessing.");
    if (timeout < 0)
        return cy_error_set(CY_EINSTANTIATE, "ValueError", "timeout option should be non-negative");
    static const char *const unsupported[] = {
        "sampler",        "batch_sampler",           "collate_fn",
        "worker_init_fn", "multiprocessing_context", "generator"};
    for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++)
        if ((rc = require_null(call, unsupported[i],
                               "the loader samples as torch's default sampler does")) < 0)
            return rc;
    l->dataset = ds;
    l->opts.batch_size = batch_size;
    l->opts.shuffle = shuffle;
    l->opts.drop_last = drop_last;
    *out = cy_object_new(LOADER_TYPE, l, NULL);
    return *out ? 0 : cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
}

static const char *const mnist_aliases[] = {"torchvision.datasets.MNIST", NULL};
static const char *const fashion_aliases[] = {"torchvision.datasets.FashionMNIST", NULL};
static const char *const loader_aliases[] = {"torch.utils.data.DataLoader", NULL};
static const cy_target targets[] = {
    {"torchvision.datasets.mnist.MNIST", mnist_aliases, &M1MNISTConf_schema, make_dataset,
     (void *)(intptr_t)NN_MNIST_DIGITS},
    {"torchvision.datasets.mnist.FashionMNIST", fashion_aliases, &M1MNISTConf_schema, make_dataset,
     (void *)(intptr_t)NN_MNIST_FASHION},
    {"torch.utils.data.dataloader.DataLoader", loader_aliases, &M1DataLoaderConf_schema,
     make_loader, NULL},
};

/* ---------------------------------------------------------------------------------------------
 * The task
 */

/* The directory the program started in (a relative data root is taken from there, also when the
 * job changes into its output directory). */
static const char *start_dir(void) {
    const cy_node *h = cy_hydra_config(), *cwd = NULL;
    if (h && cy_select(h, "runtime.cwd", &cwd, 0) == 0 && cwd && cwd->kind == CY_STR)
        return cwd->v.str.s;
    cy_error_clear();
    return NULL;
}

/* Whether the scheduler config names ReduceLROnPlateau (by any of its names). */
static bool is_plateau(const cy_node *sched) {
    const cy_node *s, *t;
    bool yes = cy_node_resolve(sched, &s) == 0 && s->kind == CY_DICT &&
               (t = cy_dict_get(s, "_target_")) && cy_node_resolve(t, &t) == 0 &&
               t->kind == CY_STR &&
               cy_target_find(t->v.str.s) == nn_catalog_find("reduce_lr_on_plateau")->def;
    cy_error_clear();
    return yes;
}

static int key_error(const char *key, const char *fmt, const char *a, const char *b) {
    cy_error_set(CY_EVALIDATION, "ValueError", fmt, a, b);
    return cy_error_at_key(key, "TopLvlConf", NULL);
}

/* instantiate(cfg.<split>_dataset, transform=transform), then the loader over it. */
static int make_data(cy_object **ds, cy_object **ld, const cy_node *cfg, const char *split) {
    char dkey[32], lkey[32];
    snprintf(dkey, sizeof dkey, "%s_dataset", split);
    snprintf(lkey, sizeof lkey, "%s_dataloader", split);
    cy_arg targ[] = {CY_ARG_PTR("transform", TRANSFORM_TYPE, (void *)the_transform)};
    int rc = cy_instantiate(ds, cy_dict_get(cfg, dkey), targ, 1);
    if (rc < 0)
        return rc;
    if (!cy_object_ptr(*ds, DATASET_TYPE))
        return key_error(dkey, "%s%s must be a torchvision MNIST or FashionMNIST dataset", "", "");
    cy_arg larg[] = {CY_ARG_OBJECT("dataset", *ds)};
    if ((rc = cy_instantiate(ld, cy_dict_get(cfg, lkey), larg, 1)) < 0)
        return rc;
    if (!cy_object_ptr(*ld, LOADER_TYPE))
        return key_error(lkey, "%s%s must be a torch.utils.data.DataLoader", "", "");
    return 0;
}

static int task(const cy_node *cfg, cy_task_result *result, void *userdata) {
    (void)userdata;
    /* print(cfg.pretty()) in the tutorial */
    char *yaml;
    if (cy_yaml_emit(&yaml, cfg, 0) < 0)
        return -1;
    cy_log_info("%s", yaml);
    free(yaml);

    M1TopLvlConf c;
    if (cy_bind(&c, &M1TopLvlConf_schema, cfg) < 0) /* its defaults list is skipped */
        return -1;

    cy_object *trd = NULL, *ted = NULL, *trl = NULL, *tel = NULL, *oo = NULL, *so = NULL;
    mnist_trainer *t = NULL;
    char *ckpt = NULL, *root = NULL;
    int rc;
    if ((rc = make_data(&trd, &trl, cfg, "train")) < 0 ||
        (rc = make_data(&ted, &tel, cfg, "test")) < 0)
        goto done;
    const m1_dataset *tr = cy_object_ptr(trd, DATASET_TYPE), *te = cy_object_ptr(ted, DATASET_TYPE);
    /* the training loop reads both splits of one dataset from one root */
    if (!tr->train || te->train) {
        rc = key_error(tr->train ? "test_dataset.train" : "train_dataset.train",
                       "%s must be %s: the program trains on the training split and tests on "
                       "the test split",
                       tr->train ? "test_dataset.train" : "train_dataset.train",
                       tr->train ? "false" : "true");
        goto done;
    }
    if (tr->kind != te->kind || strcmp(tr->root, te->root) != 0) {
        rc = key_error("test_dataset",
                       "%s%stest_dataset must be the same dataset (_target_ and "
                       "root) as train_dataset",
                       "", "");
        goto done;
    }
    const char *sd = start_dir();
    if (tr->root[0] != '/' && sd) {
        size_t n = strlen(sd) + strlen(tr->root) + 2;
        root = malloc(n);
        snprintf(root, n, "%s/%s", sd, tr->root);
    } else {
        root = strdup(tr->root);
    }

    /* the checkpoint's place is settled before training, so a bad name fails in seconds */
    if (c.save_model && ((rc = mnist_checkpoint_path(&ckpt, cy_job_output_dir(), c.checkpoint_name,
                                                     "TopLvlConf")) < 0 ||
                         (rc = mnist_checkpoint_prepare(ckpt)) < 0))
        goto done;

    mnist_train_opts o = MNIST_TRAIN_OPTS_INIT;
    o.dataset = tr->kind;
    o.data_root = root;
    o.download = tr->download || te->download;
    o.train_loader = ((const m1_loader *)cy_object_ptr(trl, LOADER_TYPE))->opts;
    o.test_loader = ((const m1_loader *)cy_object_ptr(tel, LOADER_TYPE))->opts;
    o.epochs = c.epochs;
    o.log_interval = c.log_interval;
    o.dry_run = c.dry_run;
    o.seed = c.seed;
    o.no_cuda = c.no_cuda;
    o.keys.batch_size = "train_dataloader.batch_size";
    o.keys.test_batch_size = "test_dataloader.batch_size";
    o.keys.log_interval = "log_interval";
    o.keys.object_type = "TopLvlConf";
    /* ReduceLROnPlateau steps on a metric, the epoch's test loss (known from its _target_) */
    o.sched_mode = is_plateau(c.scheduler) ? MNIST_SCHED_STEP_METRIC : MNIST_SCHED_STEP;
    /* Net(input_shape, output_shape, cfg): sizes from cfg.model */
    if (c.model.conv1_out_channels < 1 || c.model.conv1_out_channels > INT_MAX ||
        c.model.conv2_out_channels < 1 || c.model.conv2_out_channels > INT_MAX ||
        c.model.fc_hidden_features < 1 || c.model.fc_hidden_features > INT_MAX ||
        c.model.maxpool1_kernel_size < 1 || c.model.maxpool1_kernel_size > INT_MAX) {
        cy_error_set(CY_EVALIDATION, "ValueError",
                     "the model's sizes must be positive integers (conv1_out_channels, "
                     "conv2_out_channels, maxpool1_kernel_size, fc_hidden_features)");
        rc = cy_error_at_key("model", "TopLvlConf", NULL);
        goto done;
    }
    o.net.conv1_out_channels = (int)c.model.conv1_out_channels;
    o.net.conv2_out_channels = (int)c.model.conv2_out_channels;
    o.net.maxpool1_kernel_size = (int)c.model.maxpool1_kernel_size;
    o.net.dropout1_prob = c.model.dropout1_prob;
    o.net.dropout2_prob = c.model.dropout2_prob;
    o.net.fc_hidden_features = (int)c.model.fc_hidden_features;

    if ((rc = mnist_trainer_new(&t, &o)) < 0)
        goto done;
    int np;
    nn_param *params = mnist_trainer_params(t, &np);
    /* optimizer = instantiate(cfg.optim, params=model.parameters()) */
    if ((rc = nn_catalog_make_optim(&oo, c.optim, params, np)) < 0)
        goto done;
    nn_optim *opt = cy_object_ptr(oo, NN_CATALOG_OPTIM);
    if (!opt) {
        rc = key_error("optim", "%s%soptim must be a torch.optim optimizer", "", "");
        goto done;
    }
    /* scheduler = instantiate(cfg.scheduler, optimizer=optimizer) */
    if ((rc = nn_catalog_make_sched(&so, c.scheduler, opt)) < 0)
        goto done;
    nn_sched *sched = cy_object_ptr(so, NN_CATALOG_SCHED);
    if (!sched) {
        rc = key_error("scheduler", "%s%sscheduler must be a torch.optim.lr_scheduler scheduler",
                       "", "");
        goto done;
    }
    mnist_train_result r;
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
    cy_object_free(so); /* the scheduler before its optimizer */
    cy_object_free(oo);
    mnist_trainer_free(t);
    cy_object_free(tel);
    cy_object_free(trl);
    cy_object_free(ted);
    cy_object_free(trd);
    free(ckpt);
    free(root);
    return rc;
}

int main(int argc, char **argv) {
    if (mnist_01_conf_register() < 0 || nn_catalog_init() < 0) {
        fprintf(stderr, "mnist_01: %s\n", cy_error_last()->msg);
        return 1;
    }
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++)
        if (cy_target_register(&targets[i]) < 0) {
            fprintf(stderr, "mnist_01: %s\n", cy_error_last()->msg);
            return 1;
        }
    cy_app app = CY_APP_INIT;
    app.config_name = "toplvlconf";
    app.config_path = "conf";
    app.task = task;
    return cy_main(argc, argv, &app);
}
