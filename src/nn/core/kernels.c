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

NN_HOT void nn_conv3x3_c1_forward(float *out, const float *in, const float *weight,
                                  const float *bias, int c_out, int h, int w, int relu) {
    const int oh = h - 2, ow = w - 2;
    for (int c = 0; c < c_out; c++) {
        const float *k = weight + (size_t)c * 9;
        const float k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6],
                    k7 = k[7], k8 = k[8], b = bias[c];
        for (int y = 0; y < oh; y++) {
            const float *r0 = in + (size_t)y * w, *r1 = r0 + w, *r2 = r1 + w;
            float *o = out + ((size_t)c * oh + y) * ow;
            for (int x = 0; x < ow; x++) {
                /* torch's reduction order over (c_in, ky, kx), the bias last */
                float acc = k0 * r0[x] + k1 * r0[x + 1] + k2 * r0[x + 2] + k3 * r1[x] +
                            k4 * r1[x + 1] + k5 * r1[x + 2] + k6 * r2[x] + k7 * r2[x + 1] +
                            k8 * r2[x + 2];
                acc += b;
                o[x] = (relu && acc < 0.0f) ? 0.0f : acc; /* NaN stays NaN, as torch.relu */
            }
        }
    }
}

/* Eight lanes whatever the ISA (GCC lowers to SSE pairs when AVX is absent), so every clone
 * sums in the same order. */
typedef float v8f __attribute__((vector_size(32)));

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
