/*
 * pyfmt.h - Python's number formatting, so messages and signatures read as torch's do.
 */
#ifndef NN_OPTIM_PYFMT_H
#define NN_OPTIM_PYFMT_H

#include <stdint.h>

/* Python's repr(float): shortest round-trip digits, "1.0", "1e-05", "0.0001", "inf", "nan".
 * buf must hold at least 32 bytes; returns buf. */
char *nn__py_float_repr(double x, char *buf);

/* Python's floor division and modulo on floats (float.__floordiv__ / __mod__); the divisor must be
 * non-zero. */
double nn__py_fmod(double x, double y);
double nn__py_floordiv(double x, double y);

/* Python's floor division and modulo on ints; b must be non-zero and (a, b) != (INT64_MIN, -1). */
int64_t nn__py_ifloordiv(int64_t a, int64_t b);
int64_t nn__py_imod(int64_t a, int64_t b);

#endif
