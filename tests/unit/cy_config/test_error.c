/*
 * test_error.c - the thread-local last error: codes, exception classes, key facts (first one
 * wins, as format_and_raise keeps the innermost), context lines and the text Hydra prints.
 */
#include "harness.h"

#include <pthread.h>

#include "cydra/error.h"
#include "cydra/node.h"

static void test_set_and_clear(void) {
    cy_error_clear();
    CHECK_EQ_INT(cy_error_last()->code, CY_OK);
    char *t = cy_error_text(cy_error_last());
    CHECK_STREQ(t, "");
    free(t);
    CHECK_EQ_INT(cy_error_set(CY_EVALIDATION, NULL, "bad %s %d", "value", 3), CY_EVALIDATION);
    const cy_error *e = cy_error_last();
    CHECK_STREQ(e->msg, "bad value 3");
    CHECK_STREQ(e->exc, "ValidationError"); /* default class of the code */
    CHECK(!e->has_key);
    CHECK_EQ_INT(cy_error_set(CY_EKEY, "ConfigAttributeError", "x"), CY_EKEY);
    CHECK_STREQ(cy_error_last()->exc, "ConfigAttributeError");
    cy_error_set_exc("ConfigKeyError");
    CHECK_STREQ(cy_error_last()->exc, "ConfigKeyError");
    /* a non-negative code still reports failure */
    CHECK_EQ_INT(cy_error_set(0, NULL, "oops"), CY_ERROR);
    cy_error_clear();
    CHECK_EQ_INT(cy_error_last()->code, 0);
    CHECK_EQ_INT(cy_error_at(NULL, "k"), 0); /* nothing to decorate */
    CHECK_EQ_INT(cy_error_wrap("ctx"), 0);
}

static void test_key_facts(void) {
    cy_arena *a = cy_arena_new();
    cy_node *root = cy_new_dict(a);
    cy_node *sub = cy_new_dict(a);
    static const cy_type sub_t = {.tag = CY_T_DICT, .optional = true, .elem = &cy_type_int};
    cy_node_set_type(sub, &sub_t);
    cy_dict_put(root, "sub", sub);
    cy_node *l = cy_new_list(a);
    cy_dict_put(sub, "l", l);

    cy_error_set(CY_EVALIDATION, NULL, "inner");
    CHECK_EQ_INT(cy_error_at(l, "3"), CY_EVALIDATION);
    CHECK_EQ_INT(cy_error_at(root, "other"), CY_EVALIDATION); /* the first one stays */
    const cy_error *e = cy_error_last();
    CHECK(e->has_key);
    CHECK_STREQ(e->full_key, "sub.l[3]");
    CHECK_STREQ(e->object_type, "list");
    CHECK(e->ref_type == NULL);
    char *t = cy_error_text(e);
    CHECK_STREQ(t, "inner\n    full_key: sub.l[3]\n    object_type=list");
    free(t);

    cy_error_set(CY_EKEY, "ConfigKeyError", "Key 'x' not found");
    cy_error_at(sub, "x");
    t = cy_error_text(cy_error_last());
    CHECK_STREQ(t, "Key 'x' not found\n    full_key: sub.x\n"
                   "    reference_type=Optional[Dict[str, int]]\n    object_type=dict");
    free(t);

    cy_error_set(CY_EKEY, NULL, "m");
    cy_error_at(NULL, "loose");
    t = cy_error_text(cy_error_last());
    CHECK_STREQ(t, "m\n    full_key: loose\n    object_type=None");
    free(t);

    cy_error_set(CY_EKEY, NULL, "m");
    cy_error_at_key("a.b", "MNISTConf", NULL);
    cy_error_wrap("Error merging override a.b=1");
    cy_error_wrap("Outer");
    t = cy_error_text(cy_error_last());
    CHECK_STREQ(t, "Outer\nError merging override a.b=1\nm\n    full_key: a.b\n"
                   "    object_type=MNISTConf");
    free(t);
    cy_arena_free(a);
}

static void *other_thread(void *arg) {
    (void)arg;
    /* each thread has its own last error */
    int fresh = cy_error_last()->code == 0;
    cy_error_set(CY_EIO, NULL, "thread");
    return (void *)(intptr_t)fresh;
}

static void test_thread_local(void) {
    cy_error_set(CY_EPARSE, NULL, "main");
    pthread_t th;
    void *ret;
    CHECK_EQ_INT(pthread_create(&th, NULL, other_thread, NULL), 0);
    pthread_join(th, &ret);
    CHECK(ret == (void *)1);
    CHECK_STREQ(cy_error_last()->msg, "main");
    cy_error_clear();
}

static void test_strerror(void) {
    CHECK_STREQ(cy_strerror(CY_OK), "success");
    CHECK_STREQ(cy_strerror(CY_EVALIDATION), "validation error");
    CHECK_STREQ(cy_strerror(CY_EINDEX), "index error");
    CHECK_STREQ(cy_strerror(-999), "unknown error");
    for (int c = CY_EINDEX; c <= CY_ERROR; c++) {
        cy_error_set(c, NULL, "x");
        CHECK(cy_error_last()->exc != NULL && cy_error_last()->exc[0]);
    }
    cy_error_clear();
}

int main(void) {
    RUN(test_set_and_clear);
    RUN(test_key_facts);
    RUN(test_thread_local);
    RUN(test_strerror);
    return harness_summary();
}
