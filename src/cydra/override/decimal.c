/*
 * decimal.c - just enough of Python's decimal module for Hydra's float ranges.
 *
 * FloatRange converts start, stop and step with Decimal(float) - exact, up to ~770 significant
 * digits - then adds step repeatedly in the default context (28 significant digits,
 * ROUND_HALF_EVEN) and yields float(Decimal) of each value, which is the double nearest to the
 * decimal. That is why range(0,1,0.1) gives 0.30000000000000004-free 0.3 at i=3 but
 * 0.7000000000000001 at i=7. Coefficients are plain decimal digit arrays: a sum of two doubles'
 * expansions never needs more than a few thousand digits.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PREC 28

void ov_dec_free(ov_dec *d) {
    free(d->digits);
    d->digits = NULL;
    d->ndig = 0;
}

static int set_digits(ov_dec *d, const uint8_t *lsb_first, size_t n) {
    while (n > 0 && lsb_first[n - 1] == 0)
        n--;
    uint8_t *digits = malloc(n ? n : 1);
    if (!digits)
        return -1;
    for (size_t i = 0; i < n; i++)
        digits[i] = lsb_first[n - 1 - i];
    free(d->digits);
    d->digits = digits;
    d->ndig = n;
    return 0;
}

/* little-endian digit array *= m (m <= 10) */
static size_t mul_small(uint8_t *a, size_t n, int m) {
    int carry = 0;
    for (size_t i = 0; i < n; i++) {
        int x = a[i] * m + carry;
        a[i] = (uint8_t)(x % 10);
        carry = x / 10;
    }
    while (carry) {
        a[n++] = (uint8_t)(carry % 10);
        carry /= 10;
    }
    return n;
}

int ov_dec_from_double(ov_dec *d, double v) {
    memset(d, 0, sizeof *d);
    d->sign = signbit(v) ? 1 : 0;
    if (isnan(v)) {
        d->special = 2;
        return 0;
    }
    if (isinf(v)) {
        d->special = 1;
        return 0;
    }
    if (v == 0)
        return 0;
    /* |v| = m * 2^e with m odd or e >= 0 (float.as_integer_ratio, reduced) */
    int e2;
    double f = frexp(fabs(v), &e2);
    uint64_t m = (uint64_t)ldexp(f, 53);
    int e = e2 - 53;
    while ((m & 1) == 0 && e < 0) {
        m >>= 1;
        e++;
    }
    uint8_t *a = calloc(1200, 1);
    if (!a)
        return -1;
    size_t n = 0;
    for (uint64_t x = m; x; x /= 10)
        a[n++] = (uint8_t)(x % 10);
    if (e >= 0) {
        for (int i = 0; i < e; i++)
            n = mul_small(a, n, 2);
        d->exp = 0;
    } else {
        /* m / 2^k = m * 5^k / 10^k */
        for (int i = 0; i < -e; i++)
            n = mul_small(a, n, 5);
        d->exp = e;
    }
    int rc = set_digits(d, a, n);
    free(a);
    return rc;
}

int ov_dec_from_int(ov_dec *d, int64_t v) {
    memset(d, 0, sizeof *d);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    d->sign = v < 0;
    uint8_t a[24];
    size_t n = 0;
    for (; u; u /= 10)
        a[n++] = (uint8_t)(u % 10);
    return set_digits(d, a, n);
}

/* |a| vs |b| for finite values: -1, 0, 1. */
static int cmp_abs(const ov_dec *a, const ov_dec *b) {
    if (a->ndig == 0 || b->ndig == 0)
        return (a->ndig != 0) - (b->ndig != 0);
    int64_t aa = (int64_t)a->exp + (int64_t)a->ndig, ab = (int64_t)b->exp + (int64_t)b->ndig;
    if (aa != ab)
        return aa < ab ? -1 : 1;
    size_t n = a->ndig > b->ndig ? a->ndig : b->ndig;
    for (size_t i = 0; i < n; i++) {
        int x = i < a->ndig ? a->digits[i] : 0, y = i < b->ndig ? b->digits[i] : 0;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

int ov_dec_sign(const ov_dec *d) {
    if (d->special == 2)
        return -2;
    if (d->special == 0 && d->ndig == 0)
        return 0;
    return d->sign ? -1 : 1;
}

int ov_dec_cmp(const ov_dec *a, const ov_dec *b) {
    if (a->special == 2 || b->special == 2)
        return -2;
    int sa = ov_dec_sign(a), sb = ov_dec_sign(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    int c;
    if (a->special || b->special)
        c = (a->special != 0) - (b->special != 0);
    else
        c = cmp_abs(a, b);
    return sa < 0 ? -c : c;
}

int ov_dec_add(ov_dec *r, const ov_dec *a, const ov_dec *b) {
    if (a->special == 2 || b->special == 2) {
        ov_dec_free(r);
        r->special = 2;
        r->sign = 0;
        return 0;
    }
    if (a->special == 1 || b->special == 1) {
        if (a->special == 1 && b->special == 1 && a->sign != b->sign)
            return -2; /* Infinity + -Infinity: InvalidOperation */
        int sign = a->special == 1 ? a->sign : b->sign;
        ov_dec_free(r);
        r->special = 1;
        r->sign = sign;
        return 0;
    }
    int32_t emin = a->exp < b->exp ? a->exp : b->exp;
    /* little-endian aligned coefficients */
    size_t la = a->ndig + (size_t)(a->exp - emin), lb = b->ndig + (size_t)(b->exp - emin);
    size_t n = (la > lb ? la : lb) + 2;
    uint8_t *x = calloc(n, 1), *y = calloc(n, 1);
    if (!x || !y) {
        free(x);
        free(y);
        return -1;
    }
    for (size_t i = 0; i < a->ndig; i++)
        x[(size_t)(a->exp - emin) + i] = a->digits[a->ndig - 1 - i];
    for (size_t i = 0; i < b->ndig; i++)
        y[(size_t)(b->exp - emin) + i] = b->digits[b->ndig - 1 - i];
    int sign;
    if (a->sign == b->sign) {
        int carry = 0;
        for (size_t i = 0; i < n; i++) {
            int s = x[i] + y[i] + carry;
            x[i] = (uint8_t)(s % 10);
            carry = s / 10;
        }
        sign = a->sign;
    } else {
        int c = cmp_abs(a, b);
        if (c < 0) {
            uint8_t *t = x;
            x = y;
            y = t;
        }
        int borrow = 0;
        for (size_t i = 0; i < n; i++) {
            int s = x[i] - y[i] - borrow;
            borrow = s < 0;
            x[i] = (uint8_t)(s + (borrow ? 10 : 0));
        }
        /* an exact zero from opposite signs is +0 (the default rounding is not ROUND_FLOOR) */
        sign = c == 0 ? 0 : c < 0 ? b->sign : a->sign;
    }
    size_t len = n;
    while (len > 0 && x[len - 1] == 0)
        len--;
    int32_t exp = emin;
    if (len > PREC) {
        /* round half even to PREC digits */
        size_t drop = len - PREC;
        int first = x[drop - 1];
        int rest_nonzero = 0;
        for (size_t i = 0; i + 1 < drop; i++)
            if (x[i]) {
                rest_nonzero = 1;
                break;
            }
        int up = first > 5 || (first == 5 && (rest_nonzero || (x[drop] & 1)));
        memmove(x, x + drop, len - drop);
        len -= drop;
        x[len] = 0;
        exp += (int32_t)drop;
        if (up) {
            size_t i = 0;
            while (i < len && x[i] == 9)
                x[i++] = 0;
            if (i == len)
                x[len++] = 1;
            else
                x[i]++;
            if (len > PREC) { /* 999..9 rounded up to 1000..0: one digit too many */
                memmove(x, x + 1, len - 1);
                len--;
                exp++;
            }
        }
    }
    if (len == 0)
        sign = a->sign && b->sign;
    int rc = set_digits(r, x, len);
    r->special = 0;
    r->sign = sign;
    r->exp = exp;
    free(x);
    free(y);
    return rc;
}

double ov_dec_to_double(const ov_dec *d) {
    if (d->special == 2)
        return d->sign ? -NAN : NAN;
    if (d->special == 1)
        return d->sign ? -INFINITY : INFINITY;
    if (d->ndig == 0)
        return d->sign ? -0.0 : 0.0;
    if ((int64_t)d->exp + (int64_t)d->ndig > 400)
        return d->sign ? -INFINITY : INFINITY;
    if ((int64_t)d->exp + (int64_t)d->ndig < -400)
        return d->sign ? -0.0 : 0.0;
    char *s = malloc(d->ndig + 32);
    if (!s)
        return NAN;
    size_t k = 0;
    if (d->sign)
        s[k++] = '-';
    for (size_t i = 0; i < d->ndig; i++)
        s[k++] = (char)('0' + d->digits[i]);
    sprintf(s + k, "e%d", (int)d->exp);
    double v = strtod(s, NULL);
    free(s);
    return v;
}

void ov_dec_str(cy_sbuf *b, const ov_dec *d) {
    if (d->sign)
        cy__sb_putc(b, '-');
    if (d->special == 2) {
        cy__sb_puts(b, "NaN");
        return;
    }
    if (d->special == 1) {
        cy__sb_puts(b, "Infinity");
        return;
    }
    /* Decimal.__str__ (to-sci-string) */
    size_t n = d->ndig ? d->ndig : 1;
    int64_t leftdigits = (int64_t)d->exp + (int64_t)n;
    int64_t dotplace = (d->exp <= 0 && leftdigits > -6) ? leftdigits : 1;
#define DIGIT(i) (d->ndig ? (char)('0' + d->digits[i]) : '0')
    if (dotplace <= 0) {
        cy__sb_puts(b, "0.");
        for (int64_t i = 0; i < -dotplace; i++)
            cy__sb_putc(b, '0');
        for (size_t i = 0; i < n; i++)
            cy__sb_putc(b, DIGIT(i));
    } else if ((size_t)dotplace >= n) {
        for (size_t i = 0; i < n; i++)
            cy__sb_putc(b, DIGIT(i));
        for (int64_t i = (int64_t)n; i < dotplace; i++)
            cy__sb_putc(b, '0');
    } else {
        for (size_t i = 0; i < (size_t)dotplace; i++)
            cy__sb_putc(b, DIGIT(i));
        cy__sb_putc(b, '.');
        for (size_t i = (size_t)dotplace; i < n; i++)
            cy__sb_putc(b, DIGIT(i));
    }
#undef DIGIT
    if (leftdigits != dotplace)
        cy__sb_printf(b, "E%+lld", (long long)(leftdigits - dotplace));
}
