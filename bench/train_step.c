/*
 * train_step.c - times the MNIST engine: the sgemm peak of this machine, training steps of the
 * tutorial's Net (batch 64, gather + normalise + train step + libnn's Adadelta step, as
 * build/mnist_00 runs them), a training epoch, a forward pass of 1000 test images and a test
 * pass of 10000; then the peak RSS.
 *
 *     bench_train_step [--threads N] [--steps N | --epoch] [--data DIR]
 *
 * Prints key=value lines (bench/run.sh reads them next to torch_mnist.py's). Uses the idx
 * files in DIR (default data/MNIST/raw) when they are there, else synthetic images of the
 * same size; the dataset stays uint8 (47 MB + 7.8 MB), batches are normalised on the fly.
 * bench-libs: nn_core nn_optim
 * GFLOP/s are nominal: 71.57 MFLOP per training image (the 4.58 GFLOP of a 64-image step,
 * PyTorch's work), even where the engine skips the channels Dropout2d zeroes.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nn/blas.h"

#include "nn/error.h"
#include "nn/layers.h"
#include "nn/net.h"
#include "nn/optim.h"
#include "nn/rng.h"
#include "nn/threads.h"

#define TRAIN_N    60000
#define TEST_N     10000
#define BATCH      64
#define TEST_BATCH 1000
/* nominal FLOPs per image: forward 23,984,896; backward 47,580,416 (conv1 has no dX) */
#define FWD_FLOP   23984896.0
#define TRAIN_FLOP 71565312.0

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* CPU time of the whole process (all threads): with wall time, it tells a loaded machine from
 * a slow engine */
static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---- data ---- */

static uint8_t *read_idx(const char *dir, const char *name, int want_ndim, size_t want_n,
                         size_t item) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char hdr[16];
    size_t hl = 4 + 4 * (size_t)want_ndim;
    uint8_t *data = NULL;
    if (fread(hdr, 1, hl, f) == hl && hdr[2] == 0x08 && hdr[3] == want_ndim) {
        uint32_t n =
            (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 | (uint32_t)hdr[6] << 8 | hdr[7];
        if (n == want_n) {
            data = malloc(want_n * item);
            if (data && fread(data, 1, want_n * item, f) != want_n * item) {
                free(data);
                data = NULL;
            }
        }
    }
    fclose(f);
    return data;
}

/* Digit-like synthetic images: a per-class template of strokes plus per-image jitter, so the
 * net has something to learn. */
static void synth(uint8_t *img, uint8_t *lab, size_t n, uint64_t seed) {
    nn_rng r;
    nn_rng_seed(&r, seed);
    static uint8_t tmpl[10][784];
    nn_rng t;
    nn_rng_seed(&t, 12345);
    for (int c = 0; c < 10; c++) {
        memset(tmpl[c], 0, 784);
        for (int s = 0; s < 4; s++) { /* four strokes */
            int x = 6 + (int)(nn_rng_u32(&t) % 16), y = 6 + (int)(nn_rng_u32(&t) % 16);
            int dx = (int)(nn_rng_u32(&t) % 3) - 1, dy = (int)(nn_rng_u32(&t) % 3) - 1;
            for (int k = 0; k < 10; k++, x += dx, y += dy)
                if (x >= 1 && x < 27 && y >= 1 && y < 27)
                    for (int a = -1; a <= 1; a++)
                        tmpl[c][(y + a) * 28 + x] = 255;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int c = (int)(nn_rng_u32(&r) % 10);
        int sx = (int)(nn_rng_u32(&r) % 5) - 2, sy = (int)(nn_rng_u32(&r) % 5) - 2;
        lab[i] = (uint8_t)c;
        uint8_t *d = img + i * 784;
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++) {
                int ty = y - sy, tx = x - sx;
                uint8_t v = (ty >= 0 && ty < 28 && tx >= 0 && tx < 28) ? tmpl[c][ty * 28 + tx] : 0;
                if (nn_rng_u32(&r) % 16 == 0)
                    v = (uint8_t)(nn_rng_u32(&r) & 0xff);
                d[y * 28 + x] = v;
            }
    }
}

/* ---- the sgemm peak ---- */

typedef struct peak_ctx {
    float *a[NN_THREADS_MAX], *b[NN_THREADS_MAX], *c[NN_THREADS_MAX];
    int reps;
} peak_ctx;

#define PEAK_N 768

static void peak_unit(void *vctx, int unit, int thread) {
    peak_ctx *p = vctx;
    for (int r = 0; r < p->reps; r++)
        nn_blas_sgemm(0, 0, PEAK_N, PEAK_N, PEAK_N, 1.0f, p->a[unit], PEAK_N, p->b[unit], PEAK_N,
                      0.0f, p->c[unit], PEAK_N);
}

/* T single-threaded sgemms at once, one per engine thread (how the engine uses OpenBLAS),
 * and OpenBLAS's own threading on one large sgemm; the better of the two. */
static double sgemm_peak(int threads, double *per_core, double *ob_threaded) {
    peak_ctx p = {.reps = 1};
    size_t sz = (size_t)PEAK_N * PEAK_N;
    for (int t = 0; t < threads; t++) {
        p.a[t] = malloc(sz * 4);
        p.b[t] = malloc(sz * 4);
        p.c[t] = malloc(sz * 4);
        for (size_t i = 0; i < sz; i++) {
            p.a[t][i] = (float)(i % 7) * 0.1f;
            p.b[t][i] = (float)(i % 5) * 0.1f;
        }
    }
    nn_parallel_for(threads, peak_unit, &p); /* warm up */
    p.reps = 12;
    double t0 = now();
    nn_parallel_for(threads, peak_unit, &p);
    double dt = now() - t0;
    double agg = 2.0 * PEAK_N * PEAK_N * PEAK_N * p.reps * threads / dt / 1e9;
    *per_core = agg / threads;
    /* OpenBLAS's threads on a 1536^3 product */
    const int N = 1536;
    float *a = malloc((size_t)N * N * 4), *b = malloc((size_t)N * N * 4),
          *c = malloc((size_t)N * N * 4);
    for (size_t i = 0; i < (size_t)N * N; i++) {
        a[i] = (float)(i % 7) * 0.1f;
        b[i] = (float)(i % 5) * 0.1f;
    }
    nn_blas_set_threads(threads);
    nn_blas_sgemm(0, 0, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
    t0 = now();
    for (int r = 0; r < 3; r++)
        nn_blas_sgemm(0, 0, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
    dt = now() - t0;
    nn_blas_set_threads(1);
    *ob_threaded = 2.0 * N * N * (double)N * 3 / dt / 1e9;
    free(a);
    free(b);
    free(c);
    for (int t = 0; t < threads; t++) {
        free(p.a[t]);
        free(p.b[t]);
        free(p.c[t]);
    }
    return agg > *ob_threaded ? agg : *ob_threaded;
}

static long vm_hwm_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    if (kb < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kb = ru.ru_maxrss;
    }
    return kb;
}

int main(int argc, char **argv) {
    int threads = 0, steps = 200, epoch = 0;
    const char *dir = "data/MNIST/raw";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
            steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--epoch"))
            epoch = 1;
        else if (!strcmp(argv[i], "--data") && i + 1 < argc)
            dir = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--threads N] [--steps N | --epoch] [--data DIR]\n",
                    argv[0]);
            return 2;
        }
    }
    if (nn_threads_init(threads) != NN_OK)
        fprintf(stderr, "warning: %s\n", nn_error_last());
    threads = nn_threads_count();
    printf("threads=%d\nblas_core=%s\n", threads, nn_blas_corename());

    /* the dataset, uint8 as on disk */
    uint8_t *train_x = read_idx(dir, "train-images-idx3-ubyte", 3, TRAIN_N, 784);
    uint8_t *train_y = read_idx(dir, "train-labels-idx1-ubyte", 1, TRAIN_N, 1);
    uint8_t *test_x = read_idx(dir, "t10k-images-idx3-ubyte", 3, TEST_N, 784);
    uint8_t *test_y = read_idx(dir, "t10k-labels-idx1-ubyte", 1, TEST_N, 1);
    int real = train_x && train_y && test_x && test_y;
    if (!real) {
        free(train_x), free(train_y), free(test_x), free(test_y);
        train_x = malloc((size_t)TRAIN_N * 784);
        train_y = malloc(TRAIN_N);
        test_x = malloc((size_t)TEST_N * 784);
        test_y = malloc(TEST_N);
        synth(train_x, train_y, TRAIN_N, 1);
        synth(test_x, test_y, TEST_N, 2);
    }
    printf("data=%s\n", real ? "mnist" : "synthetic");

    nn_rng rng;
    nn_rng_seed(&rng, 1);
    nn_net_opts o = NN_NET_OPTS_INIT;
    o.max_batch = BATCH;
    nn_net *net;
    if (nn_net_create(&net, &o, &rng) != NN_OK) {
        fprintf(stderr, "error: %s\n", nn_error_last());
        return 1;
    }
    int np;
    nn_param *params = nn_net_params(net, &np);
    nn_adadelta_opts ao = NN_ADADELTA_OPTS_INIT; /* the tutorial's lr 1.0, rho 0.9, eps 1e-6 */
    nn_optim *opt;
    if (nn_optim_adadelta_new(&opt, params, np, &ao) != NN_OK) {
        fprintf(stderr, "error: %s\n", nn_error_last());
        return 1;
    }

    int64_t *perm = malloc(TRAIN_N * sizeof(int64_t));
    float *xb = malloc((size_t)TEST_BATCH * 784 * sizeof(float));
    int32_t *yb = malloc(TEST_BATCH * sizeof(int32_t));
    nn_rng_randperm(&rng, perm, TRAIN_N);

    const int per_epoch = (TRAIN_N + BATCH - 1) / BATCH;
    const int warm = 5;
    int total = epoch ? per_epoch : (steps < per_epoch - warm ? steps : per_epoch - warm);
    double t_steps = 0.0, loss_first = 0.0, loss_last = 0.0, cpu0 = 0.0;
    double tmin = 1e9;
    nn_net_set_training(net, 1);
    for (int s = 0; s < warm + total; s++) {
        const int b0 = (s % per_epoch) * BATCH;
        const int n = TRAIN_N - b0 < BATCH ? TRAIN_N - b0 : BATCH;
        if (s == warm)
            cpu0 = cpu_now();
        double t0 = now();
        nn_normalize_u8_gather(xb, train_x, perm + b0, (size_t)n, 784, NN_MNIST_MEAN, NN_MNIST_STD);
        for (int i = 0; i < n; i++)
            yb[i] = train_y[perm[b0 + i]];
        float loss;
        if (nn_net_train_step(net, &loss, xb, yb, n, NN_REDUCTION_MEAN) != NN_OK) {
            fprintf(stderr, "error: %s\n", nn_error_last());
            return 1;
        }
        nn_optim_step(opt, NULL, NULL);
        double dt = now() - t0;
        if (s >= warm) {
            t_steps += dt;
            tmin = dt < tmin ? dt : tmin;
            if (s == warm)
                loss_first = loss;
            loss_last = loss;
        }
    }
    const double step_ms = t_steps / total * 1e3;
    const double step_cpu_ms = (cpu_now() - cpu0) / total * 1e3;
    const double step_gflops = BATCH * TRAIN_FLOP / (step_ms * 1e-3) / 1e9;
    printf("train_steps=%d\nstep_ms=%.2f\nstep_min_ms=%.2f\nstep_cpu_ms=%.2f\nstep_gflops=%.1f\n",
           total, step_ms, tmin * 1e3, step_cpu_ms, step_gflops);
    printf("epoch_s_est=%.2f\n", step_ms * 1e-3 * per_epoch);
    printf("loss_first=%.4f\nloss_last=%.4f\n", loss_first, loss_last);

    /* a forward pass of 1000 test images (eval mode) */
    float *logp = malloc((size_t)TEST_BATCH * 10 * sizeof(float));
    nn_net_set_training(net, 0);
    int64_t idx[TEST_BATCH];
    for (int i = 0; i < TEST_BATCH; i++)
        idx[i] = i;
    nn_normalize_u8_gather(xb, test_x, idx, TEST_BATCH, 784, NN_MNIST_MEAN, NN_MNIST_STD);
    nn_net_forward(net, logp, xb, TEST_BATCH); /* warm */
    double best = 1e9;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        nn_net_forward(net, logp, xb, TEST_BATCH);
        double dt = now() - t0;
        best = dt < best ? dt : best;
    }
    printf("forward1000_s=%.4f\nforward_gflops=%.1f\n", best, TEST_BATCH * FWD_FLOP / best / 1e9);

    /* the test pass: 10000 images in batches of 1000, normalised on the fly */
    double t0 = now(), sum = 0.0;
    int64_t correct = 0;
    for (int b0 = 0; b0 < TEST_N; b0 += TEST_BATCH) {
        for (int i = 0; i < TEST_BATCH; i++) {
            idx[i] = b0 + i;
            yb[i] = test_y[b0 + i];
        }
        nn_normalize_u8_gather(xb, test_x, idx, TEST_BATCH, 784, NN_MNIST_MEAN, NN_MNIST_STD);
        double s;
        int64_t c;
        nn_net_evaluate(net, &s, &c, xb, yb, TEST_BATCH);
        sum += s;
        correct += c;
    }
    double t_test = now() - t0;
    printf("test_pass_s=%.3f\ntest_loss=%.4f\ntest_accuracy=%.4f\n", t_test, sum / TEST_N,
           (double)correct / TEST_N);
    printf("net_bytes=%zu\n", nn_net_memory_bytes(net));
    printf("peak_rss_mb=%.1f\n", vm_hwm_kb() / 1024.0);

    /* last, so its matrices stay out of the peak RSS above */
    double per_core, ob_threaded;
    double peak = sgemm_peak(threads, &per_core, &ob_threaded);
    printf("sgemm_peak_gflops=%.1f\nsgemm_per_core_gflops=%.1f\nsgemm_openblas_threaded_gflops="
           "%.1f\nfraction_of_peak=%.3f\n",
           peak, per_core, ob_threaded, step_gflops / peak);

    nn_net_free(net);
    nn_optim_free(opt), free(perm), free(xb), free(yb), free(logp);
    free(train_x), free(train_y), free(test_x), free(test_y);
    nn_threads_shutdown();
    return 0;
}
