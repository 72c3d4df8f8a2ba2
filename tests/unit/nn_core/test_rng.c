/* test_rng.c - nn_rng against torch 1.13's CPU generator (golden/nn/rng.gold). Exact matches. */
#include "harness.h"

#include "golden.h"
#include "nn/rng.h"

static gold_file G;

static void test_random_i64_matches_torch(void) {
    size_t n;
    const int64_t *want = gold_i64(&G, "random_i64_seed1", &n);
    nn_rng r;
    nn_rng_seed(&r, 1);
    size_t bad = 0;
    for (size_t i = 0; want && i < n; i++) /* 700 draws cross the 624-word regeneration twice */
        bad += nn_rng_random_i64(&r) != want[i];
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(n, 700);
}

static void test_seed_uses_low_32_bits(void) {
    size_t n;
    const int64_t *want = gold_i64(&G, "random_i64_seed2p32p3", &n);
    nn_rng r;
    nn_rng_seed(&r, (UINT64_C(1) << 32) + 3);
    for (size_t i = 0; want && i < n; i++)
        CHECK_EQ_INT(nn_rng_random_i64(&r), want[i]);
    nn_rng a, b;
    nn_rng_seed(&a, 3);
    nn_rng_seed(&b, (UINT64_C(1) << 32) + 3);
    CHECK(nn_rng_u64(&a) == nn_rng_u64(&b));
}

static void test_rand_f64_bit_exact(void) {
    size_t n;
    const int64_t *bits = gold_i64(&G, "rand_f64_bits_seed42", &n);
    nn_rng r;
    nn_rng_seed(&r, 42);
    size_t bad = 0;
    for (size_t i = 0; bits && i < n; i++) {
        double d = nn_rng_uniform_f64(&r);
        int64_t b;
        memcpy(&b, &d, 8);
        bad += b != bits[i];
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_uniform_f32_bit_exact(void) {
    size_t n;
    const float *want = gold_f32(&G, "uniform_f32_seed7_m0.3_0.7", &n);
    float *got = malloc(n * sizeof(float));
    nn_rng r;
    nn_rng_seed(&r, 7);
    nn_rng_fill_uniform_f32(&r, got, n, -0.3, 0.7);
    CHECK(want && memcmp(got, want, n * sizeof(float)) == 0);
    /* torch.rand: uniform_(0, 1) */
    const float *want01 = gold_f32(&G, "rand_f32_seed7", &n);
    nn_rng_seed(&r, 7);
    size_t bad = 0;
    for (size_t i = 0; want01 && i < n; i++) {
        float v = nn_rng_uniform_f32(&r, 0.0f, 1.0f);
        bad += memcmp(&v, &want01[i], 4) != 0;
        CHECK(v >= 0.0f && v < 1.0f);
    }
    CHECK_EQ_INT(bad, 0);
    free(got);
}

static void test_bernoulli_matches_torch(void) {
    size_t n;
    const uint8_t *want = gold_u8(&G, "bernoulli_seed5_p0.75", &n);
    nn_rng r;
    nn_rng_seed(&r, 5);
    size_t bad = 0, ones = 0;
    for (size_t i = 0; want && i < n; i++) {
        int b = nn_rng_bernoulli(&r, 0.75);
        bad += b != want[i];
        ones += b;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(ones > 2100 && ones < 2400); /* 3000 draws at 0.75 */
}

static void test_bernoulli_fill_equals_single_draws(void) {
    /* the integer threshold agrees with the double comparison at every p, edges included */
    const double ps[] = {0.0, 1.0,   0.5, 0.75, 0.25, 1e-300, 1.0 - 1e-16, 3.0 / 9007199254740992.0,
                         0.1, 0.9999};
    float out[2000];
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        nn_rng a, b;
        nn_rng_seed(&a, 100 + k);
        b = a;
        nn_rng_bernoulli_fill_f32(&a, out, 2000, ps[k], 2.5f);
        size_t bad = 0;
        for (int i = 0; i < 2000; i++)
            bad += out[i] != (nn_rng_bernoulli(&b, ps[k]) ? 2.5f : 0.0f);
        CHECK_EQ_INT(bad, 0);
        CHECK(nn_rng_u32(&a) == nn_rng_u32(&b)); /* the same number of draws */
    }
    /* the torch golden sequence, through the bulk form */
    size_t n;
    const uint8_t *want = gold_u8(&G, "bernoulli_seed5_p0.75", &n);
    nn_rng r;
    nn_rng_seed(&r, 5);
    float *m = malloc(n * sizeof(float));
    nn_rng_bernoulli_fill_f32(&r, m, n, 0.75, 1.0f);
    size_t bad = 0;
    for (size_t i = 0; want && i < n; i++)
        bad += (m[i] != 0.0f) != want[i];
    CHECK_EQ_INT(bad, 0);
    free(m);
}

static void test_randperm_matches_torch(void) {
    size_t n;
    const int32_t *want = gold_i32(&G, "randperm_seed9_n10000", &n);
    int64_t *p = malloc(60000 * sizeof *p);
    nn_rng r;
    nn_rng_seed(&r, 9);
    nn_rng_randperm(&r, p, (int64_t)n);
    size_t bad = 0;
    for (size_t i = 0; want && i < n; i++)
        bad += p[i] != want[i];
    CHECK_EQ_INT(bad, 0);
    const int64_t *sum = gold_i64(&G, "randperm_seed9_n60000_checksum", NULL);
    nn_rng_seed(&r, 9);
    nn_rng_randperm(&r, p, 60000);
    int64_t s = 0;
    char *seen = calloc(60000, 1);
    int dup = 0;
    for (int64_t i = 0; i < 60000; i++) {
        s += i * p[i];
        if (p[i] < 0 || p[i] >= 60000 || seen[p[i]]++)
            dup++;
    }
    CHECK_EQ_INT(dup, 0);
    CHECK(sum && s == sum[0]);
    /* edge cases: n = 0 and n = 1 draw nothing */
    nn_rng a = r;
    nn_rng_randperm(&r, p, 1);
    CHECK_EQ_INT(p[0], 0);
    nn_rng_randperm(&r, p, 0);
    CHECK(nn_rng_u32(&a) == nn_rng_u32(&r));
    free(seen);
    free(p);
}

static void test_state_is_plain_data(void) {
    nn_rng a, b;
    nn_rng_seed(&a, 2024);
    for (int i = 0; i < 1000; i++)
        nn_rng_u32(&a);
    b = a; /* a snapshot */
    for (int i = 0; i < 2000; i++)
        CHECK(nn_rng_u32(&a) == nn_rng_u32(&b));
    /* u64 is two u32 draws, the first one high */
    nn_rng_seed(&a, 8);
    nn_rng_seed(&b, 8);
    uint64_t hi = nn_rng_u32(&b), lo = nn_rng_u32(&b);
    CHECK(nn_rng_u64(&a) == ((hi << 32) | lo));
}

int main(void) {
    if (!gold_load(&G, "golden/nn/rng.gold"))
        return harness_summary();
    RUN(test_random_i64_matches_torch);
    RUN(test_seed_uses_low_32_bits);
    RUN(test_rand_f64_bit_exact);
    RUN(test_uniform_f32_bit_exact);
    RUN(test_bernoulli_matches_torch);
    RUN(test_bernoulli_fill_equals_single_draws);
    RUN(test_randperm_matches_torch);
    RUN(test_state_is_plain_data);
    gold_free(&G);
    return harness_summary();
}
