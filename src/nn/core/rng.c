/*
 * rng.c - PyTorch's CPU generator: mt19937 plus the draws of torch 1.13's CPU kernels.
 *
 * The constants and the tempering are the published MT19937 ones (Matsumoto & Nishimura 1998);
 * seeding follows torch.manual_seed (the low 32 bits of the seed through the standard
 * initialisation recurrence). random64 joins two consecutive 32-bit outputs, the first one high.
 */
#include "nn/rng.h"

#include <math.h>
#include <stddef.h>

#define MT_N        624
#define MT_M        397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER    0x80000000u
#define MT_LOWER    0x7fffffffu

void nn_rng_seed(nn_rng *rng, uint64_t seed) {
    rng->state[0] = (uint32_t)(seed & 0xffffffffu);
    for (uint32_t j = 1; j < MT_N; j++) {
        uint32_t prev = rng->state[j - 1];
        rng->state[j] = 1812433253u * (prev ^ (prev >> 30)) + j;
    }
    rng->index = MT_N; /* the first draw regenerates the whole state */
}

static inline uint32_t twist(uint32_t u, uint32_t v) {
    uint32_t y = (u & MT_UPPER) | (v & MT_LOWER);
    return (y >> 1) ^ ((v & 1u) ? MT_MATRIX_A : 0u);
}

/* Regenerates all 624 words. The three loops have no dependency shorter than 227 words, so the
 * compiler can vectorise them. */
static void next_state(nn_rng *rng) {
    uint32_t *s = rng->state;
    int i = 0;
    for (; i < MT_N - MT_M; i++)
        s[i] = s[i + MT_M] ^ twist(s[i], s[i + 1]);
    for (; i < MT_N - 1; i++)
        s[i] = s[i + MT_M - MT_N] ^ twist(s[i], s[i + 1]);
    s[MT_N - 1] = s[MT_M - 1] ^ twist(s[MT_N - 1], s[0]);
    rng->index = 0;
}

uint32_t nn_rng_u32(nn_rng *rng) {
    if (rng->index >= MT_N)
        next_state(rng);
    uint32_t y = rng->state[rng->index++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

uint64_t nn_rng_u64(nn_rng *rng) {
    uint64_t hi = nn_rng_u32(rng);
    uint64_t lo = nn_rng_u32(rng);
    return (hi << 32) | lo;
}

float nn_rng_uniform_f32(nn_rng *rng, float from, float to) {
    /* 24 random bits scaled by 2^-24 is exact; then x * (to - from) + from with one rounding:
     * torch's uniform_ kernel runs in its AVX2 build on any AVX2 machine, where the compiler
     * contracted it into an FMA (ATEN_CPU_CAPABILITY=default gives two roundings instead). */
    float x = (float)(nn_rng_u32(rng) & 0xffffffu) * (1.0f / 16777216.0f);
    return fmaf(x, to - from, from);
}

double nn_rng_uniform_f64(nn_rng *rng) {
    return (double)(nn_rng_u64(rng) & ((UINT64_C(1) << 53) - 1)) * (1.0 / 9007199254740992.0);
}

void nn_rng_fill_uniform_f32(nn_rng *rng, float *out, size_t n, double from, double to) {
    float f = (float)from, t = (float)to;
    for (size_t i = 0; i < n; i++)
        out[i] = nn_rng_uniform_f32(rng, f, t);
}

int nn_rng_bernoulli(nn_rng *rng, double p) {
    return nn_rng_uniform_f64(rng) < p;
}

void nn_rng_bernoulli_fill_f32(nn_rng *rng, float *out, size_t n, double p, float value) {
    /* u = k * 2^-53 < p  <=>  k < p * 2^53 (scaling by a power of two is exact) <=>
     * k < ceil(p * 2^53): the same draws as nn_rng_bernoulli, compared as integers */
    const double t = ceil(p * 9007199254740992.0);
    const uint64_t thr = t <= 0.0 ? 0 : t >= 9007199254740992.0 ? (UINT64_C(1) << 53) : (uint64_t)t;
    const uint64_t mask = (UINT64_C(1) << 53) - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (nn_rng_u64(rng) & mask) < thr ? value : 0.0f;
}

int64_t nn_rng_random_i64(nn_rng *rng) {
    return (int64_t)(nn_rng_u64(rng) & INT64_MAX);
}

void nn_rng_randperm(nn_rng *rng, int64_t *out, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        out[i] = i;
    for (int64_t i = 0; i + 1 < n; i++) {
        int64_t z = (int64_t)(nn_rng_u32(rng) % (uint64_t)(n - i));
        int64_t t = out[i];
        out[i] = out[z + i];
        out[z + i] = t;
    }
}
