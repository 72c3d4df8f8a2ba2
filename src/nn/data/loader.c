/* Batching in torch 1.13 DataLoader order, and the data root. */
#include "nn/data.h"

#include "data_internal.h"
#include "nn/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int nn_data_root(char *out, size_t outlen, const char *start_dir) {
    char cwd[4096];
    if (!start_dir) {
        if (!getcwd(cwd, sizeof cwd))
            return nn_error_set(NN_EIO, "cannot determine the current directory: %s",
                                strerror(errno));
        start_dir = cwd;
    }
    const char *env = getenv(NN_DATA_DIR_ENV);
    if (env && *env) {
        if (env[0] == '/')
            return data_path(out, outlen, "%s", env);
        return data_path(out, outlen, "%s/%s", start_dir, env);
    }
    return data_path(out, outlen, "%s/data", start_dir);
}

uint64_t nn_loader_draw_seed(nn_rng *rng) {
    /* random_() on an int64 tensor takes random64() modulo 2^63 (torch's uniform_int). */
    return nn_rng_u64(rng) & ~((uint64_t)1 << 63);
}

void nn_randperm(int64_t *out, int64_t n, nn_rng *rng) {
    for (int64_t i = 0; i < n; i++)
        out[i] = i;
    /* torch's CPU randperm: a forward Fisher-Yates walk, one 32-bit draw per step, modulo. */
    for (int64_t i = 0; i + 1 < n; i++) {
        int64_t z = (int64_t)(nn_rng_u32(rng) % (uint64_t)(n - i));
        int64_t t = out[i];
        out[i] = out[z + i];
        out[z + i] = t;
    }
}

int nn_loader_init(nn_loader *l, int64_t n, const nn_loader_opts *opts) {
    nn_loader_opts defaults = NN_LOADER_OPTS_INIT;
    const nn_loader_opts *o = opts ? opts : &defaults;
    memset(l, 0, sizeof *l);
    if (n < 0)
        return nn_error_set(NN_EINVAL, "loader: dataset size %lld is negative", (long long)n);
    if (o->batch_size <= 0)
        return nn_error_set(NN_EINVAL, "loader: batch_size must be positive, got %lld",
                            (long long)o->batch_size);
    if (o->shuffle && !o->rng)
        return nn_error_set(NN_EINVAL, "loader: shuffle needs a generator (opts.rng)");
    l->order = malloc((size_t)(n ? n : 1) * sizeof *l->order);
    if (!l->order)
        return nn_error_set(NN_ENOMEM, "loader: cannot allocate the order of %lld samples",
                            (long long)n);
    l->n = n;
    l->opts = *o;
    for (int64_t i = 0; i < n; i++)
        l->order[i] = i;
    l->pos = n; /* no epoch started yet: next() returns 0 until start_epoch */
    return NN_OK;
}

void nn_loader_free(nn_loader *l) {
    free(l->order);
    l->order = NULL;
}

int64_t nn_loader_num_batches(const nn_loader *l) {
    int64_t bs = l->opts.batch_size;
    return l->opts.drop_last ? l->n / bs : (l->n + bs - 1) / bs;
}

void nn_loader_start_epoch(nn_loader *l) {
    nn_rng *rng = l->opts.rng;
    /* _BaseDataLoaderIter.__init__ draws the base seed before the sampler runs. */
    if (rng && l->opts.torch_draws)
        l->base_seed = nn_loader_draw_seed(rng);
    if (l->opts.shuffle) {
        /* RandomSampler without a generator: seed a fresh one from the global generator. */
        nn_rng local;
        nn_rng_seed(&local, nn_loader_draw_seed(rng));
        nn_randperm(l->order, l->n, &local);
    }
    l->pos = 0;
    l->batch = 0;
}

int nn_loader_next(nn_loader *l, nn_batch *b) {
    int64_t left = l->n - l->pos;
    int64_t bs = l->opts.batch_size;
    if (left <= 0 || (l->opts.drop_last && left < bs))
        return 0;
    b->indices = l->order + l->pos;
    b->size = left < bs ? left : bs;
    b->index = l->batch++;
    l->pos += b->size;
    return 1;
}
