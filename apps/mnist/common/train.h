/*
 * train.h - the training loop of the MNIST tutorial programs, shared by mnist_00 and mnist_01.
 *
 * It does what the `main`, `train` and `test` functions of pytorch/examples' mnist/main.py do,
 * with the numerics of torch 1.13 on a CPU: torch.manual_seed(seed), the datasets (MNIST or
 * Fashion-MNIST, downloaded when missing), two DataLoaders (sequential on the CPU, as the
 * tutorial's are; shuffling when asked), the Net, then per epoch a training pass, a test pass
 * and the scheduler's step. The optimizer and the scheduler are the caller's: it builds them
 * from its own config (mnist_00 field by field as the basic tutorial, mnist_01 through
 * `_target_`) over the net's parameters, so any nn/optim.h optimizer and nn/sched.h scheduler
 * works.
 *
 *     mnist_train_opts o = MNIST_TRAIN_OPTS_INIT;      // the tutorial's defaults
 *     o.epochs = cfg.epochs;
 *     o.train_loader.batch_size = cfg.batch_size;
 *     mnist_trainer *t;
 *     if (mnist_trainer_new(&t, &o) < 0)               // data loaded, net built from the seed
 *         return -1;                                   // cy_error_last() says why
 *     int np;
 *     nn_param *params = mnist_trainer_params(t, &np);
 *     ...nn_optim_new(&opt, ..., params, np, ...); nn_sched_new(&sched, ..., opt, ...);
 *     mnist_train_result r;
 *     if (mnist_trainer_fit(t, opt, sched, &r) < 0) ...   // logs as main.py prints
 *     if (cfg.save_model) mnist_trainer_save(t, cfg.checkpoint_name);
 *     mnist_trainer_free(t);
 *
 * Log lines (through the job logger, cydra/log.h), in main.py's formats:
 *     Train Epoch: 1 [640/60000 (1%)]	Loss: 1.185417         every log_interval batches
 *     Test set: Average loss: 0.0468, Accuracy: 9841/10000 (98%)   after every epoch
 * and at DEBUG level the data root, the thread count and each epoch's times.
 *
 * Random numbers: one generator (nn/rng.h) seeded with `seed` stands for torch's global one; the
 * net's initialisation, its dropout masks and the DataLoaders' per-epoch draws come from it in
 * the order main.py makes them, so a run follows PyTorch's draw for draw. Results do not depend
 * on the thread count (CYDRA_NUM_THREADS, nn/threads.h).
 *
 * Errors: every function returns 0 or a negative cy_err code with cy_error_last() set (libnn's
 * messages are carried over), so a task can return it and the runtime reports a failed job.
 */
#ifndef MNIST_TRAIN_H
#define MNIST_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "nn/data.h"
#include "nn/mnist.h"
#include "nn/net.h"
#include "nn/optim.h"
#include "nn/sched.h"

/* How the scheduler is stepped after each epoch. */
typedef enum mnist_sched_mode {
    MNIST_SCHED_STEP = 0,    /* scheduler.step(), as the tutorials do */
    MNIST_SCHED_STEP_METRIC, /* scheduler.step(test_loss), for ReduceLROnPlateau */
    MNIST_SCHED_NONE,        /* never (or the on_epoch hook does it) */
} mnist_sched_mode;

/* What one epoch did. */
typedef struct mnist_epoch_stats {
    int64_t epoch;        /* 1-based */
    int64_t batches;      /* training batches run (1 with dry_run) */
    float last_loss;      /* the loss of the last training batch */
    double test_loss;     /* the test set's average loss (summed loss / test samples) */
    int64_t correct;      /* test samples classified right */
    int64_t test_count;   /* test samples */
    double train_seconds; /* wall time of the training pass */
    double test_seconds;  /* wall time of the test pass */
} mnist_epoch_stats;

/* Called after each epoch's test pass, before the scheduler steps; a negative return (with
 * cy_error_set) stops training with that error. */
typedef int (*mnist_epoch_fn)(void *ctx, const mnist_epoch_stats *st);

typedef struct mnist_train_opts {
    nn_mnist_kind dataset;       /* NN_MNIST_DIGITS */
    const char *data_root;       /* NULL: nn_data_root(start_dir) ($CYDRA_DATA_DIR or data/) */
    const char *start_dir;       /* NULL: the directory the program started in (the job's
                                    hydra.runtime.cwd, else the current directory) */
    int download;                /* 1: fetch missing files from the mirrors */
    nn_net_opts net;             /* NN_NET_OPTS_INIT; max_batch is derived from the batch size */
    nn_loader_opts train_loader; /* batch_size 64, sequential; rng is the trainer's */
    nn_loader_opts test_loader;  /* batch_size 1000, sequential; rng is the trainer's */
    int64_t epochs;              /* 14; runs epochs 1..epochs (none when < 1) */
    int64_t log_interval;        /* 10: log every log_interval-th batch (must be >= 1) */
    bool dry_run;                /* stop each epoch's training after its first batch */
    int64_t seed; /* 1: torch.manual_seed(seed) (negative seeds as torch maps them) */
    bool no_cuda; /* there is no GPU build: the CPU is used either way */
    mnist_sched_mode sched_mode;
    mnist_epoch_fn on_epoch; /* NULL: none */
    void *on_epoch_ctx;
    struct { /* the config keys errors name (the app's own config layout) */
        const char *batch_size, *test_batch_size, *log_interval;
        const char *object_type; /* the config class holding them, "MNISTConf" */
    } keys;
} mnist_train_opts;

#define MNIST_TRAIN_OPTS_INIT                                                                      \
    {                                                                                              \
        .dataset = NN_MNIST_DIGITS, .download = 1, .net = NN_NET_OPTS_INIT,                        \
        .train_loader = NN_LOADER_OPTS_INIT,                                                       \
        .test_loader = {.batch_size = 1000, .torch_draws = 1}, .epochs = 14, .log_interval = 10,   \
        .seed = 1, .sched_mode = MNIST_SCHED_STEP, .keys = {                                       \
            "batch_size",                                                                          \
            "test_batch_size",                                                                     \
            "log_interval",                                                                        \
            "MNISTConf"                                                                            \
        }                                                                                          \
    }

/* The result of a whole fit. */
typedef struct mnist_train_result {
    int64_t epochs_run;
    mnist_epoch_stats last; /* the last epoch's (zeroes when none ran) */
    double seconds;         /* wall time of all epochs */
} mnist_train_result;

typedef struct mnist_trainer mnist_trainer;

/* Starts a run: checks the options (errors name the config key: batch_size, test_batch_size,
 * log_interval), starts the thread pool (a bad CYDRA_NUM_THREADS is an error), seeds the
 * generator, loads both splits (downloading them when missing) and builds the net from the
 * generator. *out is freed with mnist_trainer_free. */
int mnist_trainer_new(mnist_trainer **out, const mnist_train_opts *opts);

void mnist_trainer_free(mnist_trainer *t);

/* The net's parameters in state_dict order, for the optimizer; borrowed. */
nn_param *mnist_trainer_params(mnist_trainer *t, int *n);

nn_net *mnist_trainer_net(mnist_trainer *t);
const nn_mnist *mnist_trainer_train_set(const mnist_trainer *t);
const nn_mnist *mnist_trainer_test_set(const mnist_trainer *t);

/* Trains for opts.epochs epochs with opt (stepped after every batch) and sched (may be NULL;
 * stepped after every epoch as opts.sched_mode says), testing after every epoch and logging
 * as main.py prints. res may be NULL. */
int mnist_trainer_fit(mnist_trainer *t, nn_optim *opt, nn_sched *sched, mnist_train_result *res);

/* One pass over the test set (test(model, device, test_loader)), with its DataLoader draw;
 * logs nothing. */
int mnist_trainer_test(mnist_trainer *t, double *avg_loss, int64_t *correct);

/* Where checkpoint_name goes: a relative name is taken inside output_dir (subdirectories
 * allowed, ".." components refused), an absolute name as it is. The format comes from the
 * extension (.pt, .pth, .safetensors); another extension is an error at the key
 * "checkpoint_name" of a config of type object_type. *out is malloc'd. */
int mnist_checkpoint_path(char **out, const char *output_dir, const char *checkpoint_name,
                          const char *object_type);

/* Creates the directories the checkpoint path needs (checking early that it can be written). */
int mnist_checkpoint_prepare(const char *path);

/* Saves the net's parameters to path (nn_checkpoint_save: temporary file, then rename). */
int mnist_trainer_save(mnist_trainer *t, const char *path);

/* Turns libnn's last error into the runtime's (cy_error_set with its message); returns the
 * cy_err code. */
int mnist_nn_error(int nn_status);

#endif
