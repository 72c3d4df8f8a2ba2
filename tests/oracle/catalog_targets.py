"""Python twins of the targets tests/unit/cy_instantiate/test_instantiate_golden.c registers in C.

tests/oracle/catalog_instantiate.py instantiates configs naming these (catalog_targets.Point, ...)
with real Hydra; the C test registers targets of the same names and signatures and replays the
cases. Every target returns a Rec whose repr is the call as made, so results compare as text:
Point(x=1, y=2), add(a=[1, Point(x=0, y=2)], b=1).
"""


class Rec:
    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def _rec(name, **kw):
    return Rec('%s(%s)' % (name, ', '.join('%s=%r' % (k, v) for k, v in kw.items())))


class Point:
    def __init__(self, x, y=2):
        self.text = repr(_rec('Point', x=x, y=y))

    def __repr__(self):
        return self.text


class Empty:
    def __init__(self):
        self.text = 'Empty()'

    def __repr__(self):
        return self.text


class Box:
    """A class whose arguments have no defaults."""

    def __init__(self, width, height, depth):
        self.text = repr(_rec('Box', width=width, height=height, depth=depth))

    def __repr__(self):
        return self.text


def add(a, b=1):
    return _rec('add', a=a, b=b)


def three(a, b, c):
    return _rec('three', a=a, b=b, c=c)


def only(a):
    return _rec('only', a=a)


def record(**kwargs):
    """A callable without a signature (a C target registered without one)."""
    return _rec('record', **kwargs)


def fail(x, why='bad'):
    """Raises ValueError for negative x, with a message holding both kinds of quote."""
    if x < 0:
        raise ValueError("x must be >= 0, it's %r (\"%s\")" % (x, why))
    return _rec('fail', x=x, why=why)
