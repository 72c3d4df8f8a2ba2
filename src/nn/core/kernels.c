/* kernels.c - im2col, col2im and the small element-wise kernels (see kernels.h). */
#include "kernels.h"

#include <string.h>

NN_HOT void nn_im2col(float *col, const float *in, const conv_geom *g) {
    const int K = g->k, S = g->stride, P = g->pad;
    const int H = g->h_in, W = g->w_in, OH = g->h_out, OW = g->w_out;
    const size_t plane = (size_t)OH * OW;
    for (int c = 0; c < g->c_in; c++) {
        const float *src_c = in + (size_t)c * H * W;
        for (int ky = 0; ky < K; ky++) {
            for (int kx = 0; kx < K; kx++) {
                float *dst = col + ((size_t)(c * K + ky) * K + kx) * plane;
                for (int y = 0; y < OH; y++) {
                    float *d = dst + (size_t)y * OW;
                    int iy = y * S + ky - P;
                    if (iy < 0 || iy >= H) {
                        memset(d, 0, sizeof(float) * (size_t)OW);
                        continue;
                    }
                    const float *src = src_c + (size_t)iy * W;
                    if (S == 1 && P == 0) {
                        const float *s = src + kx;
                        for (int x = 0; x < OW; x++)
                            d[x] = s[x];
                        continue;
                    }
                    for (int x = 0; x < OW; x++) {
                        int ix = x * S + kx - P;
                        d[x] = (ix >= 0 && ix < W) ? src[ix] : 0.0f;
                    }
                }
            }
        }
    }
}

NN_HOT void nn_col2im(float *din, const float *col, const conv_geom *g) {
    const int K = g->k, S = g->stride, P = g->pad;
    const int H = g->h_in, W = g->w_in, OH = g->h_out, OW = g->w_out;
    const size_t plane = (size_t)OH * OW;
    memset(din, 0, sizeof(float) * (size_t)g->c_in * H * W);
    for (int c = 0; c < g->c_in; c++) {
        float *dst_c = din + (size_t)c * H * W;
        for (int ky = 0; ky < K; ky++) {
            for (int kx = 0; kx < K; kx++) {
                const float *src = col + ((size_t)(c * K + ky) * K + kx) * plane;
                for (int y = 0; y < OH; y++) {
                    int iy = y * S + ky - P;
                    if (iy < 0 || iy >= H)
                        continue;
                    const float *s = src + (size_t)y * OW;
                    float *d = dst_c + (size_t)iy * W;
                    if (S == 1 && P == 0) {
                        float *dd = d + kx;
                        for (int x = 0; x < OW; x++)
                            dd[x] += s[x];
                        continue;
                    }
                    for (int x = 0; x < OW; x++) {
                        int ix = x * S + kx - P;
                        if (ix >= 0 && ix < W)
                            d[ix] += s[x];
                    }
                }
            }
        }
    }
}

/* Eight lanes whatever the ISA (GCC lowers to SSE pairs when AVX is absent), so every clone
 * sums in the same order. */
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8si __attribute__((vector_size(32)));

/* Passed by pointer: a 32-byte vector by value changes the ABI between the clones. */
static inline void load8(v8f *v, const float *p) {
    memcpy(v, p, sizeof *v);
}

static inline float hsum8(const v8f *v) {
    const v8f a = *v;
    return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

NN_HOT void nn_conv3x3_c1_backward(float *dweight, float *dbias, const float *dout, const float *in,
                                   int c_out, int h, int w) {
    const int oh = h - 2, ow = w - 2;
    const int ow8 = ow & ~7;
    for (int c = 0; c < c_out; c++) {
        v8f acc[9], accb = {0};
        float tail[9] = {0}, tailb = 0.0f;
        for (int t = 0; t < 9; t++)
            acc[t] = (v8f){0};
        for (int y = 0; y < oh; y++) {
            const float *d = dout + ((size_t)c * oh + y) * ow;
            const float *r[3] = {in + (size_t)y * w, in + (size_t)(y + 1) * w,
                                 in + (size_t)(y + 2) * w};
            for (int x = 0; x < ow8; x += 8) {
                v8f g, v;
                load8(&g, d + x);
                accb += g;
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        load8(&v, r[ky] + x + kx);
                        acc[ky * 3 + kx] += g * v;
                    }
            }
            for (int x = ow8; x < ow; x++) {
                float g = d[x];
                tailb += g;
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        tail[ky * 3 + kx] += g * r[ky][x + kx];
            }
        }
        for (int t = 0; t < 9; t++)
            dweight[(size_t)c * 9 + t] += hsum8(&acc[t]) + tail[t];
        dbias[c] += hsum8(&accb) + tailb;
    }
}

NN_HOT void nn_relu_inplace(float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] < 0.0f ? 0.0f : x[i];
}

/* ---- the net's conv2 path: phase-split activations, pool-major columns ---- */

size_t nn_pool_split_floats(const pool_geom *g) {
    return (size_t)g->C1 * 26 * g->P * g->WP;
}

/* n floats from s to d; n is a compile-time constant after inlining in the common cases */
static inline void copy_row(float *restrict d, const float *restrict s, int n) {
    if (n == 12) {
        memcpy(d, s, 12 * sizeof(float));
        return;
    }
    int i = 0;
    for (; i + 8 <= n; i += 8)
        memcpy(d + i, s + i, 8 * sizeof(float));
    for (; i < n; i++)
        d[i] = s[i];
}

static inline void add_row(float *restrict d, const float *restrict s, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f a, b;
        memcpy(&a, d + i, sizeof a);
        memcpy(&b, s + i, sizeof b);
        a += b;
        memcpy(d + i, &a, sizeof a);
    }
    for (; i < n; i++)
        d[i] += s[i];
}

NN_HOT void nn_conv1_forward_split(float *a1s, const float *x, const float *weight,
                                   const float *bias, const pool_geom *g) {
    const int P = g->P, WP = g->WP;
    const v8f zero = {0};
    for (int c = 0; c < g->C1; c++) {
        const float *k = weight + (size_t)c * 9;
        const v8f k0 = zero + k[0], k1 = zero + k[1], k2 = zero + k[2], k3 = zero + k[3],
                  k4 = zero + k[4], k5 = zero + k[5], k6 = zero + k[6], k7 = zero + k[7],
                  k8 = zero + k[8], b = zero + bias[c];
        for (int y = 0; y < 26; y++) {
            const float *r0 = x + y * 28, *r1 = r0 + 28, *r2 = r1 + 28;
            float row[32];
            for (int x0 = 0; x0 < 32; x0 += 8) {
                v8f a[9];
                load8(&a[0], r0 + x0), load8(&a[1], r0 + x0 + 1), load8(&a[2], r0 + x0 + 2);
                load8(&a[3], r1 + x0), load8(&a[4], r1 + x0 + 1), load8(&a[5], r1 + x0 + 2);
                load8(&a[6], r2 + x0), load8(&a[7], r2 + x0 + 1), load8(&a[8], r2 + x0 + 2);
                /* taps left to right (torch's (c_in, ky, kx) order), then the bias */
                v8f acc = k0 * a[0] + k1 * a[1] + k2 * a[2] + k3 * a[3] + k4 * a[4] + k5 * a[5] +
                          k6 * a[6] + k7 * a[7] + k8 * a[8];
                acc += b;
                v8si neg = acc < zero; /* NaN stays NaN */
                acc = (v8f)((v8si)acc & ~neg);
                memcpy(row + x0, &acc, sizeof acc);
            }
            float *dst = a1s + (size_t)(c * 26 + y) * P * WP;
            if (P == 2) {
                for (int u = 0; u < 13; u++) {
                    dst[u] = row[2 * u];
                    dst[WP + u] = row[2 * u + 1];
                }
            } else {
                for (int xx = 0; xx < 26; xx++)
                    dst[(xx % P) * WP + xx / P] = row[xx];
            }
        }
    }
}

NN_HOT void nn_im2col_pool(float *col, const float *a1s, const pool_geom *g) {
    const int P = g->P, HP = g->HP, WP = g->WP, hp2 = g->hp2;
    const size_t ystride = (size_t)P * WP, ncol = (size_t)g->ncol;
    for (int c = 0; c < g->C1; c++)
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                float *dst = col + (size_t)((c * 3 + ky) * 3 + kx) * ncol;
                for (int dy = 0; dy < P; dy++)
                    for (int dx = 0; dx < P; dx++) {
                        const int ph = (dx + kx) % P, u0 = (dx + kx) / P;
                        const float *src =
                            a1s + (size_t)(c * 26 + dy + ky) * ystride + (size_t)ph * WP + u0;
                        float *d = dst + (size_t)(dy * P + dx) * hp2;
                        for (int py = 0; py < HP; py++)
                            copy_row(d + py * HP, src + py * P * ystride, HP);
                    }
            }
}

NN_HOT void nn_col2im_pool(float *da1s, const float *dcol, const pool_geom *g) {
    const int P = g->P, HP = g->HP, WP = g->WP, hp2 = g->hp2;
    const size_t ystride = (size_t)P * WP, ncol = (size_t)g->ncol;
    memset(da1s, 0, nn_pool_split_floats(g) * sizeof(float));
    for (int c = 0; c < g->C1; c++)
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                const float *src = dcol + (size_t)((c * 3 + ky) * 3 + kx) * ncol;
                for (int dy = 0; dy < P; dy++)
                    for (int dx = 0; dx < P; dx++) {
                        const int ph = (dx + kx) % P, u0 = (dx + kx) / P;
                        float *d =
                            da1s + (size_t)(c * 26 + dy + ky) * ystride + (size_t)ph * WP + u0;
                        const float *s = src + (size_t)(dy * P + dx) * hp2;
                        for (int py = 0; py < HP; py++)
                            add_row(d + py * P * ystride, s + py * HP, HP);
                    }
            }
}

NN_HOT void nn_split_relu_to_plain(float *plain, const float *da1s, const float *a1s,
                                   const pool_geom *g) {
    const int P = g->P, WP = g->WP;
    for (int c = 0; c < g->C1; c++)
        for (int y = 0; y < 26; y++) {
            const size_t base = (size_t)(c * 26 + y) * P * WP;
            float *dst = plain + (size_t)(c * 26 + y) * 26;
            for (int xx = 0; xx < 26; xx++) {
                const size_t i = base + (size_t)(xx % P) * WP + xx / P;
                dst[xx] = a1s[i] > 0.0f ? da1s[i] : 0.0f;
            }
        }
}

/* ---- conv1 in the phase-split layout of a 2x2 pool ---- */

/* xs (28, 2, 14): row r, parity p, index v holds x[r][2 v + p]; then column 2 u + ph + kx of a
 * row is xs[(ph + kx) % 2][u + (ph + kx) / 2], contiguous in u. */
static void split_input2(float *xs, const float *x) {
    for (int r = 0; r < 28; r++)
        for (int v = 0; v < 14; v++) {
            xs[(r * 2 + 0) * 14 + v] = x[r * 28 + 2 * v];
            xs[(r * 2 + 1) * 14 + v] = x[r * 28 + 2 * v + 1];
        }
}

/* The 13 columns of a phase row in two 8-lane chunks, u 0..7 and u 5..12; stores of the lanes
 * both chunks hold (u 5..7) write the same value twice, sums mask them out of the second. */
#define U2_SECOND 5

NN_HOT void nn_conv1_forward_split2(float *a1s, const float *x, const float *weight,
                                    const float *bias, int C1) {
    float xs[28 * 2 * 14];
    split_input2(xs, x);
    const v8f zero = {0};
    for (int c = 0; c < C1; c++) {
        const float *w = weight + (size_t)c * 9;
        const v8f k0 = zero + w[0], k1 = zero + w[1], k2 = zero + w[2], k3 = zero + w[3],
                  k4 = zero + w[4], k5 = zero + w[5], k6 = zero + w[6], k7 = zero + w[7],
                  k8 = zero + w[8], b = zero + bias[c];
        for (int y = 0; y < 26; y++)
            for (int ph = 0; ph < 2; ph++) {
                /* tap kx of phase ph: parity (ph + kx) % 2 (14 floats per parity), index
                 * offset (ph + kx) / 2 */
                const int o0 = ph ? 14 : 0, o1 = ph ? 1 : 14, o2 = ph ? 15 : 1;
                const float *R0 = xs + y * 28, *R1 = R0 + 28, *R2 = R1 + 28;
                const float *r[9] = {R0 + o0, R0 + o1, R0 + o2, R1 + o0, R1 + o1,
                                     R1 + o2, R2 + o0, R2 + o1, R2 + o2};
                float *dst = a1s + ((size_t)(c * 26 + y) * 2 + ph) * 13;
                for (int u0 = 0; u0 <= U2_SECOND; u0 += U2_SECOND) {
                    v8f v, acc;
                    /* taps left to right (torch's (c_in, ky, kx) order), then the bias */
                    load8(&v, r[0] + u0), acc = k0 * v;
                    load8(&v, r[1] + u0), acc += k1 * v;
                    load8(&v, r[2] + u0), acc += k2 * v;
                    load8(&v, r[3] + u0), acc += k3 * v;
                    load8(&v, r[4] + u0), acc += k4 * v;
                    load8(&v, r[5] + u0), acc += k5 * v;
                    load8(&v, r[6] + u0), acc += k6 * v;
                    load8(&v, r[7] + u0), acc += k7 * v;
                    load8(&v, r[8] + u0), acc += k8 * v;
                    acc += b;
                    acc = (v8f)((v8si)acc & ~(acc < zero));
                    memcpy(dst + u0, &acc, sizeof acc);
                }
            }
    }
}

NN_HOT void nn_conv1_backward_split2(float *dweight, float *dbias, const float *da1s,
                                     const float *a1s, const float *x, int C1) {
    float xs[28 * 2 * 14];
    split_input2(xs, x);
    const v8f zero = {0};
    const v8si second = {0, 0, 0, -1, -1, -1, -1, -1}; /* u 5..7 belong to the first chunk */
    for (int c = 0; c < C1; c++) {
        v8f a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero,
            a8 = zero, ab = zero;
        for (int y = 0; y < 26; y++)
            for (int ph = 0; ph < 2; ph++) {
                const int o0 = ph ? 14 : 0, o1 = ph ? 1 : 14, o2 = ph ? 15 : 1;
                const float *R0 = xs + y * 28, *R1 = R0 + 28, *R2 = R1 + 28;
                const float *r[9] = {R0 + o0, R0 + o1, R0 + o2, R1 + o0, R1 + o1,
                                     R1 + o2, R2 + o0, R2 + o1, R2 + o2};
                const size_t row = ((size_t)(c * 26 + y) * 2 + ph) * 13;
                for (int u0 = 0; u0 <= U2_SECOND; u0 += U2_SECOND) {
                    v8f g, a, v;
                    load8(&g, da1s + row + u0);
                    load8(&a, a1s + row + u0);
                    /* relu's backward: the gradient where the forward output was > 0 */
                    v8si keep = a > zero;
                    if (u0)
                        keep &= second;
                    g = (v8f)((v8si)g & keep);
                    ab += g;
                    load8(&v, r[0] + u0), a0 += g * v;
                    load8(&v, r[1] + u0), a1 += g * v;
                    load8(&v, r[2] + u0), a2 += g * v;
                    load8(&v, r[3] + u0), a3 += g * v;
                    load8(&v, r[4] + u0), a4 += g * v;
                    load8(&v, r[5] + u0), a5 += g * v;
                    load8(&v, r[6] + u0), a6 += g * v;
                    load8(&v, r[7] + u0), a7 += g * v;
                    load8(&v, r[8] + u0), a8 += g * v;
                }
            }
        float *dw = dweight + (size_t)c * 9;
        dw[0] += hsum8(&a0), dw[1] += hsum8(&a1), dw[2] += hsum8(&a2);
        dw[3] += hsum8(&a3), dw[4] += hsum8(&a4), dw[5] += hsum8(&a5);
        dw[6] += hsum8(&a6), dw[7] += hsum8(&a7), dw[8] += hsum8(&a8);
        dbias[c] += hsum8(&ab);
    }
}

NN_HOT void nn_add_to(float *restrict dst, const float *restrict src, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f a, b;
        load8(&a, dst + i);
        load8(&b, src + i);
        a += b;
        memcpy(dst + i, &a, sizeof a);
    }
    for (; i < n; i++)
        dst[i] += src[i];
}
