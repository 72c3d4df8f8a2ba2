/*
 * kernels.h - the per-image kernels shared by the generic layers (layers.c) and the fused MNIST
 * net (net.c). Internal to nn_core.
 *
 * Layout: NCHW, row-major, float32. All kernels work on one image (or one block) and are
 * single-threaded; parallelism comes from running them on different images in different
 * nn_parallel_for units. GEMMs go through OpenBLAS (set to one thread by nn_threads_init).
 *
 * No kernel contracts a*b+c into an FMA (the project compiles in ISO C mode, where GCC does not
 * contract), so the SIMD clones below compute the same bits as the scalar fallback.
 */
#ifndef NN_CORE_KERNELS_H
#define NN_CORE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include <cblas.h>

/* Hot loops get an AVX-512, an AVX2 and a baseline clone, picked once at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_HOT __attribute__((target_clones("arch=skylake-avx512", "arch=haswell", "default")))
#else
#define NN_HOT
#endif

/* C (M x N, ldc) = alpha * op(A) * op(B) + beta * C, row-major; op(A) is M x K, op(B) K x N. */
static inline void nn_gemm(int trans_a, int trans_b, int M, int N, int K, float alpha,
                           const float *A, int lda, const float *B, int ldb, float beta, float *C,
                           int ldc) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* Geometry of one convolution (square kernel, equal stride and padding on both axes). */
typedef struct conv_geom {
    int c_in, h_in, w_in;
    int c_out;
    int k, stride, pad;
    int h_out, w_out;
} conv_geom;

/* im2col of one image: col (c_in*k*k, h_out*w_out), row (c, ky, kx) holds
 * in[c][y*stride+ky-pad][x*stride+kx-pad] (0 outside) at column y*w_out+x.
 * in: (c_in, h_in, w_in). */
void nn_im2col(float *col, const float *in, const conv_geom *g);

/* The adjoint of nn_im2col: din (c_in, h_in, w_in) = sum of col entries over the positions
 * they were read from. din is overwritten. Entries are added in (c, ky, kx, y, x) order. */
void nn_col2im(float *din, const float *col, const conv_geom *g);

/* Direct convolution of one image for a single input channel, 3x3 kernel, stride 1, no
 * padding (the MNIST net's conv1): out (c_out, h-2, w-2) = bias + W * in, then ReLU when relu
 * is set. in: (h, w); weight: (c_out, 3, 3); bias: (c_out). */
void nn_conv3x3_c1_forward(float *out, const float *in, const float *weight, const float *bias,
                           int c_out, int h, int w, int relu);

/* Its weight gradient for one image, accumulated: dweight (c_out, 3, 3) += dout (*) in,
 * dbias (c_out) += sum of dout. dout: (c_out, h-2, w-2); in: (h, w). */
void nn_conv3x3_c1_backward(float *dweight, float *dbias, const float *dout, const float *in,
                            int c_out, int h, int w);

/* y[i] = max(x[i], 0); y may alias x. */
void nn_relu_inplace(float *x, size_t n);

#endif
