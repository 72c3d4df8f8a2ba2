/*
 * test_net.c - the tutorial's MNIST net against torch 1.13 (golden/nn/net_*.gold): initial
 * weights bit for bit, dropout masks (through the outputs they produce), forward log-probs,
 * losses and every parameter gradient, in eval and train mode; and bit-identical results for
 * 1, 2 and 3 threads.
 *
 * Tolerances: log-probs and losses within 5e-6 absolute + 1e-5 relative. A gradient tensor g
 * within 2e-5 * max|g| absolute + 1e-4 relative per element: PyTorch (oneDNN) and we sum the
 * 288- and 576-term and batch-long reductions in different orders, so elements that nearly
 * cancel differ by a few ulps of the tensor's scale. Measured (printed per tensor): log-probs
 * within 2.4e-7, gradients within 2e-6 * max|g|, with OpenBLAS's Prescott, Haswell and
 * SkylakeX kernels alike - ten times inside the tolerances.
 */
#include "harness.h"

#include "golden.h"
#include "nn/error.h"
#include "nn/net.h"
#include "nn/threads.h"

#define LOGP_ATOL       5e-6
#define LOGP_RTOL       1e-5
#define GRAD_SCALE_ATOL 2e-5
#define GRAD_RTOL       1e-4
#define FC1_STRIDE      97

static gold_file D, S;
static nn_conv_algo g_algo = NN_CONV_AUTO; /* conv2's algorithm in the default-net tests */

static const char *const names[8] = {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                     "fc1.weight",   "fc1.bias",   "fc2.weight",   "fc2.bias"};

/* Compares the net's gradients with prefix's golden ones (fc1.weight either in full or as
 * every 97th element plus row sums). */
static void check_grads(const gold_file *g, const char *prefix, nn_net *net, int full_fc1) {
    int np;
    nn_param *p = nn_net_params(net, &np);
    CHECK_EQ_INT(np, 8);
    char key[96];
    for (int i = 0; i < 8; i++) {
        CHECK_STREQ(p[i].name, names[i]);
        size_t n = p[i].value.numel;
        if (i == 4 && !full_fc1) {
            size_t ns, nr;
            snprintf(key, sizeof key, "%s%s.sub97", prefix, names[i]);
            const float *sub = gold_f32(g, key, &ns);
            float *mine = malloc(ns * sizeof(float));
            for (size_t k = 0; k < ns; k++)
                mine[k] = p[i].grad[k * FC1_STRIDE];
            double tol = GRAD_SCALE_ATOL * max_abs(sub, ns);
            double md = check_close(mine, sub, ns, tol, GRAD_RTOL, key);
            printf("  %-30s max|diff| %.3g (scale %.3g)\n", key, md, max_abs(sub, ns));
            free(mine);
            snprintf(key, sizeof key, "%s%s.rowsum", prefix, names[i]);
            const float *rs = gold_f32(g, key, &nr);
            const int64_t cols = p[i].value.shape[1];
            float *sums = malloc(nr * sizeof(float));
            for (size_t r = 0; r < nr; r++) {
                double s = 0.0;
                for (int64_t c = 0; c < cols; c++)
                    s += p[i].grad[r * cols + c];
                sums[r] = (float)s;
            }
            check_close(sums, rs, nr, GRAD_SCALE_ATOL * max_abs(rs, nr), GRAD_RTOL, key);
            free(sums);
            continue;
        }
        size_t nw;
        snprintf(key, sizeof key, "%s%s", prefix, names[i]);
        const float *want = gold_f32(g, key, &nw);
        CHECK_EQ_INT(nw, n);
        double md =
            check_close(p[i].grad, want, n, GRAD_SCALE_ATOL * max_abs(want, n), GRAD_RTOL, key);
        printf("  %-30s max|diff| %.3g (scale %.3g)\n", key, md, max_abs(want, n));
    }
}

/* forward + backward of a golden case; the net is left as the case leaves torch's model */
static void run_case(const gold_file *g, const char *prefix, nn_net *net, const float *x,
                     const int32_t *labels, int n, int train, nn_reduction red, int full_fc1) {
    char key[96];
    float *logp = malloc((size_t)n * 10 * sizeof(float));
    float loss = NAN;
    nn_net_set_training(net, train);
    CHECK_EQ_INT(nn_net_forward(net, logp, x, n), NN_OK);
    CHECK_EQ_INT(nn_net_backward(net, &loss, labels, red), NN_OK);
    snprintf(key, sizeof key, "%slogp", prefix);
    double md =
        check_close(logp, gold_f32(g, key, NULL), (size_t)n * 10, LOGP_ATOL, LOGP_RTOL, key);
    printf("  %-30s max|diff| %.3g\n", key, md);
    snprintf(key, sizeof key, "%sloss", prefix);
    const float *wl = gold_f32(g, key, NULL);
    if (wl)
        CHECK_CLOSE(loss, wl[0], LOGP_ATOL, LOGP_RTOL);
    check_grads(g, prefix, net, full_fc1);
    free(logp);
}

static nn_net *default_net(nn_rng *rng, nn_dropout_kind kind) {
    nn_net_opts o = NN_NET_OPTS_INIT;
    o.dropout1_kind = kind;
    o.conv2_algo = g_algo;
    nn_net *net = NULL;
    nn_rng_seed(rng, 1);
    CHECK_EQ_INT(nn_net_create(&net, &o, rng), NN_OK);
    return net;
}

static void test_init_bit_identical_to_torch(void) {
    nn_rng rng;
    nn_net *net = default_net(&rng, NN_DROPOUT2D);
    if (!net)
        return;
    int np;
    nn_param *p = nn_net_params(net, &np);
    char key[96];
    for (int i = 0; i < np; i++) {
        snprintf(key, sizeof key, "init.%s.fnv1a", names[i]);
        const int64_t *h = gold_i64(&D, key, NULL);
        CHECK(h && fnv1a64_f32(p[i].value.data, p[i].value.numel) == h[0]);
        if (i == 4)
            continue;
        snprintf(key, sizeof key, "init.%s", names[i]);
        CHECK(memcmp(p[i].value.data, gold_f32(&D, key, NULL), p[i].value.numel * 4) == 0);
    }
    /* the shapes and the one-block layout */
    CHECK_EQ_INT(p[2].value.shape[0], 64);
    CHECK_EQ_INT(p[2].value.shape[1], 32);
    CHECK_EQ_INT(p[4].value.shape[1], 9216);
    CHECK_EQ_INT(nn_net_flat_features(net), 9216);
    size_t nw, ng;
    float *w = nn_net_param_block(net, &nw), *g = nn_net_grad_block(net, &ng);
    CHECK_EQ_INT(nw, 288 + 32 + 18432 + 64 + 1179648 + 128 + 1280 + 10);
    CHECK_EQ_INT(ng, nw);
    size_t off = 0;
    for (int i = 0; i < np; i++) {
        CHECK(p[i].value.data == w + off);
        CHECK(p[i].grad == g + off);
        off += p[i].value.numel;
    }
    CHECK(nn_net_is_training(net));
    CHECK(nn_net_memory_bytes(net) > 2 * nw * sizeof(float));
    nn_net_free(net);
    /* no generator: the net seeds its own from opts.seed */
    nn_net_opts o = NN_NET_OPTS_INIT;
    CHECK_EQ_INT(o.seed, 1);
    CHECK_EQ_INT(nn_net_create(&net, &o, NULL), NN_OK);
    p = nn_net_params(net, &np);
    CHECK(fnv1a64_f32(p[4].value.data, p[4].value.numel) ==
          gold_i64(&D, "init.fc1.weight.fnv1a", NULL)[0]);
    nn_net_free(net);
}

static void test_input_normalisation(void) {
    size_t n;
    const uint8_t *img = gold_u8(&D, "images", &n);
    const float *x = gold_f32(&D, "x", NULL);
    float *mine = malloc(n * sizeof(float));
    nn_normalize_u8(mine, img, n, NN_MNIST_MEAN, NN_MNIST_STD);
    CHECK(memcmp(mine, x, n * sizeof(float)) == 0);
    free(mine);
}

static void test_eval_mode_matches_torch(void) {
    nn_rng rng;
    nn_net *net = default_net(&rng, NN_DROPOUT2D);
    const float *x = gold_f32(&D, "x", NULL);
    size_t nl;
    const int32_t *labels = gold_i32(&D, "labels", &nl);
    nn_rng before = rng;
    run_case(&D, "eval_mean.", net, x, labels, (int)nl, 0, NN_REDUCTION_MEAN, 0);
    run_case(&D, "eval_sum.", net, x, labels, (int)nl, 0, NN_REDUCTION_SUM, 0);
    CHECK(memcmp(&before, &rng, sizeof rng) == 0); /* eval mode draws nothing */
    nn_net_free(net);
}

static void test_train_mode_masks_and_grads_match_torch(void) {
    nn_rng rng;
    nn_net *net = default_net(&rng, NN_DROPOUT2D);
    const float *x = gold_f32(&D, "x", NULL);
    size_t nl;
    const int32_t *labels = gold_i32(&D, "labels", &nl);
    run_case(&D, "train_mean.", net, x, labels, (int)nl, 1, NN_REDUCTION_MEAN, 0);
    run_case(&D, "train2_sum.", net, x, labels, (int)nl, 1, NN_REDUCTION_SUM, 0);
    nn_net_free(net);
    net = default_net(&rng, NN_DROPOUT);
    run_case(&D, "train_dropout.", net, x, labels, (int)nl, 1, NN_REDUCTION_MEAN, 0);
    nn_net_free(net);
}

static void test_train_step_equals_forward_backward(void) {
    nn_rng r1, r2;
    nn_net *a = default_net(&r1, NN_DROPOUT2D), *b = default_net(&r2, NN_DROPOUT2D);
    const float *x = gold_f32(&D, "x", NULL);
    size_t nl, nw;
    const int32_t *labels = gold_i32(&D, "labels", &nl);
    float la, lb;
    CHECK_EQ_INT(nn_net_train_step(a, &la, x, labels, (int)nl, NN_REDUCTION_MEAN), NN_OK);
    CHECK_EQ_INT(nn_net_forward(b, NULL, x, (int)nl), NN_OK);
    CHECK_EQ_INT(nn_net_backward(b, &lb, labels, NN_REDUCTION_MEAN), NN_OK);
    CHECK(la == lb);
    CHECK_CLOSE(la, gold_f32(&D, "train_mean.loss", NULL)[0], LOGP_ATOL, LOGP_RTOL);
    float *ga = nn_net_grad_block(a, &nw), *gb = nn_net_grad_block(b, NULL);
    CHECK(memcmp(ga, gb, nw * sizeof(float)) == 0);
    nn_net_free(a);
    nn_net_free(b);
}

static void test_evaluate_large_batch_in_chunks(void) {
    nn_rng rng;
    nn_net *net = default_net(&rng, NN_DROPOUT);
    size_t n;
    const uint8_t *img = gold_u8(&D, "eval70.images", &n);
    const int32_t *labels = gold_i32(&D, "eval70.labels", NULL);
    float *x = malloc(n * sizeof(float)), *logp = malloc(70 * 10 * sizeof(float));
    nn_normalize_u8(x, img, n, NN_MNIST_MEAN, NN_MNIST_STD);
    /* torch evaluated the seed-1 weights (its train-mode pass before took no optimizer step) */
    nn_net_set_training(net, 0);
    CHECK_EQ_INT(nn_net_forward(net, logp, x, 70), NN_OK); /* 64 + 6 */
    check_close(logp, gold_f32(&D, "eval70.logp", NULL), 700, LOGP_ATOL, LOGP_RTOL, "eval70.logp");
    /* 70 > max_batch: nothing kept to go back through */
    CHECK_EQ_INT(nn_net_backward(net, NULL, labels, NN_REDUCTION_MEAN), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "no forward pass") != NULL);
    nn_net_set_training(net, 1);
    double sum = 0;
    int64_t correct = -1;
    nn_rng before = rng;
    CHECK_EQ_INT(nn_net_evaluate(net, &sum, &correct, x, labels, 70), NN_OK);
    CHECK(memcmp(&before, &rng, sizeof rng) == 0);
    CHECK(nn_net_is_training(net));
    CHECK_CLOSE(sum, gold_f32(&D, "eval70.loss_sum", NULL)[0], 1e-3, 1e-5);
    CHECK_EQ_INT(correct, gold_i64(&D, "eval70.correct", NULL)[0]);
    int32_t bad[70];
    memcpy(bad, labels, sizeof bad);
    bad[69] = 10;
    CHECK_EQ_INT(nn_net_evaluate(net, &sum, &correct, x, bad, 70), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "label 10 of image 69") != NULL);
    free(x);
    free(logp);
    nn_net_free(net);
}

static void test_configured_small_net_full_grads(void) {
    nn_net_opts o = NN_NET_OPTS_INIT;
    o.conv1_out_channels = 4;
    o.conv2_out_channels = 6;
    o.maxpool1_kernel_size = 3;
    o.dropout1_prob = 0.3;
    o.dropout2_prob = 0.4;
    o.fc_hidden_features = 16;
    o.max_batch = 8;
    nn_rng rng;
    nn_rng_seed(&rng, 123);
    nn_net *net;
    CHECK_EQ_INT(nn_net_create(&net, &o, &rng), NN_OK);
    CHECK_EQ_INT(nn_net_flat_features(net), 6 * 8 * 8);
    int np;
    nn_param *p = nn_net_params(net, &np);
    char key[64];
    for (int i = 0; i < np; i++) {
        snprintf(key, sizeof key, "init.%s", names[i]);
        size_t n;
        const float *want = gold_f32(&S, key, &n);
        CHECK(want && n == p[i].value.numel &&
              memcmp(p[i].value.data, want, n * sizeof(float)) == 0);
    }
    size_t nl;
    const float *x = gold_f32(&S, "x", NULL);
    const int32_t *labels = gold_i32(&S, "labels", &nl);
    run_case(&S, "train_sum.", net, x, labels, (int)nl, 1, NN_REDUCTION_SUM, 1);
    run_case(&S, "eval_mean.", net, x, labels, (int)nl, 0, NN_REDUCTION_MEAN, 1);
    nn_net_free(net);
}

/* Three training steps (with dropout) and an evaluation; returns a heap copy of everything. */
static float *run_with_threads(int threads, size_t *len) {
    CHECK_EQ_INT(nn_threads_init(threads), NN_OK);
    CHECK_EQ_INT(nn_threads_count(), threads);
    nn_rng rng;
    nn_net_opts o = NN_NET_OPTS_INIT;
    o.max_batch = 19; /* an odd batch: a partial group of 4 */
    o.conv2_algo = g_algo;
    nn_rng_seed(&rng, 7);
    nn_net *net;
    CHECK_EQ_INT(nn_net_create(&net, &o, &rng), NN_OK);
    size_t nw;
    float *w = nn_net_param_block(net, &nw), *g = nn_net_grad_block(net, NULL);
    float *x = malloc(19 * 784 * sizeof(float));
    int32_t labels[19];
    nn_rng data;
    nn_rng_seed(&data, 99);
    for (int i = 0; i < 19 * 784; i++)
        x[i] = nn_rng_uniform_f32(&data, -0.5f, 2.5f);
    for (int i = 0; i < 19; i++)
        labels[i] = (int32_t)(nn_rng_u32(&data) % 10);
    float *out = malloc((nw + 64) * sizeof(float));
    for (int step = 0; step < 3; step++) {
        float loss;
        CHECK_EQ_INT(nn_net_train_step(net, &loss, x, labels, 19, NN_REDUCTION_MEAN), NN_OK);
        for (size_t i = 0; i < nw; i++) /* plain SGD, so later steps depend on earlier grads */
            w[i] -= 0.05f * g[i];
        out[nw + step] = loss;
    }
    memcpy(out, g, nw * sizeof(float));
    double sum;
    int64_t correct;
    CHECK_EQ_INT(nn_net_evaluate(net, &sum, &correct, x, labels, 19), NN_OK);
    out[nw + 3] = (float)sum;
    out[nw + 4] = (float)correct;
    *len = nw + 5;
    free(x);
    nn_net_free(net);
    return out;
}

static void test_bit_identical_across_thread_counts(void) {
    size_t n1, n2, n3;
    float *a = run_with_threads(1, &n1);
    float *b = run_with_threads(2, &n2);
    float *c = run_with_threads(3, &n3);
    CHECK_EQ_INT(n1, n2);
    CHECK_EQ_INT(n1, n3);
    CHECK(memcmp(a, b, n1 * sizeof(float)) == 0);
    CHECK(memcmp(a, c, n1 * sizeof(float)) == 0);
    /* and the run did learn something: the loss changed */
    CHECK(a[n1 - 5] != a[n1 - 3]);
    free(a);
    free(b);
    free(c);
    nn_threads_init(0);
}

static void test_errors(void) {
    nn_net *net = (nn_net *)1;
    nn_net_opts o = NN_NET_OPTS_INIT;
    o.maxpool1_kernel_size = 16;
    CHECK_EQ_INT(nn_net_create(&net, &o, NULL), NN_EINVAL);
    CHECK(net == NULL);
    CHECK(strstr(nn_error_last(), "maxpool1_kernel_size=16") != NULL);
    o = (nn_net_opts)NN_NET_OPTS_INIT;
    o.dropout2_prob = -0.1;
    CHECK_EQ_INT(nn_net_create(&net, &o, NULL), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "dropout2_prob") != NULL);
    o = (nn_net_opts)NN_NET_OPTS_INIT;
    o.conv2_out_channels = 0;
    CHECK_EQ_INT(nn_net_create(&net, &o, NULL), NN_EINVAL);
    o = (nn_net_opts)NN_NET_OPTS_INIT;
    o.dropout1_kind = (nn_dropout_kind)7;
    CHECK_EQ_INT(nn_net_create(&net, &o, NULL), NN_EINVAL);
    o = (nn_net_opts)NN_NET_OPTS_INIT;
    o.max_batch = 0;
    CHECK_EQ_INT(nn_net_create(&net, &o, NULL), NN_EINVAL);
    o = (nn_net_opts)NN_NET_OPTS_INIT;
    o.maxpool1_kernel_size = 3;
    o.conv2_algo = NN_CONV_WINOGRAD; /* Winograd's tiles are the 2x2 pool windows */
    CHECK_EQ_INT(nn_net_create(&net, &o, NULL), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "needs maxpool1_kernel_size=2") != NULL);
    o.conv2_algo = (nn_conv_algo)9;
    CHECK_EQ_INT(nn_net_create(&net, &o, NULL), NN_EINVAL);

    o = (nn_net_opts)NN_NET_OPTS_INIT;
    o.max_batch = 2;
    CHECK_EQ_INT(nn_net_create(&net, &o, NULL), NN_OK);
    float x[3 * 784] = {0};
    int32_t labels[3] = {1, 2, 3};
    float loss;
    CHECK_EQ_INT(nn_net_backward(net, &loss, labels, NN_REDUCTION_MEAN), NN_EINVAL);
    CHECK_EQ_INT(nn_net_train_step(net, &loss, x, labels, 3, NN_REDUCTION_MEAN), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "exceeds max_batch=2") != NULL);
    CHECK_EQ_INT(nn_net_forward(net, NULL, x, 3), NN_EINVAL); /* training mode */
    CHECK_EQ_INT(nn_net_forward(net, NULL, x, 0), NN_EINVAL);
    labels[1] = 12;
    CHECK_EQ_INT(nn_net_train_step(net, &loss, x, labels, 2, NN_REDUCTION_MEAN), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "target 12 of row 1") != NULL);
    labels[1] = 2;
    CHECK_EQ_INT(nn_net_train_step(net, &loss, x, labels, 2, NN_REDUCTION_MEAN), NN_OK);
    CHECK(isfinite(loss));
    nn_net_free(net);
    nn_net_free(NULL);
}

static void test_set_rng(void) {
    /* a net created with an outside generator can switch to its own (seeded with opts.seed)
     * and back; masks then follow whichever generator is current */
    nn_net_opts o = NN_NET_OPTS_INIT;
    o.max_batch = 2;
    o.seed = 5;
    nn_rng outside;
    nn_rng_seed(&outside, 77);
    nn_net *a, *b;
    CHECK_EQ_INT(nn_net_create(&a, &o, &outside), NN_OK);
    CHECK_EQ_INT(nn_net_create(&b, &o, NULL), NN_OK); /* draws its init from its own seed 5 */
    float x[2 * 784];
    for (int i = 0; i < 2 * 784; i++)
        x[i] = (float)(i % 17) / 8.0f - 0.5f;
    int32_t labels[2] = {3, 8};
    /* give a b's weights, then both draw masks from a generator seeded with 5 */
    size_t nw;
    float *wa = nn_net_param_block(a, &nw);
    memcpy(wa, nn_net_param_block(b, NULL), nw * sizeof(float));
    nn_rng five;
    nn_rng_seed(&five, 5);
    nn_net_set_rng(a, &five);
    nn_rng fresh_b;
    nn_rng_seed(&fresh_b, 5);
    nn_net_set_rng(b, &fresh_b);
    float la, lb;
    CHECK_EQ_INT(nn_net_train_step(a, &la, x, labels, 2, NN_REDUCTION_SUM), NN_OK);
    CHECK_EQ_INT(nn_net_train_step(b, &lb, x, labels, 2, NN_REDUCTION_SUM), NN_OK);
    CHECK(la == lb);
    CHECK(memcmp(nn_net_grad_block(a, NULL), nn_net_grad_block(b, NULL), nw * sizeof(float)) == 0);
    nn_net_set_rng(a, NULL); /* a's own generator: seeded with 5, never drawn from */
    nn_net_set_rng(b, NULL); /* b's own: seed 5, advanced by its initialisation */
    CHECK_EQ_INT(nn_net_train_step(a, &la, x, labels, 2, NN_REDUCTION_SUM), NN_OK);
    CHECK(isfinite(la));
    nn_net_free(a);
    nn_net_free(b);
}

static void test_dropout_p1_and_p0(void) {
    /* p = 1 zeroes everything after the pooling and draws nothing; p = 0 draws nothing */
    nn_net_opts o = NN_NET_OPTS_INIT;
    o.dropout1_prob = 1.0;
    o.dropout2_prob = 0.0;
    o.max_batch = 3;
    nn_rng rng;
    nn_rng_seed(&rng, 4);
    nn_net *net;
    CHECK_EQ_INT(nn_net_create(&net, &o, &rng), NN_OK);
    float x[3 * 784];
    for (int i = 0; i < 3 * 784; i++)
        x[i] = (float)(i % 29) / 10.0f;
    int32_t labels[3] = {0, 5, 9};
    nn_rng before = rng;
    float loss;
    CHECK_EQ_INT(nn_net_train_step(net, &loss, x, labels, 3, NN_REDUCTION_SUM), NN_OK);
    CHECK(memcmp(&before, &rng, sizeof rng) == 0);
    int np;
    nn_param *p = nn_net_params(net, &np);
    for (int i = 0; i < 5; i++) /* nothing reaches conv1/conv2/fc1.weight */
        for (size_t k = 0; k < p[i].value.numel; k++)
            if (p[i].grad[k] != 0.0f) {
                CHECK(p[i].grad[k] == 0.0f);
                break;
            }
    nn_net_free(net);
}

int main(void) {
    if (!gold_load(&D, "golden/nn/net_default.gold") || !gold_load(&S, "golden/nn/net_small.gold"))
        return harness_summary();
    RUN(test_init_bit_identical_to_torch);
    RUN(test_input_normalisation);
    /* conv2 both ways: Winograd F(2x2, 3x3) (the default for a 2x2 pool) and im2col */
    const nn_conv_algo algos[2] = {NN_CONV_WINOGRAD, NN_CONV_IM2COL};
    for (int a = 0; a < 2; a++) {
        g_algo = algos[a];
        printf("conv2_algo = %s\n", a == 0 ? "winograd" : "im2col");
        RUN(test_eval_mode_matches_torch);
        RUN(test_train_mode_masks_and_grads_match_torch);
        RUN(test_train_step_equals_forward_backward);
        RUN(test_evaluate_large_batch_in_chunks);
        RUN(test_bit_identical_across_thread_counts);
    }
    g_algo = NN_CONV_AUTO;
    RUN(test_configured_small_net_full_grads); /* a 3x3 pool: im2col */
    RUN(test_errors);
    RUN(test_set_rng);
    RUN(test_dropout_p1_and_p0);
    gold_free(&D);
    gold_free(&S);
    return harness_summary();
}
