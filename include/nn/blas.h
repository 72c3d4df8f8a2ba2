/*
 * nn/blas.h - OpenBLAS, loaded when the engine first needs it.
 *
 * libnn does not link OpenBLAS: it opens libopenblas.so.0 on first use. Programs that never train
 * (`mnist_00 --cfg job`, a sweep's parent process) then start without loading it (a few ms), and
 * the kernels can be chosen before the library picks its own: OpenBLAS 0.3.21 does not recognise
 * some current CPUs and falls back to its slowest (Prescott) kernels. When OPENBLAS_CORETYPE is
 * unset, nn_blas_load sets it from the CPU's features - SkylakeX with AVX-512 (F, DQ, BW, VL),
 * Haswell with AVX2 and FMA - before opening the library. A value the user set is respected
 * (OPENBLAS_CORETYPE=auto: OpenBLAS's own detection).
 *
 *     if (nn_blas_load() != NN_OK)          // "cannot load OpenBLAS (libopenblas.so.0): ..."
 *         return ...;
 *     nn_blas_sgemm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C, N);
 *
 * The engine's entry points (nn_threads_init, nn_net_create, the optimizers that need a dot
 * product) call nn_blas_load and report a failure as an error; the calls below load on first use
 * too and abort with that message if the library cannot be loaded at all.
 */
#ifndef NN_BLAS_H
#define NN_BLAS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Loads OpenBLAS once (thread-safe). NN_OK, or NN_EIO with nn_error_last() naming the problem. */
int nn_blas_load(void);

/* C (M x N, ldc) = alpha * op(A) * op(B) + beta * C, row-major (cblas_sgemm). */
void nn_blas_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A,
                   int lda, const float *B, int ldb, float beta, float *C, int ldc);

/* sum x[i] * y[i] (cblas_sdot, unit strides). */
float nn_blas_sdot(int n, const float *x, const float *y);

/* openblas_set_num_threads / openblas_get_num_threads. */
void nn_blas_set_threads(int n);
int nn_blas_threads(void);

/* The kernels OpenBLAS runs ("Haswell", "SkylakeX", ...), or "unknown". */
const char *nn_blas_corename(void);

/* The OPENBLAS_CORETYPE nn_blas_load chose, or NULL when it left the variable as it was. */
const char *nn_blas_chosen_coretype(void);

#ifdef __cplusplus
}
#endif

#endif
