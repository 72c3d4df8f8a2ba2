/*
 * blas.c - OpenBLAS through dlopen: loaded on first use, with the kernels chosen by CPU features
 * (see nn/blas.h for why).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn/blas.h"
#include "nn/error.h"

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 }; /* the CBLAS enum values */

static struct {
    void (*sgemm)(int order, int ta, int tb, int M, int N, int K, float alpha, const float *A,
                  int lda, const float *B, int ldb, float beta, float *C, int ldc);
    float (*sdot)(int n, const float *x, int incx, const float *y, int incy);
    void (*set_threads)(int n);
    int (*get_threads)(void);
    char *(*corename)(void);
} ob;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512];
static const char *chosen;

/* The kernels for this CPU, by its features (x86-64 only; elsewhere OpenBLAS decides). */
static const char *coretype_for_cpu(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
#endif
    return NULL;
}

static void load(void) {
    if (!getenv("OPENBLAS_CORETYPE") && (chosen = coretype_for_cpu()))
        setenv("OPENBLAS_CORETYPE", chosen, 0);
    void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_error, sizeof load_error, "cannot load OpenBLAS (libopenblas.so.0): %s",
                 dlerror());
        return;
    }
    /* POSIX: dlsym's void * converts to a function pointer through this cast */
    *(void **)&ob.sgemm = dlsym(h, "cblas_sgemm");
    *(void **)&ob.sdot = dlsym(h, "cblas_sdot");
    *(void **)&ob.set_threads = dlsym(h, "openblas_set_num_threads");
    *(void **)&ob.get_threads = dlsym(h, "openblas_get_num_threads");
    *(void **)&ob.corename = dlsym(h, "openblas_get_corename");
    if (!ob.sgemm || !ob.sdot || !ob.set_threads || !ob.get_threads)
        snprintf(load_error, sizeof load_error,
                 "libopenblas.so.0 lacks cblas_sgemm, cblas_sdot or openblas_*_num_threads");
}

int nn_blas_load(void) {
    pthread_once(&once, load);
    if (load_error[0])
        return nn_error_set(NN_EIO, "%s", load_error);
    return NN_OK;
}

/* The kernels' path: a library that cannot be loaded at all is a broken installation. */
static void need(void) {
    if (nn_blas_load() != NN_OK) {
        fprintf(stderr, "libnn: %s\n", load_error);
        abort();
    }
}

void nn_blas_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A,
                   int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    if (!ob.sgemm)
        need();
    ob.sgemm(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, M, N, K, alpha, A,
             lda, B, ldb, beta, C, ldc);
}

float nn_blas_sdot(int n, const float *x, const float *y) {
    if (!ob.sdot)
        need();
    return ob.sdot(n, x, 1, y, 1);
}

void nn_blas_set_threads(int n) {
    if (!ob.set_threads)
        need();
    ob.set_threads(n);
}

int nn_blas_threads(void) {
    if (!ob.get_threads)
        need();
    return ob.get_threads();
}

const char *nn_blas_corename(void) {
    if (nn_blas_load() != NN_OK || !ob.corename)
        return "unknown";
    const char *s = ob.corename();
    return s ? s : "unknown";
}

const char *nn_blas_chosen_coretype(void) {
    pthread_once(&once, load);
    return chosen;
}
