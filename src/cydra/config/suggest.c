/*
 * suggest.c - "Did you mean ...?": the closest candidate to a misspelt name.
 */
#include <string.h>

#include "cydra/error.h"

/* Optimal string alignment distance (Levenshtein plus adjacent transpositions) with three rolling
 * rows; longer strings than this are never suggested. */
#define MAX_LEN 128

static size_t osa_distance(const char *s, const char *t) {
    size_t n = strlen(s), m = strlen(t);
    if (n > MAX_LEN || m > MAX_LEN)
        return (size_t)-1;
    size_t rows[3][MAX_LEN + 1];
    size_t *pp = rows[0], *p = rows[1], *c = rows[2];
    for (size_t j = 0; j <= m; j++)
        p[j] = j;
    for (size_t i = 1; i <= n; i++) {
        c[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = s[i - 1] == t[j - 1] ? 0 : 1;
            size_t best = p[j] + 1;
            if (c[j - 1] + 1 < best)
                best = c[j - 1] + 1;
            if (p[j - 1] + cost < best)
                best = p[j - 1] + cost;
            if (i > 1 && j > 1 && s[i - 1] == t[j - 2] && s[i - 2] == t[j - 1] &&
                pp[j - 2] + 1 < best)
                best = pp[j - 2] + 1;
            c[j] = best;
        }
        size_t *tmp = pp;
        pp = p;
        p = c;
        c = tmp;
    }
    return p[m];
}

void cy_suggest_init(cy_suggest *sg, const char *word) {
    size_t limit = strlen(word) / 3;
    sg->word = word;
    sg->best = NULL;
    sg->best_d = (size_t)-1;
    sg->limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
}

void cy_suggest_add(cy_suggest *sg, const char *cand) {
    if (!cand || strcmp(cand, sg->word) == 0)
        return;
    size_t d = osa_distance(sg->word, cand);
    if (d <= sg->limit && d < sg->best_d) {
        sg->best = cand;
        sg->best_d = d;
    }
}

const char *cy_suggest_closest(const char *word, const char *const *candidates, size_t n) {
    cy_suggest sg;
    cy_suggest_init(&sg, word);
    for (size_t i = 0; i < n; i++)
        cy_suggest_add(&sg, candidates[i]);
    return sg.best;
}
