/* Python's float repr and floor-division semantics (see pyfmt.h). */
#include "pyfmt.h"

#include "cydra/node.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *nn__py_float_repr(double x, char *buf) {
    return cy_float_repr(x, buf);
}

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
