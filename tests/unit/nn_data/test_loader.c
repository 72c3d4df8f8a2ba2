/* Batch order against torch 1.13's DataLoader and randperm (golden/data/loader_order.txt,
 * golden/data/randperm.txt, written by oracle/data_golden.py). */
#include "harness.h"
#include "nn/data.h"
#include "nn/error.h"
#include "nn/md5.h"
#include "nn/rng.h"

static void md5_i64(char hex[33], const int64_t *v, size_t n) {
    nn_md5 m;
    nn_md5_init(&m);
    for (size_t i = 0; i < n; i++) {
        uint8_t le[8];
        for (int k = 0; k < 8; k++)
            le[k] = (uint8_t)((uint64_t)v[i] >> (8 * k));
        nn_md5_update(&m, le, 8);
    }
    nn_md5_final_hex(&m, hex);
}

static void test_randperm_golden(void) {
    FILE *f = fopen("golden/data/randperm.txt", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[1024];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long seed;
        long long n;
        char want_md5[40];
        int off;
        if (sscanf(line, "perm %llu %lld %39s%n", &seed, &n, want_md5, &off) != 3)
            continue;
        int64_t *p = malloc((size_t)n * sizeof *p);
        nn_rng rng;
        nn_rng_seed(&rng, seed);
        nn_randperm(p, n, &rng);
        char got[33];
        md5_i64(got, p, (size_t)n);
        if (strcmp(got, want_md5) != 0)
            harness_fail(__FILE__, __LINE__, "randperm seed %llu n %lld differs from torch", seed,
                         n);
        const char *s = line + off;
        for (int i = 0; i < 20 && i < n; i++) {
            int used;
            long long v;
            if (sscanf(s, "%lld%n", &v, &used) != 1)
                break;
            s += used;
            CHECK_EQ_INT(p[i], v);
        }
        free(p);
        cases++;
    }
    fclose(f);
    CHECK_EQ_INT(cases, 7);
}

/* Replays each DataLoader case, checking every batch (small cases) or the order's MD5, and the
 * generator draw after the epochs (the loader must consume exactly what torch consumes). */
static void test_loader_golden(void) {
    FILE *f = fopen("golden/data/loader_order.txt", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[8192];
    nn_rng rng;
    nn_loader l = {0};
    int have = 0, cases = 0;
    int64_t *visited = NULL;
    int64_t sizes[64], vpos = 0, bi = 0; /* batch sizes of the epoch walked last */
    while (fgets(line, sizeof line, f)) {
        unsigned long long seed, next;
        long long n, bs;
        int shuffle, drop_last, epochs, epoch;
        long long nb, last;
        char md5[40];
        if (sscanf(line, "case %llu %lld %lld %d %d %d", &seed, &n, &bs, &shuffle, &drop_last,
                   &epochs) == 6) {
            if (have)
                nn_loader_free(&l);
            nn_rng_seed(&rng, seed);
            nn_loader_opts o = NN_LOADER_OPTS_INIT;
            o.batch_size = bs;
            o.shuffle = shuffle;
            o.drop_last = drop_last;
            o.rng = &rng;
            CHECK_EQ_INT(nn_loader_init(&l, n, &o), NN_OK);
            have = 1;
            free(visited);
            visited = malloc((size_t)(n ? n : 1) * sizeof *visited);
            cases++;
        } else if (sscanf(line, "epoch %d %lld %lld %39s", &epoch, &nb, &last, md5) == 4) {
            nn_loader_start_epoch(&l);
            CHECK_EQ_INT(nn_loader_num_batches(&l), nb);
            /* walk the whole epoch now; 'batch' lines that follow are checked against it */
            nn_batch b;
            int64_t count = 0, batches = 0, last_size = 0;
            while (nn_loader_next(&l, &b)) {
                CHECK_EQ_INT(b.index, batches);
                memcpy(visited + count, b.indices, (size_t)b.size * sizeof *visited);
                if (batches < 64)
                    sizes[batches] = b.size;
                count += b.size;
                last_size = b.size;
                batches++;
            }
            CHECK_EQ_INT(batches, nb);
            CHECK_EQ_INT(last_size, last);
            CHECK(nn_loader_next(&l, &b) == 0); /* stays over */
            char got[33];
            md5_i64(got, visited, (size_t)count);
            if (strcmp(got, md5) != 0)
                harness_fail(__FILE__, __LINE__, "case %d epoch %d: order differs from torch",
                             cases, epoch);
            vpos = 0;
            bi = 0;
        } else if (strncmp(line, "batch ", 6) == 0) {
            /* one line per torch batch (small cases): same indices, same batch boundaries */
            const char *s = line + 6;
            int used;
            long long v;
            int64_t in_line = 0;
            while (sscanf(s, "%lld%n", &v, &used) == 1) {
                CHECK_EQ_INT(visited[vpos], v);
                vpos++;
                in_line++;
                s += used;
            }
            CHECK_EQ_INT(in_line, sizes[bi]);
            bi++;
        } else if (sscanf(line, "next %llu", &next) == 1) {
            CHECK_EQ_INT(nn_loader_draw_seed(&rng), (long long)next);
        }
    }
    if (have)
        nn_loader_free(&l);
    free(visited);
    fclose(f);
    CHECK_EQ_INT(cases, 9);
}

static void test_options(void) {
    nn_loader l;
    nn_loader_opts o = NN_LOADER_OPTS_INIT;
    CHECK_EQ_INT(o.batch_size, 64);
    CHECK_EQ_INT(o.shuffle, 0);
    CHECK_EQ_INT(o.torch_draws, 1);
    o.batch_size = 0;
    CHECK_EQ_INT(nn_loader_init(&l, 10, &o), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "batch_size") != NULL);
    o.batch_size = 4;
    o.shuffle = 1;
    CHECK_EQ_INT(nn_loader_init(&l, 10, &o), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "generator") != NULL);
    CHECK_EQ_INT(nn_loader_init(&l, -1, NULL), NN_EINVAL);

    /* sequential, no generator: no draws, the tutorial's CPU order */
    o.shuffle = 0;
    CHECK_EQ_INT(nn_loader_init(&l, 10, &o), NN_OK);
    nn_batch b;
    CHECK(nn_loader_next(&l, &b) == 0); /* nothing before the first epoch */
    nn_loader_start_epoch(&l);
    CHECK(nn_loader_next(&l, &b) == 1);
    CHECK_EQ_INT(b.size, 4);
    CHECK_EQ_INT(b.indices[0], 0);
    CHECK_EQ_INT(b.indices[3], 3);
    CHECK(nn_loader_next(&l, &b) == 1);
    CHECK(nn_loader_next(&l, &b) == 1);
    CHECK_EQ_INT(b.size, 2);
    CHECK_EQ_INT(b.indices[1], 9);
    CHECK_EQ_INT(b.index, 2);
    nn_loader_free(&l);

    /* torch_draws off: shuffling consumes one seed per epoch only */
    nn_rng a, c;
    nn_rng_seed(&a, 3);
    nn_rng_seed(&c, 3);
    o.shuffle = 1;
    o.rng = &a;
    o.torch_draws = 0;
    CHECK_EQ_INT(nn_loader_init(&l, 10, &o), NN_OK);
    nn_loader_start_epoch(&l);
    nn_loader_draw_seed(&c);
    CHECK_EQ_INT(nn_rng_u32(&a), nn_rng_u32(&c));
    nn_loader_free(&l);

    /* an empty dataset has no batches */
    o.torch_draws = 1;
    CHECK_EQ_INT(nn_loader_init(&l, 0, &o), NN_OK);
    nn_loader_start_epoch(&l);
    CHECK_EQ_INT(nn_loader_num_batches(&l), 0);
    CHECK(nn_loader_next(&l, &b) == 0);
    nn_loader_free(&l);
}

int main(void) {
    RUN(test_randperm_golden);
    RUN(test_loader_golden);
    RUN(test_options);
    return harness_summary();
}
