/*
 * winograd.c - Winograd's F(2x2, 3x3) for the net's conv2 when the pool window is 2 (see
 * kernels.h). With a 2x2 pool every Winograd output tile is one pool window, so the 144 tiles
 * of a 24x24 output are the 144 pooled positions and the epilogue reads a tile's four outputs
 * together.
 *
 * For a 4x4 input patch d, a 3x3 kernel g and a 2x2 output tile y (Lavin & Gray 2016):
 *     U = G g G^T,  V = B^T d B,  M = sum over input channels of U (.) V,  y = A^T M A
 * with
 *     B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *     G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *     A^T = [1 1 1 0; 0 1 -1 -1]
 * The sum over channels is 16 GEMMs, one per position xi = 4 i + k of the 4x4 transforms:
 * M_xi (c_out, tiles) = U_xi (c_out, c_in) * V_xi (c_in, tiles). The backward pass uses the
 * adjoints: dM = A dY A^T, dU_xi = dM_xi V_xi^T, dV_xi = U_xi^T dM_xi, dd = B dV B^T and
 * dg = G^T dU G. Every sum runs in a fixed order, whatever the thread.
 */
#include <string.h>

#include "kernels.h"

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8si __attribute__((vector_size(32)));

static inline void ld(v8f *v, const float *p) {
    memcpy(v, p, sizeof *v);
}

static inline void st(float *p, const v8f *v) {
    memcpy(p, v, sizeof *v);
}

/* y (4x4) = G x G^T for a 3x3 x; both row-major */
static void g_transform(float *y, const float *x) {
    float t[4][3];
    for (int b = 0; b < 3; b++) {
        const float x0 = x[b], x1 = x[3 + b], x2 = x[6 + b];
        t[0][b] = x0;
        t[1][b] = 0.5f * ((x0 + x1) + x2);
        t[2][b] = 0.5f * ((x0 - x1) + x2);
        t[3][b] = x2;
    }
    for (int i = 0; i < 4; i++) {
        const float t0 = t[i][0], t1 = t[i][1], t2 = t[i][2];
        y[i * 4 + 0] = t0;
        y[i * 4 + 1] = 0.5f * ((t0 + t1) + t2);
        y[i * 4 + 2] = 0.5f * ((t0 - t1) + t2);
        y[i * 4 + 3] = t2;
    }
}

/* y (3x3) = G^T x G for a 4x4 x (the adjoint of g_transform) */
static void g_transform_adjoint(float *y, const float *x) {
    float s[3][4];
    for (int k = 0; k < 4; k++) {
        const float x0 = x[k], x1 = x[4 + k], x2 = x[8 + k], x3 = x[12 + k];
        s[0][k] = x0 + 0.5f * (x1 + x2);
        s[1][k] = 0.5f * (x1 - x2);
        s[2][k] = 0.5f * (x1 + x2) + x3;
    }
    for (int a = 0; a < 3; a++) {
        const float s0 = s[a][0], s1 = s[a][1], s2 = s[a][2], s3 = s[a][3];
        y[a * 3 + 0] = s0 + 0.5f * (s1 + s2);
        y[a * 3 + 1] = 0.5f * (s1 - s2);
        y[a * 3 + 2] = 0.5f * (s1 + s2) + s3;
    }
}

void nn_wino_weights(float *U, const float *w, int c_out, int c_in, int o0, int o1) {
    const size_t plane = (size_t)c_out * c_in;
    float tmp[16][64]; /* a row of 64 input channels at a time, then 16 contiguous copies */
    for (int o = o0; o < o1; o++)
        for (int c0 = 0; c0 < c_in; c0 += 64) {
            const int nc = c_in - c0 < 64 ? c_in - c0 : 64;
            for (int c = 0; c < nc; c++) {
                float u[16];
                g_transform(u, w + ((size_t)o * c_in + c0 + c) * 9);
                for (int xi = 0; xi < 16; xi++)
                    tmp[xi][c] = u[xi];
            }
            for (int xi = 0; xi < 16; xi++)
                memcpy(U + xi * plane + (size_t)o * c_in + c0, tmp[xi], (size_t)nc * sizeof(float));
        }
}

void nn_wino_weights_backward(float *dw, const float *dU, int c_out, int c_in, int o0, int o1) {
    const size_t plane = (size_t)c_out * c_in;
    for (int o = o0; o < o1; o++)
        for (int c = 0; c < c_in; c++) {
            float x[16];
            for (int xi = 0; xi < 16; xi++)
                x[xi] = dU[xi * plane + (size_t)o * c_in + c];
            g_transform_adjoint(dw + ((size_t)o * c_in + c) * 9, x);
        }
}

/* The patch rows of tile row ty start at a1 rows 2 ty .. 2 ty + 3; in the phase-split layout
 * (P = 2) column 2 tx + b is phase b % 2, index tx + b / 2, so for fixed (row, b) the 12 tiles
 * of a tile row read 12 consecutive floats. Two 8-lane passes, tx 0..7 and tx 4..11, cover
 * them; the lanes both passes compute (tx 4..7) get the same values twice. */
NN_HOT void nn_wino_input(float *V, const float *a1s, const pool_geom *g) {
    const int WP = g->WP, hp2 = g->hp2, T = 12;
    const size_t plane = (size_t)g->C1 * hp2; /* one xi */
    for (int c = 0; c < g->C1; c++)
        for (int ty = 0; ty < T; ty++)
            for (int tx0 = 0; tx0 <= 4; tx0 += 4) {
                /* V[i][k] = sum_a B^T[i][a] e[a][k], e[a][k] = sum_b d[a][b] B^T[k][b]: one
                 * output column k at a time, so nothing leaves the registers */
                const float *rows[4];
#pragma GCC unroll 4
                for (int a = 0; a < 4; a++)
                    rows[a] = a1s + (size_t)(c * 26 + 2 * ty + a) * 2 * WP + tx0;
                float *dst = V + (size_t)c * hp2 + ty * T + tx0;
                /* patch column b is phase b % 2, index b / 2 of the split rows */
                const size_t b0 = 0, b1 = (size_t)WP, b2 = 1, b3 = (size_t)WP + 1;
                v8f x0, x1, x2, x3, y0, y1, y2, y3, v;
#define WINO_COLUMN(k, OPX, OPY, EXPR)                                                             \
    do {                                                                                           \
        ld(&x0, rows[0] + OPX), ld(&y0, rows[0] + OPY);                                            \
        ld(&x1, rows[1] + OPX), ld(&y1, rows[1] + OPY);                                            \
        ld(&x2, rows[2] + OPX), ld(&y2, rows[2] + OPY);                                            \
        ld(&x3, rows[3] + OPX), ld(&y3, rows[3] + OPY);                                            \
        const v8f e0 = EXPR(x0, y0), e1 = EXPR(x1, y1), e2 = EXPR(x2, y2), e3 = EXPR(x3, y3);      \
        v = e0 - e2, st(dst + (0 + k) * plane, &v);                                                \
        v = e1 + e2, st(dst + (4 + k) * plane, &v);                                                \
        v = e2 - e1, st(dst + (8 + k) * plane, &v);                                                \
        v = e1 - e3, st(dst + (12 + k) * plane, &v);                                               \
    } while (0)
#define SUB(x, y)  ((x) - (y))
#define ADD(x, y)  ((x) + (y))
#define RSUB(x, y) ((y) - (x))
                /* row k of B^T: (1 0 -1 0), (0 1 1 0), (0 -1 1 0), (0 1 0 -1) */
                WINO_COLUMN(0, b0, b2, SUB);
                WINO_COLUMN(1, b1, b2, ADD);
                WINO_COLUMN(2, b1, b2, RSUB);
                WINO_COLUMN(3, b1, b3, SUB);
#undef WINO_COLUMN
#undef SUB
#undef ADD
#undef RSUB
            }
}

/* da1s = B dV B^T summed over the overlapping 4x4 patches, each output row written once.
 *
 * Tile row ty covers rows 2 ty .. 2 ty + 3; its rows 2 and 3 are rows 0 and 1 of tile row ty + 1,
 * so they are carried (in `carry`) and finished one tile row later. Along a row, patch columns
 * b = p and b = p + 2 of tile tx land on phase p, index tx and tx + 1: the row's value at u is
 * dd[p][u] + dd[p + 2][u - 1], a one-lane shift in registers. The 12 tiles of a tile row are two
 * 8-lane passes (tx 0..7 and 4..11); pass A gives u 0..7, pass B u 8..11 (stored first, then
 * overwritten from u 4 on by pass A) and u 12. No partial overlap of a recent store is ever
 * loaded back, which would defeat the CPU's store forwarding. */
NN_HOT void nn_wino_input_backward(float *da1s, const float *dV, const pool_geom *g) {
    const int WP = g->WP, hp2 = g->hp2, T = 12;
    const size_t plane = (size_t)g->C1 * hp2, row_floats = (size_t)2 * WP;
    const v8f zero = {0};
    const v8si shift1 = {8, 0, 1, 2, 3, 4, 5, 6}; /* lane 8 is zero's lane 0 */
    for (int c = 0; c < g->C1; c++) {
        float carry[2][2][16]; /* [row a - 2][phase][u]: the next tile row's rows 0 and 1 */
        memset(carry, 0, sizeof carry);
        for (int ty = 0; ty < T; ty++) {
            v8f dd[2][4][4]; /* [pass][a][b] */
#pragma GCC unroll 2
            for (int pass = 0; pass < 2; pass++) {
                const float *src = dV + (size_t)c * hp2 + ty * T + pass * 4;
                v8f v[4][4];
#pragma GCC unroll 16
                for (int xi = 0; xi < 16; xi++)
                    ld(&v[xi / 4][xi % 4], src + xi * plane);
#pragma GCC unroll 4
                for (int a = 0; a < 4; a++) {
                    v8f s[4]; /* s[k] = sum_i B^T[i][a] v[i][k] */
#pragma GCC unroll 4
                    for (int k = 0; k < 4; k++)
                        s[k] = a == 0   ? v[0][k]
                               : a == 1 ? (v[1][k] - v[2][k]) + v[3][k]
                               : a == 2 ? (v[1][k] + v[2][k]) - v[0][k]
                                        : -v[3][k];
                    dd[pass][a][0] = s[0]; /* dd[b] = sum_k s[k] B^T[k][b] */
                    dd[pass][a][1] = (s[1] - s[2]) + s[3];
                    dd[pass][a][2] = (s[1] + s[2]) - s[0];
                    dd[pass][a][3] = -s[3];
                }
            }
#pragma GCC unroll 4
            for (int a = 0; a < 4; a++)
#pragma GCC unroll 2
                for (int p = 0; p < 2; p++) {
                    const v8f ra = dd[0][a][p] + __builtin_shuffle(dd[0][a][p + 2], zero, shift1);
                    const v8f rb = dd[1][a][p] + __builtin_shuffle(dd[1][a][p + 2], zero, shift1);
                    const float last = dd[1][a][p + 2][7];
                    float *dst;
                    v8f out_a = ra, out_b = rb;
                    float out_l = last;
                    if (a < 2) { /* a finished row: add what the tile row above left */
                        dst = da1s + (size_t)(c * 26 + 2 * ty + a) * row_floats + (size_t)p * WP;
                        v8f ca, cb;
                        ld(&ca, carry[a][p]);
                        ld(&cb, carry[a][p] + 4);
                        out_a += ca;
                        out_b += cb;
                        out_l += carry[a][p][12];
                    } else {
                        dst = carry[a - 2][p];
                    }
                    st(dst + 4, &out_b);
                    st(dst, &out_a);
                    dst[12] = out_l;
                }
        }
        for (int r = 0; r < 2; r++) /* rows 24 and 25: the last tile row's carry */
            for (int p = 0; p < 2; p++)
                memcpy(da1s + (size_t)(c * 26 + 24 + r) * row_floats + (size_t)p * WP, carry[r][p],
                       (size_t)WP * sizeof(float));
    }
}
