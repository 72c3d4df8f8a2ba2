/*
 * test_override_golden.c - every record of tests/golden/override/overrides.txt (Hydra 1.3.2's
 * results for ~1000 overrides: parsed structure, renderings, sweep expansions or the exact error
 * text) must come out of Cydra's parser identically.
 *
 *   test_override_golden            run the golden test (from tests/, as ctest does)
 *   test_override_golden --canon    read escaped overrides from stdin, one per line, and print
 *                                   their records (for the differential test against Hydra)
 */
#include "harness.h"

#include "cy_override/canon.h"

static const char *golden_path = "golden/override/overrides.txt";

static void test_golden(void) {
    size_t len;
    char *text = harness_read_file(golden_path, &len);
    if (!text) {
        harness_fail(__FILE__, __LINE__, "cannot read %s", golden_path);
        return;
    }
    int records = 0, failures = 0;
    char *p = text;
    while (*p) {
        char *end = strstr(p, "\n\n");
        if (end)
            *end = '\0';
        if (strncmp(p, "in\t", 3) == 0) {
            char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p - 3) : strlen(p + 3);
            char *input = malloc(n + 1);
            memcpy(input, p + 3, n);
            input[n] = '\0';
            canon_unesc(input);
            canon_buf got = {0};
            canon_record(&got, input, 12345);
            /* the golden record has no trailing newline; ours ends in one */
            if (got.len && got.s[got.len - 1] == '\n')
                got.s[--got.len] = '\0';
            records++;
            if (strcmp(got.s, p) != 0) {
                failures++;
                if (failures <= 40)
                    harness_fail(__FILE__, __LINE__,
                                 "record differs\n--- expected (Hydra)\n%s\n"
                                 "--- got (Cydra)\n%s\n",
                                 p, got.s);
            }
            free(got.s);
            free(input);
        }
        if (!end)
            break;
        p = end + 2;
    }
    if (failures > 40)
        harness_fail(__FILE__, __LINE__, "... %d records differ in all", failures);
    printf("%d golden records, %d differ\n", records, failures);
    CHECK(records >= 400);
    free(text);
}

static int canon_mode(void) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            line[n - 1] = '\0';
        canon_unesc(line);
        canon_buf b = {0};
        canon_record(&b, line, 12345);
        fputs(b.s, stdout);
        fputs("\n", stdout);
        free(b.s);
    }
    free(line);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--canon") == 0)
        return canon_mode();
    if (argc > 1)
        golden_path = argv[1];
    RUN(test_golden);
    return harness_summary();
}
