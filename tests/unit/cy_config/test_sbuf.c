/*
 * test_sbuf.c - cy_sbuf, the string buffer libcydra's modules share: growth over many appends,
 * printf output longer than the free space, ljust padding, take and finish_arena, and the
 * out-of-memory state (provoked with a length no allocation can satisfy).
 */
#include "harness.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cydra/config/sbuf.h"

static void test_many_appends(void) {
    cy_sbuf b = {0};
    char expect[20001];
    for (size_t i = 0; i < 10000; i++) {
        char c = (char)('a' + i % 26);
        if (i % 2)
            cy__sb_putc(&b, c);
        else
            cy__sb_putn(&b, &c, 1);
        expect[i] = c;
    }
    for (size_t i = 10000; i < 20000; i += 4)
        cy__sb_puts(&b, "wxyz");
    memset(expect + 10000, 0, 10001);
    for (size_t i = 10000; i < 20000; i += 4)
        memcpy(expect + i, "wxyz", 4);
    CHECK(!b.oom);
    CHECK_EQ_INT(b.len, 20000);
    CHECK(b.cap > b.len);
    CHECK_EQ_INT(b.s[b.len], '\0');
    CHECK(memcmp(b.s, expect, 20001) == 0);
    char *s = cy__sb_take(&b);
    CHECK(s && strlen(s) == 20000);
    CHECK(!b.s && b.len == 0 && b.cap == 0);
    free(s);
}

static void test_printf(void) {
    cy_sbuf b = {0};
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cy__sb_puts(&b, "head:");
    cy__sb_printf(&b, "%s|%d|%s", big, 42, "tail");
    char expect[5100];
    int n = snprintf(expect, sizeof expect, "head:%s|%d|%s", big, 42, "tail");
    CHECK_EQ_INT(b.len, n);
    CHECK_STREQ(b.s, expect);
    cy__sb_free(&b);
    CHECK(!b.s && b.len == 0);

    /* outputs of every length around the capacity boundaries, each after the previous */
    char ref[40000] = "";
    size_t rl = 0;
    for (int w = 0; w < 200; w++) {
        cy__sb_printf(&b, "%*d;", w, w);
        rl += (size_t)snprintf(ref + rl, sizeof ref - rl, "%*d;", w, w);
    }
    CHECK_EQ_INT(b.len, rl);
    CHECK_STREQ(b.s, ref);
    cy__sb_printf(&b, "%s", ""); /* nothing appended, still terminated */
    CHECK_EQ_INT(b.len, rl);
    CHECK_EQ_INT(b.s[b.len], '\0');
    cy__sb_free(&b);
}

static void test_pad(void) {
    cy_sbuf b = {0};
    cy__sb_pad(&b, "ab", 5);
    cy__sb_puts(&b, "|");
    cy__sb_pad(&b, "toolong", 3); /* never cut */
    cy__sb_puts(&b, "|");
    cy__sb_pad(&b, "h\xc3\xa9", 4); /* "hé": two code points, three bytes */
    cy__sb_puts(&b, "|");
    cy__sb_pad(&b, "", 0);
    cy__sb_pad(&b, "", 2);
    CHECK_STREQ(b.s, "ab   |toolong|h\xc3\xa9  |  ");
    cy__sb_free(&b);
}

static void test_take_empty(void) {
    cy_sbuf b = {0};
    char *s = cy__sb_take(&b);
    CHECK_STREQ(s, "");
    free(s);

    /* an empty append still gives a terminated, non-NULL s (callers read s directly) */
    cy__sb_puts(&b, "");
    CHECK(b.s != NULL);
    CHECK_STREQ(b.s, "");
    s = cy__sb_take(&b);
    CHECK_STREQ(s, "");
    free(s);
    s = cy__sb_take_or_abort(&b);
    CHECK_STREQ(s, "");
    free(s);
}

static void test_finish_arena(void) {
    cy_arena *a = cy_arena_new();
    cy_sbuf b = {0};
    cy__sb_puts(&b, "key");
    cy__sb_putc(&b, '.');
    cy__sb_printf(&b, "%d", 7);
    const char *r = cy__sb_finish_arena(&b, a);
    CHECK_STREQ(r, "key.7");
    CHECK(!b.s && b.len == 0);
    CHECK_STREQ(cy__sb_finish_arena(&b, a), "");
    cy_arena_free(a);
}

static void test_out_of_memory(void) {
    cy_sbuf b = {0};
    cy__sb_puts(&b, "kept");
    cy__sb_putn(&b, "", SIZE_MAX - 2); /* more than any allocation: the buffer runs out */
    CHECK(b.oom);
    CHECK_STREQ(b.s, "kept");
    cy__sb_puts(&b, "ignored");
    cy__sb_putc(&b, '!');
    cy__sb_printf(&b, "%d", 1);
    cy__sb_pad(&b, "x", 10);
    CHECK_EQ_INT(b.len, 4);
    CHECK(cy__sb_take(&b) == NULL);
    CHECK(!b.s && !b.oom && b.len == 0); /* reset: usable again */
    cy__sb_puts(&b, "again");
    CHECK_STREQ(b.s, "again");

    cy_arena *a = cy_arena_new();
    cy__sb_putn(&b, "", SIZE_MAX / 2);
    CHECK(cy__sb_finish_arena(&b, a) == NULL);
    CHECK(!b.s && !b.oom);
    cy_arena_free(a);

    /* callers without an error path abort rather than print truncated text */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        cy__sb_putn(&b, "", SIZE_MAX - 2);
        char *s = cy__sb_take_or_abort(&b);
        _exit(s ? 0 : 1);
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

int main(void) {
    RUN(test_many_appends);
    RUN(test_printf);
    RUN(test_pad);
    RUN(test_take_empty);
    RUN(test_finish_arena);
    RUN(test_out_of_memory);
    return harness_summary();
}
