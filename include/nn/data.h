/*
 * nn/data.h - where datasets live, and batching in PyTorch DataLoader order.
 *
 * The data root is `data/` under the directory the program was started from, or
 * $CYDRA_DATA_DIR when set (docs/data.md). An app that changes directory (Hydra-style job
 * directories) passes its original directory as start_dir.
 *
 * A loader hands out batches of sample indices for a dataset of n samples, in the order torch
 * 1.13's DataLoader(dataset, batch_size, shuffle, drop_last) yields them: sequential without
 * shuffling (the tutorial's CPU setting), otherwise torch.randperm drawn the way RandomSampler
 * draws it. The loader also makes the draws torch's DataLoader makes from the global generator at
 * each epoch (a 64-bit base seed, plus a 64-bit seed for the sampler when shuffling), so dropout
 * masks drawn later from the same nn_rng line up with PyTorch's.
 *
 *     nn_loader_opts lo = NN_LOADER_OPTS_INIT;   // batch_size 64, no shuffle
 *     lo.rng = &rng;                             // the run's generator (seeded from cfg.seed)
 *     nn_loader loader;
 *     nn_loader_init(&loader, train->count, &lo);
 *     for (int epoch = 1; epoch <= epochs; epoch++) {
 *         nn_loader_start_epoch(&loader);        // like `for ... in enumerate(train_loader)`
 *         nn_batch b;
 *         while (nn_loader_next(&loader, &b))
 *             nn_mnist_batch(x, y, train, b.indices, b.size);   // x [b.size, 1, 28, 28]
 *     }
 *     nn_loader_free(&loader);
 */
#ifndef NN_DATA_H
#define NN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "nn/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Environment variable that overrides the data root. */
#define NN_DATA_DIR_ENV "CYDRA_DATA_DIR"

/* Writes the data root into out: $CYDRA_DATA_DIR when set and non-empty (a relative value is
 * taken relative to start_dir), else <start_dir>/data. start_dir NULL means the current
 * directory. Status: NN_OK, NN_EINVAL (does not fit in outlen), NN_EIO (no current directory). */
int nn_data_root(char *out, size_t outlen, const char *start_dir);

typedef struct nn_loader_opts {
    int64_t batch_size; /* samples per batch (default 64, the tutorial's) */
    int shuffle;        /* 1: a new random order each epoch (default 0) */
    int drop_last;      /* 1: skip a last batch smaller than batch_size (default 0) */
    nn_rng *rng;        /* the generator torch's global generator stands for; required when
                           shuffle is set, optional otherwise (NULL: no draws are made) */
    int torch_draws;    /* 1: consume per epoch what torch's DataLoader consumes from the global
                           generator (default 1); 0: only what shuffling itself needs */
} nn_loader_opts;

#define NN_LOADER_OPTS_INIT                                                                        \
    { 64, 0, 0, NULL, 1 }

/* A batch: indices into the dataset, borrowed from the loader until its next call. */
typedef struct nn_batch {
    const int64_t *indices; /* [size] */
    int64_t size;           /* samples in this batch (batch_size, or fewer for the last one) */
    int64_t index;          /* 0-based position of the batch within the epoch */
} nn_batch;

typedef struct nn_loader {
    int64_t n; /* dataset size */
    nn_loader_opts opts;
    int64_t *order;     /* [n] this epoch's sample order */
    int64_t pos;        /* next position in order */
    int64_t batch;      /* index of the next batch */
    uint64_t base_seed; /* the base seed drawn at the last epoch start (torch's _base_seed) */
} nn_loader;

/* Sets up a loader over n samples. Free with nn_loader_free. Status: NN_OK, NN_EINVAL (bad
 * batch_size, shuffle without rng), NN_ENOMEM. */
int nn_loader_init(nn_loader *l, int64_t n, const nn_loader_opts *opts);

void nn_loader_free(nn_loader *l);

/* Batches per epoch: len(DataLoader). */
int64_t nn_loader_num_batches(const nn_loader *l);

/* Starts an epoch, as iterating a torch DataLoader does: draws the base seed (torch_draws), then,
 * when shuffling, seeds a fresh generator from one more 64-bit draw and takes torch.randperm(n)
 * from it (RandomSampler with no generator of its own). */
void nn_loader_start_epoch(nn_loader *l);

/* The next batch of the epoch into *b: returns 1, or 0 once the epoch is over. */
int nn_loader_next(nn_loader *l, nn_batch *b);

/* torch.randperm(n, generator=rng) on the CPU (torch 1.13): out[n] gets a permutation of 0..n-1
 * built by the same Fisher-Yates walk and the same draws, so equal generator states give equal
 * permutations. */
void nn_randperm(int64_t *out, int64_t n, nn_rng *rng);

/* One seed as torch draws it with torch.empty((), dtype=torch.int64).random_(generator=rng): a
 * 64-bit draw reduced to [0, 2^63). DataLoader draws its base seed and RandomSampler its seed so.
 */
uint64_t nn_loader_draw_seed(nn_rng *rng);

#ifdef __cplusplus
}
#endif

#endif
