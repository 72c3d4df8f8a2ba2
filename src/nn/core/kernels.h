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

#include "nn/blas.h"

/* Hot loops get an AVX-512, an AVX2 and a baseline clone, picked once at load time by the CPU's
 * features (not its model: "arch=" clones test the model and miss newer CPUs). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_HOT __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_HOT
#endif

/* C (M x N, ldc) = alpha * op(A) * op(B) + beta * C, row-major; op(A) is M x K, op(B) K x N. */
static inline void nn_gemm(int trans_a, int trans_b, int M, int N, int K, float alpha,
                           const float *A, int lda, const float *B, int ldb, float beta, float *C,
                           int ldc) {
    nn_blas_sgemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
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

/* conv1's weight gradient (one input channel, 3x3 kernel, stride 1, no padding) for one image,
 * accumulated: dweight (c_out, 3, 3) += dout (*) in,
 * dbias (c_out) += sum of dout. dout: (c_out, h-2, w-2); in: (h, w). */
void nn_conv3x3_c1_backward(float *dweight, float *dbias, const float *dout, const float *in,
                            int c_out, int h, int w);

/*
 * The net's conv2 path works on two layouts of its own:
 *
 * phase-split activations: conv1's output a1 (C1, 26, 26) is kept as (C1, 26, P, WP), column
 *   x of row y at [y][x % P][x / P] (WP = ceil(26 / P)), so that everything a pool window's
 *   position reads from one row is contiguous;
 * pool-major im2col columns: conv2's GEMM output has one column per position that a pool
 *   window covers, ordered (q, o) with q = dy * P + dx the position inside the window and
 *   o = py * HP + px the window, so the max-pool is an element-wise max over P*P contiguous
 *   blocks of HP*HP, and positions no window covers (24 % P of them) are never computed.
 */
typedef struct pool_geom {
    int C1;   /* conv1 output channels, conv2 input channels */
    int P;    /* pool window and stride */
    int HP;   /* pooled side, 24 / P */
    int WP;   /* phase width, ceil(26 / P) */
    int hp2;  /* HP * HP */
    int ncol; /* P * P * hp2 im2col columns */
} pool_geom;

/* Floats of one image's phase-split a1: C1 * 26 * P * WP. */
size_t nn_pool_split_floats(const pool_geom *g);

/* conv1 (1 -> C1, 3x3) + bias + ReLU of one image into the phase-split a1s.
 * x: (28, 28) followed by at least 8 readable floats (read, never used). */
void nn_conv1_forward_split(float *a1s, const float *x, const float *weight, const float *bias,
                            const pool_geom *g);

/* The same for P = 2 with vector stores (a1s: (C1, 26, 2, 13)). */
void nn_conv1_forward_split2(float *a1s, const float *x, const float *weight, const float *bias,
                             int C1);

/* conv1's weight gradient for P = 2 straight from the phase-split gradient: dweight (C1, 3, 3)
 * += (da1s where a1s > 0) (*) x, dbias (C1) += its sum. x: (28, 28). */
void nn_conv1_backward_split2(float *dweight, float *dbias, const float *da1s, const float *a1s,
                              const float *x, int C1);

/* im2col of a phase-split image: col (C1 * 9, ncol), row (c, ky, kx), pool-major columns. */
void nn_im2col_pool(float *col, const float *a1s, const pool_geom *g);

/* Its adjoint: da1s (phase-split) = sum of dcol (C1 * 9, ncol) over where it was read from;
 * overwritten. */
void nn_col2im_pool(float *da1s, const float *dcol, const pool_geom *g);

/* plain (C1, 26, 26) = da1s where a1s > 0 (ReLU's backward), back in the plain layout. */
void nn_split_relu_to_plain(float *plain, const float *da1s, const float *a1s, const pool_geom *g);

/*
 * Winograd F(2x2, 3x3) for conv2 when P = 2 (winograd.c): a pool window is an output tile.
 * Transformed weights U (16, c_out, c_in), transformed inputs V (16, C1, 144) with tile
 * t = ty * 12 + tx, GEMM products M (16, c_out, 144); xi = 4 i + k indexes the 4x4 transform.
 */

/* U = G w G^T for the (out, in) pairs of w (c_out, c_in, 3, 3) with out in [o0, o1). */
void nn_wino_weights(float *U, const float *w, int c_out, int c_in, int o0, int o1);

/* dw (c_out, c_in, 3, 3) = G^T dU G for out in [o0, o1), overwritten. */
void nn_wino_weights_backward(float *dw, const float *dU, int c_out, int c_in, int o0, int o1);

/* V = B^T d B of every 4x4 patch (stride 2) of the phase-split a1s (P = 2). */
void nn_wino_input(float *V, const float *a1s, const pool_geom *g);

/* da1s (phase-split, overwritten) = sum over patches of B dV B^T. */
void nn_wino_input_backward(float *da1s, const float *dV, const pool_geom *g);

/* dst[i] += src[i] for i < n (vectorised: GCC's -O2 leaves loops of unknown length scalar). */
void nn_add_to(float *restrict dst, const float *restrict src, size_t n);

/* y[i] = max(x[i], 0); y may alias x. */
void nn_relu_inplace(float *x, size_t n);

#endif
