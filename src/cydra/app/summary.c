/*
 * summary.c - the sweep summary: when jobs return values (cy_task_result), a table on stdout
 * after the sweep and summary.csv in the sweep directory (written to a temporary name and
 * renamed), one row per job: number, overrides, status, value, directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher.h"

char *cy__csv_field(const char *s) {
    bool quote = strpbrk(s, ",\"\r\n") != NULL || (s[0] == ' ' || (*s && s[strlen(s) - 1] == ' '));
    size_t n = strlen(s);
    char *out = malloc(2 * n + 3);
    if (!out)
        abort();
    size_t k = 0;
    if (quote)
        out[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            out[k++] = '"';
        out[k++] = s[i];
    }
    if (quote)
        out[k++] = '"';
    out[k] = '\0';
    return out;
}

static const char *value_text(const cy__job *job, char buf[32]) {
    if (!job->has_value || (job->state != CY__JOB_COMPLETED && job->state != CY__JOB_RESUMED))
        return "";
    return cy_float_repr(job->value, buf);
}

static int write_csv(const cy__sweep *s, const cy__job *jobs, size_t n) {
    size_t len = strlen(s->sweep_dir) + 32;
    char *path = malloc(len), *tmp = malloc(len + 32);
    if (!path || !tmp)
        abort();
    snprintf(path, len, "%s/summary.csv", s->sweep_dir);
    snprintf(tmp, len + 32, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int rc = 0;
    if (!f) {
        rc = cy_error_set(CY_EIO, "OSError", "Cannot write '%s': %s", tmp, strerror(errno));
        goto done;
    }
    fputs("job,overrides,status,value,dir\n", f);
    for (size_t i = 0; i < n; i++) {
        char *line = cy__job_line(&jobs[i]);
        char *ov = cy__csv_field(line), *dir = cy__csv_field(jobs[i].dir ? jobs[i].dir : "");
        char buf[32];
        fprintf(f, "%zu,%s,%s,%s,%s\n", jobs[i].num, ov, cy__job_state_name(jobs[i].state),
                value_text(&jobs[i], buf), dir);
        free(line);
        free(ov);
        free(dir);
    }
    if (fflush(f) != 0 || ferror(f)) {
        rc = cy_error_set(CY_EIO, "OSError", "Cannot write '%s': %s", tmp, strerror(errno));
        fclose(f);
        unlink(tmp);
        goto done;
    }
    fclose(f);
    if (rename(tmp, path) < 0) {
        rc = cy_error_set(CY_EIO, "OSError", "Cannot rename '%s' to '%s': %s", tmp, path,
                          strerror(errno));
        unlink(tmp);
    }
done:
    free(path);
    free(tmp);
    return rc;
}

static size_t utf8_width(const char *s) {
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(const char *s, size_t width) {
    fputs(s, stdout);
    for (size_t w = utf8_width(s); w < width; w++)
        putchar(' ');
}

int cy__summary_write(const cy__sweep *s, const cy__job *jobs, size_t n) {
    bool any = false;
    for (size_t i = 0; i < n && !any; i++)
        any = jobs[i].has_value;
    if (!any)
        return 0;
    char **lines = calloc(n, sizeof *lines);
    if (!lines)
        abort();
    size_t w_num = 1, w_ov = strlen("overrides"), w_st = strlen("status");
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        lines[i] = cy__job_line(&jobs[i]);
        int l = snprintf(buf, sizeof buf, "%zu", jobs[i].num);
        if ((size_t)l > w_num)
            w_num = (size_t)l;
        if (utf8_width(lines[i]) > w_ov)
            w_ov = utf8_width(lines[i]);
        if (strlen(cy__job_state_name(jobs[i].state)) > w_st)
            w_st = strlen(cy__job_state_name(jobs[i].state));
    }
    printf("Sweep summary (%s):\n", s->sweep_dir);
    pad("#", w_num);
    fputs("  ", stdout);
    pad("overrides", w_ov);
    fputs("  ", stdout);
    pad("status", w_st);
    fputs("  value\n", stdout);
    for (size_t i = 0; i < n; i++) {
        char num[32], buf[32];
        snprintf(num, sizeof num, "%zu", jobs[i].num);
        for (size_t w = strlen(num); w < w_num; w++)
            putchar(' ');
        fputs(num, stdout);
        fputs("  ", stdout);
        pad(lines[i], w_ov);
        fputs("  ", stdout);
        const char *v = value_text(&jobs[i], buf);
        pad(cy__job_state_name(jobs[i].state), v[0] ? w_st : 0);
        if (v[0]) {
            fputs("  ", stdout);
            fputs(v, stdout);
        }
        putchar('\n');
        free(lines[i]);
    }
    free(lines);
    fflush(stdout);
    int rc = write_csv(s, jobs, n);
    if (rc < 0) {
        char *text = cy_error_text(cy_error_last());
        fprintf(stderr, "Cannot write the sweep summary: %s\n", text ? text : "");
        free(text);
        cy_error_clear();
    }
    return rc;
}
