#!/usr/bin/python3
"""Golden values for nn/expr.h: Python's own eval() of many expressions.

Writes tests/golden/optim/expr.txt, one case a line, tab-separated:
    <expression> TAB <epoch> TAB <kind>:<value>
kind is int, float (value is repr()), bool, or error (value is "<Exception>: <message>").
Hand-written cases cover the grammar's corners; a seeded generator adds random expressions,
keeping only those whose every int stays within 64 bits (the evaluator's documented limit).

Run with Debian's python3 (any Python 3.11 gives the same file): /usr/bin/python3 optim_expr.py
"""
import math
import os
import random
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'golden', 'optim', 'expr.txt')

ENV = {name: getattr(math, name) for name in (
    'exp expm1 log log2 log10 log1p sqrt sin cos tan asin acos atan atan2 sinh cosh tanh asinh '
    'acosh atanh pow fabs fmod hypot floor ceil trunc copysign degrees radians isnan isinf isfinite '
    'pi e tau inf nan').split()}
ENV.update(math=math, abs=abs, min=min, max=max, round=round, int=int, float=float, bool=bool)
ENV['__builtins__'] = {}

HAND = [
    "0.95 ** epoch", "lambda epoch: 0.95 ** epoch", "lambda e: e // 30", "1.0", "1", "epoch",
    "-2**2", "2**-1", "2**-2**2", "2**3**2", "(-2)**2", "-epoch**2", "--epoch", "-+-epoch", "~epoch",
    "~-epoch", "+True", "True + True", "True * 2.5", "not epoch", "not not epoch",
    "epoch / 3", "epoch // 3", "epoch % 3", "-epoch // 3", "-epoch % 3", "epoch // -3",
    "epoch % -3", "7.5 // 2", "-7.5 // 2", "7.5 % -2", "-7.5 % 2", "-0.0 % 5", "0.0 // -3",
    "1e300 * 1e300", "-1e300 * 1e300", "1e308 * 10 - 1e308 * 10", "epoch / 0", "epoch // 0",
    "epoch % 0", "1.0 / 0", "1.0 // 0.0", "1.5 % 0", "0 ** -1", "0.0 ** -1.5", "(-8) ** (1/3)",
    "(-8.0) ** 2.0", "(-8.0) ** -3", "10.0 ** 400", "10 ** 18", "2 ** 62", "2 ** 0", "0 ** 0",
    "0.0 ** 0", "(-1) ** 1001", "1 ** -1", "2 ** -1074", "2.0 ** -1080", "inf ** 0", "nan ** 0",
    "1 ** nan", "inf - inf", "nan == nan", "nan != nan", "inf > 1e308", "-inf < -1e308",
    "0.1 + 0.2", "0.1 + 0.2 == 0.3", "1 < 2 < 3", "3 > 2 > 2", "1 < epoch <= 10",
    "1 == 1.0", "1 != 1.0", "2 >= 2.0 > 1 == True", "epoch < 10 and 0.5 or 0.1",
    "0 and 1/0", "1 or 1/0", "0.0 or 0", "0 or 0.0", "1 and 2", "epoch and 2.5",
    "1 if epoch < 5 else 0.1", "1 if epoch else 2 if epoch - 1 else 3",
    "(1 if epoch > 3 else 2) * 10", "not 1 < 2", "not 1 == 2", "-(1 if True else 2)",
    "exp(1)", "exp(1000)", "exp(-1000)", "expm1(1e-10)", "log(0)", "log(-1)", "log(8, 2)",
    "log(100, 10)", "log(1, 1)", "log(2.5)", "log2(1024)", "log10(0.001)", "log1p(-1)",
    "log1p(1e-20)", "sqrt(2)", "sqrt(-1)", "sqrt(-0.0)", "cos(pi)", "sin(pi/6)", "tan(pi/4)",
    "cos(inf)", "sin(nan)", "asin(2)", "acos(-1)", "atan(inf)", "atan2(1, 0)", "atan2(-0.0, -1)",
    "sinh(1000)", "cosh(-1000)", "tanh(1000)", "asinh(1)", "acosh(0.5)", "atanh(1)", "atanh(0.5)",
    "pow(2, 10)", "pow(0, -1)", "pow(-8, 1/3)", "pow(10, 400)", "pow(2, 0.5)", "pow(-2, 3)",
    "fabs(-3)", "fmod(7, 3)", "fmod(-7, 3)", "fmod(1, 0)", "fmod(inf, 1)", "fmod(1, inf)",
    "hypot(3, 4)", "floor(2.5)", "floor(-2.5)", "floor(inf)", "floor(nan)", "floor(7)", "ceil(2.1)",
    "ceil(-2.1)", "trunc(-2.7)", "trunc(2.7)", "copysign(1, -0.0)", "degrees(pi)", "radians(180)",
    "isnan(nan)", "isinf(-inf)", "isfinite(1e308)", "abs(-3)", "abs(-3.5)", "abs(True)",
    "min(3, 1.0, 1)", "max(1, 1.0)", "max(2, 3.5, epoch)", "min(epoch, 10) / 10",
    "max(nan, 1)", "max(1, nan)", "min(1)", "round(2.5)", "round(3.5)", "round(-0.5)", "round(-2.5)",
    "round(0.125, 2)", "round(0.375, 2)", "round(2.675, 2)", "round(1234.5678, -2)", "round(1250, -2)",
    "round(1350, -2)", "round(-1250, -2)", "round(5, 2)", "round(inf)", "round(nan)", "round(1.5, 0)",
    "round(2.5, 0)", "int(2.9)", "int(-2.9)", "int(True)", "float(3)", "bool(0.0)", "bool(-1)",
    "math.exp(1)", "math.pi", "math.e", "math.tau", "math.inf", "math.nan", "math.floor(epoch / 7)",
    "pi * epoch", "e ** epoch", "0x1f", "0o17", "0b101", "1_000", "1_000.5", "1e3", "1E-3", ".5",
    "5.", "1.5e+2", "0", "00", "0.0e0", "1__0", "01", "1e", "1j", "1 +", "(1", "1)", "()",
    "(1, 2)", "epoch(1)", "foo", "foo(1)", "math.foo", "math", "1 = 1", "1 ! 2", "a", "1 ^ 2",
    "1 & 2", "1 << 2", "5 >> 1", "-5 >> 1", "1 << -1", "True & False", "True | 2", "6 ^ 3 & 5 | 8",
    "1 << 2 + 1", "1 | 2 == 3", "1.5 | 1", "~True", "1 << 62", "1 << 63", "2 >> 100", "None", "epoch if epoch", "lambda: 1", "lambda x, y: x", "lambda 1: 2",
    "1 if 2 else", "", "   ", "2 ** ", "exp()", "exp(1, 2)", "log(1, 2, 3)", "atan2(1)",
    "min()", "sqrt(4", "1 2", "epoch epoch", "not", "* 2", "1 +* 2", "1.2.3", "1e5e5", "2 ** 62 * 4",
    "2 ** 63", "9223372036854775807", "9223372036854775808", "-9223372036854775807 - 1",
    "(-9223372036854775807 - 1) // -1", "abs(-9223372036854775807 - 1)", "~1.5", "round(1.5, 1.5)",
    "1 in 2", "3 & epoch", "epoch >> 1", "epoch | 1", "[1]", "epoch @ 2", "max(1, 2, 3, 4, 5, 6, 7, 8)",
    "0.1 * 3", "1 - 0.9", "1 / 3", "2 / 3 * 3", "10 ** -2", "1e-320 / 1e10", "5e-324 / 2",
]
EPOCHS = [0, 1, 2, 3, 7, 10, 29, 30, 31, 100, -1, -5]


def run(expr, epoch):
    env = dict(ENV, epoch=epoch)
    src = expr
    try:
        if expr.strip().startswith('lambda'):
            fn = eval(expr, env)
            v = fn(epoch)  # as torch calls lr_lambda(last_epoch)
        else:
            v = eval(src, env)
    except SyntaxError:
        return 'error:SyntaxError'
    except Exception as ex:  # Python's own exception is the expected value
        return 'error:%s: %s' % (type(ex).__name__, ex)
    if isinstance(v, bool):
        return 'bool:%s' % v
    if isinstance(v, int):
        if not -2**63 <= v < 2**63:
            return 'error:OverflowError'
        return 'int:%d' % v
    if isinstance(v, float):
        return 'float:%r' % v
    return 'error:TypeError'


class Gen:
    """Random expressions over the grammar, with their values kept small enough."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def number(self):
        r = self.r
        c = r.random()
        if c < 0.35:
            return str(r.randint(0, 12))
        if c < 0.7:
            return repr(round(r.uniform(0, 5), r.randint(0, 4)))
        if c < 0.8:
            return r.choice(['0.5', '0.95', '1e-3', '2.5e1', '0.1', '3', '1', '0'])
        return 'epoch'

    def expr(self, depth):
        r = self.r
        if depth <= 0 or r.random() < 0.25:
            return self.number()
        c = r.random()
        if c < 0.40:
            op = r.choice(['+', '-', '*', '/', '//', '%', '**', '*', '+', '-'])
            a, b = self.expr(depth - 1), self.expr(depth - 1)
            if op == '**':
                b = r.choice(['2', '0.5', '-1', '3', 'epoch', '-0.5', '(epoch % 4)', b])
            return '%s %s %s' % (self.wrap(a), op, self.wrap(b))
        if c < 0.43:
            op = r.choice(['&', '|', '^', '<<', '>>'])
            a, b = self.expr(depth - 1), self.expr(depth - 1)
            if op in ('<<', '>>'):
                b = r.choice(['1', '2', '(epoch % 5)', '0'])
            return '%s %s %s' % (self.wrap(a), op, self.wrap(b))
        if c < 0.50:
            return r.choice(['-', '+', 'not ', '-']) + self.wrap(self.expr(depth - 1))
        if c < 0.60:
            ops = [r.choice(['<', '<=', '>', '>=', '==', '!=']) for _ in range(r.randint(1, 3))]
            parts = [self.wrap(self.expr(depth - 1))]
            for o in ops:
                parts += [o, self.wrap(self.expr(depth - 1))]
            return ' '.join(parts)
        if c < 0.68:
            return '%s %s %s' % (self.wrap(self.expr(depth - 1)), r.choice(['and', 'or']),
                                 self.wrap(self.expr(depth - 1)))
        if c < 0.76:
            return '%s if %s else %s' % (self.wrap(self.expr(depth - 1)), self.wrap(self.expr(depth - 1)),
                                         self.wrap(self.expr(depth - 1)))
        fn1 = ['exp', 'log', 'sqrt', 'cos', 'sin', 'tan', 'abs', 'floor', 'ceil', 'round', 'int',
               'float', 'fabs', 'atan', 'tanh', 'log2', 'log10', 'trunc', 'math.cos', 'math.exp']
        fn2 = ['pow', 'min', 'max', 'atan2', 'fmod', 'hypot', 'log', 'round', 'copysign']
        if r.random() < 0.6:
            return '%s(%s)' % (r.choice(fn1), self.expr(depth - 1))
        f = r.choice(fn2)
        b = self.expr(depth - 1)
        if f == 'round':
            b = str(r.randint(-2, 4))
        return '%s(%s, %s)' % (f, self.expr(depth - 1), b)

    def wrap(self, s):
        return '(%s)' % s if (' ' in s or s.startswith('-')) else s


def all_ints_small(expr, epoch):
    """True when no int in the evaluation leaves 64 bits (checked on every parenthesised part)."""
    import ast
    try:
        tree = ast.parse(expr, mode='eval')
    except SyntaxError:
        return True
    for node in ast.walk(tree):
        if isinstance(node, ast.expr):
            try:
                v = eval(compile(ast.Expression(node), '<e>', 'eval'), dict(ENV, epoch=epoch))
            except Exception:
                continue
            if isinstance(v, int) and not isinstance(v, bool) and not -2**62 <= v < 2**62:
                return False
            if isinstance(v, complex):
                return False
    return True


def main():
    lines = []
    for expr in HAND:
        for epoch in (EPOCHS if 'epoch' in expr or expr.startswith('lambda') else [3]):
            lines.append('%s\t%d\t%s' % (expr, epoch, run(expr, epoch)))
    g = Gen(20240601)
    n = 0
    while n < 3000:
        expr = g.expr(g.r.randint(1, 5))
        epoch = g.r.choice(EPOCHS)
        if not all_ints_small(expr, epoch):
            continue
        res = run(expr, epoch)
        if res in ('error:TypeError', 'error:OverflowError') or 'complex' in res:
            continue
        lines.append('%s\t%d\t%s' % (expr, epoch, res))
        n += 1
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        f.write('# expression\tepoch\texpected (python %d.%d eval)\n' % sys.version_info[:2])
        f.write('\n'.join(lines) + '\n')
    os.replace(tmp, OUT)
    print('wrote %d cases to %s' % (len(lines), os.path.normpath(OUT)))


if __name__ == '__main__':
    main()
