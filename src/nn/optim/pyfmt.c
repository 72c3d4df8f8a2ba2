/* Python's float repr and floor-division semantics (see pyfmt.h). */
#include "pyfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *nn__py_float_repr(double x, char *buf) {
    if (isnan(x)) {
        strcpy(buf, "nan");
        return buf;
    }
    if (isinf(x)) {
        strcpy(buf, x < 0 ? "-inf" : "inf");
        return buf;
    }
    /* Shortest digits that read back as x: the first precision whose correctly rounded %e form
     * round-trips, which is what Python's repr picks. */
    char tmp[40];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, x);
        if (strtod(tmp, NULL) == x)
            break;
    }
    /* tmp is "[-]d.ddde[+-]xx": collect the digits and the decimal exponent. */
    const char *s = tmp;
    int neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    char digits[24];
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.')
            digits[nd++] = *s;
    int exp10 = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int decpt = exp10 + 1; /* x = 0.d1d2... * 10^decpt */
    char *o = buf;
    if (neg)
        *o++ = '-';
    if (x == 0) {
        strcpy(o, "0.0");
        return buf;
    }
    if (decpt <= -4 || decpt > 16) {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (decpt <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -decpt; i++)
            *o++ = '0';
        memcpy(o, digits, (size_t)nd);
        o[nd] = '\0';
    } else if (decpt < nd) {
        memcpy(o, digits, (size_t)decpt);
        o += decpt;
        *o++ = '.';
        memcpy(o, digits + decpt, (size_t)(nd - decpt));
        o[nd - decpt] = '\0';
    } else {
        memcpy(o, digits, (size_t)nd);
        o += nd;
        for (int i = nd; i < decpt; i++)
            *o++ = '0';
        strcpy(o, ".0");
    }
    return buf;
}

/* CPython's float_divmod, which both // and % follow. */
static void py_divmod(double vx, double wx, double *floordiv, double *mod_out) {
    double mod = fmod(vx, wx);
    double div = (vx - mod) / wx;
    if (mod) {
        if ((wx < 0) != (mod < 0)) {
            mod += wx;
            div -= 1.0;
        }
    } else {
        mod = copysign(0.0, wx);
    }
    double fd;
    if (div) {
        fd = floor(div);
        if (div - fd > 0.5)
            fd += 1.0;
    } else {
        fd = copysign(0.0, vx / wx);
    }
    *floordiv = fd;
    *mod_out = mod;
}

double nn__py_fmod(double x, double y) {
    double d, m;
    py_divmod(x, y, &d, &m);
    return m;
}

double nn__py_floordiv(double x, double y) {
    double d, m;
    py_divmod(x, y, &d, &m);
    return d;
}

int64_t nn__py_ifloordiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int64_t nn__py_imod(int64_t a, int64_t b) {
    int64_t m = a % b;
    if (m != 0 && ((m < 0) != (b < 0)))
        m += b;
    return m;
}
