#!/usr/bin/env python3
"""Golden values for Cydra's override parser, from real Hydra 1.3.2 (the oracle).

    /usr/bin/python3 tests/oracle/override_golden.py [--out FILE]
        writes tests/golden/override/overrides.txt (every input of inputs() below); Hydra's
        sources are taken from HYDRA_ORACLE (default /work/oracle/hydra)
    ... override_golden.py --stdin
        reads escaped inputs, one per line, and prints their records (used by the
        differential test tests/py/test_override_grammar_diff.py)

One record per input, lines "tag<TAB>text", records separated by a blank line:

    in      the override (escaped: \\\\ \\n \\t \\r)
    err     OverrideParseException.message (the whole text Hydra prints)
    ok      TYPE  key_or_group  package(~ for None)  VALUE_TYPE(None when no value)
    val     repr of Override._value (tags of sweeps sorted: Python's set has no order)
    py      repr of Override.value()                        (non-sweeps)
    str     get_value_element_as_str()  or !ExceptionName   (non-sweeps)
    strsp   get_value_element_as_str(space_after_sep=True)  (non-sweeps)
    keyel   get_key_element()
    sweep   sweep_string_iterator(): O|S (ordered/shuffled: sorted), count (+ when cut at 50),
            the strings; or !n<TAB>Exception: message after n strings

Glob sweeps are matched against GLOB_NAMES. Inputs whose result is random (shuffle of a
list) or that Cydra rejects on purpose (integers beyond int64) are left out; the C tests cover
those separately.
"""
import itertools
import os
import random
import sys

HYDRA = os.environ.get("HYDRA_ORACLE", "/work/oracle/hydra")
if HYDRA not in sys.path:
    sys.path.insert(0, HYDRA)

from hydra.core.override_parser.overrides_parser import OverridesParser  # noqa: E402
from hydra.core.override_parser.types import (  # noqa: E402
    ChoiceSweep,
    Glob,
    IntervalSweep,
    QuotedString,
    RangeSweep,
    ValueType,
)
from hydra.errors import OverrideParseException  # noqa: E402

GLOB_NAMES = ["a", "ab", "abc", "b", "ba", "bar", "baz", "foo", "foo_bar", "school", "support",
              "warehouse", "x.y", "[x]", "a b", "a,b", "-dash", "Caps", "caf\u00e9"]

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "golden", "override", "overrides.txt")


def esc(s):
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def unesc(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def tags(t):
    return "set()" if not t else "{" + ", ".join(repr(x) for x in sorted(t)) + "}"


def canon(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return repr(v)
    if isinstance(v, QuotedString):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(canon(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{canon(k)}: {canon(x)}" for k, x in v.items()) + "}"
    if isinstance(v, ChoiceSweep):
        return (f"ChoiceSweep(tags={tags(v.tags)}, list={canon(v.list)}, "
                f"simple_form={v.simple_form}, shuffle={v.shuffle})")
    if isinstance(v, RangeSweep):
        return (f"RangeSweep(tags={tags(v.tags)}, start={canon(v.start)}, stop={canon(v.stop)}, "
                f"step={canon(v.step)}, shuffle={v.shuffle})")
    if isinstance(v, IntervalSweep):
        return f"IntervalSweep(tags={tags(v.tags)}, start={canon(v.start)}, end={canon(v.end)})"
    if isinstance(v, Glob):
        return f"Glob(include={canon(v.include)}, exclude={canon(v.exclude)})"
    raise TypeError(type(v))


def big_int(v):
    """Does v hold an integer Cydra cannot represent (int64)?"""
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return not (-(2 ** 63) <= v < 2 ** 63)
    if isinstance(v, (list, tuple)):
        return any(big_int(x) for x in v)
    if isinstance(v, dict):
        return any(big_int(k) or big_int(x) for k, x in v.items())
    if isinstance(v, ChoiceSweep):
        return big_int(v.list)
    if isinstance(v, RangeSweep):
        return big_int([v.start, v.stop, v.step])
    if isinstance(v, IntervalSweep):
        return big_int([v.start, v.end])
    return False


class Loader:
    def get_group_options(self, *args, **kwargs):
        return list(GLOB_NAMES)


PARSER = OverridesParser.create()


def sweep_line(o):
    v = o._value
    shuffled = isinstance(v, (ChoiceSweep, RangeSweep)) and v.shuffle
    limit = 1001 if shuffled else 51
    items = []
    try:
        for x in o.sweep_string_iterator():
            items.append(x)
            if len(items) >= limit:
                break
    except Exception as e:  # noqa: BLE001 - the oracle's exception is the expected value
        return f"sweep\t!{len(items)}\t{type(e).__name__}: {esc(str(e))}"
    if shuffled:
        items.sort()
    more = len(items) > 50
    items = items[:50]
    return ("sweep\t" + ("S" if shuffled else "O") + "\t" + ("+" if more else "") +
            str(len(items)) + "".join("\t" + esc(x) for x in items))


def record(s):
    """The record of one input, or None when the input is not usable as a golden case."""
    lines = ["in\t" + esc(s)]
    try:
        o = PARSER.parse_overrides([s])[0]
    except OverrideParseException as e:
        lines.append("err\t" + esc(e.message))
        return "\n".join(lines)
    except RecursionError:
        return None
    if big_int(o._value):
        return None
    o.config_loader = Loader()
    vt = "None" if o.value_type is None else o.value_type.name
    pkg = "~" if o.package is None else esc(o.package)
    lines.append(f"ok\t{o.type.name}\t{esc(o.key_or_group)}\t{pkg}\t{vt}")
    lines.append("val\t" + esc(canon(o._value)))
    if not o.is_sweep_override():
        lines.append("py\t" + esc(canon(o.value())))
        for tag, sp in (("str", False), ("strsp", True)):
            try:
                lines.append(f"{tag}\t" + esc(o.get_value_element_as_str(space_after_sep=sp)))
            except Exception as e:  # noqa: BLE001
                lines.append(f"{tag}\t!{type(e).__name__}")
    lines.append("keyel\t" + esc(o.get_key_element()))
    if o.value_type in (ValueType.CHOICE_SWEEP, ValueType.SIMPLE_CHOICE_SWEEP,
                        ValueType.GLOB_CHOICE_SWEEP, ValueType.RANGE_SWEEP):
        lines.append(sweep_line(o))
    return "\n".join(lines)


def stable_record(s):
    """record(s) if it does not depend on the random generator, else None."""
    if "shuffle" not in s:
        return record(s)
    results = set()
    for seed in range(6):
        random.seed(seed)
        results.add(record(s))
    return results.pop() if len(results) == 1 else None


# ------------------------------------------------------------------------------------------------
# Inputs

def inputs():
    out = []
    add = out.extend

    # Keys and override types (basic grammar page).
    add(["foo.bar=value", "+foo.bar=value", "++foo.bar=value", "~foo.bar", "~foo.bar=value",
         "db=mysql", "server/db=mysql", "+db=mysql", "+server/db=mysql", "~db", "~db=mysql",
         "~server/db", "~server/db=mysql", "hydra/launcher=basic", "group@pkg=x",
         "group@pkg1:pkg2=x", "group@=x", "@pkg=x", "@=x", "=5", "+=1", "++=1", "~=1",
         "a/b@c.d=1", "a/b/c@d=1", "$db=1", "a.$b.c=1", "a-b.c_d=1", "a.0.b=1", "0.1=1",
         "a.1_000=1", "_x=1", "x@$p=1", "x@a.b=1", "hydra.run.dir=o", "hydra/job_logging=none",
         "key", "~key=", "key=", "+key=", "++key=", "~", "+", "++", "", "=", "@", "~@",
         "a..b=1", "a.=1", ".a=1", "a/=1", "/a=1", "a//b=1", "a/b.c=1", "a@b@c=1", "a@b/c=1",
         "01.2=1", "a.01=1", "1=1", "+~a=1", "~+a=1", "+++a=1", ":a=1", "a:b=1", "x y=1",
         "epochs =3", " epochs=3", "epochs= 3", "epochs=3 ", "x=\t3\t", "x=\t", "x= ",
         "caf\u00e9=1", "x=caf\u00e9", "x='caf\u00e9'", "x=${caf\u00e9}"])

    # Primitives.
    add(["x=abc", "x=abc123", "x=abc-123", "x=a b c\t-\t1 2 3", "x= abc-123 ", "x=123abc",
         "x=null", "x=NULL", "x=Null", "x=nulls", "x=true", "x=True", "x=TRUE", "x=trUe",
         "x=false", "x=FALSE", "x=faLse", "x=truex", "x=1", "x=+1", "x=-1", "x=0", "x=-0",
         "x=007", "x=0_7", "x=1_000", "x=1__0", "x=1___0___", "x=1_", "x=_1",
         "x=9223372036854775807", "x=-9223372036854775808", "x=0.51", "x=10e0", "x=+inf",
         "x=inf", "x=-inf", "x=INF", "x=Inf", "x=nan", "x=NaN", "x=-nan", "x=infinity",
         "x=inf-x", "x=.5", "x=5.", "x=-.5", "x=+5.", "x=1e-3", "x=1E3", "x=1e+3", "x=1.e5",
         "x=1_000.5", "x=1_0.0_1e1_0", "x=1e5_0", "x=.5e-3", "x=1.5.3", "x=1e", "x=1e-",
         "x=00.5", "x=0x10", "x=1.50", "x=1e16", "x=1e15", "x=123456789012345678.0",
         "x=0.1", "x=1e-05", "x=1e-4", "x=0.0001", "x=2.5e-300", "x=1e308", "x=1e309",
         "x=5e-324", "x=1.7976931348623157e308", "x=0.30000000000000004", "x=.", "x=/",
         "x=-", "x=\\", "x=+", "x=$", "x=%", "x=*", "x=@", "x=?", "x=|", "x=a.b", "x=a/b",
         "x=a-b_c", "x=$foo", "x=%d", "x=*.pt", "x=a@b", "x=a|b", "x=c:\\foo\\a-b.txt",
         "x=:", "x=a:b", "x=a : b", "x=http://x.y/z?a", "x=-a", "x=+a", "x=1 2",
         "x=a  b", "x=\ta", "x=a\t"])

    # Escapes in unquoted values.
    add(["x=a\\,b", "x=a\\:b", "x=a\\=b", "x=\\ ab", "x=ab\\\t", "x=ab\\\\", "x=\\,",
         "x=f\\(a\\, b\\)", "x=\\[a\\, b\\]", "x=\\{a\\: b\\}", "x=$\\{foo.bar\\}",
         "x=\\${seed}", "x=\\\\${seed}", "x=a\\b", "x=a\\'b", "x=\\", "x=a\\", "x=\\\\\\\\",
         "x=\\)", "x=\\(\\)", "x=job\\{a\\=1\\,b\\=2\\,c\\=3\\}", "x=A[B", "x=A\\[B",
         "x=a\\ ", "x=\\ ", "x=\\  a", "x=a \\ "])

    # Quoted strings.
    add(["x='hello there'", 'x="hello there"', "x='escaped \\'single quote\\''",
         'x="escaped \\"double quote\\""', "x='the path is C:\\\\\\'some folder\\'\\\\'",
         'x="the path is C:\\\\\\"some folder\\"\\\\"', "x='1,2,3'", 'x="1,2,3"',
         "x='{a:10} ${xyz}'", 'x="{a:10} ${xyz}"', "x='\"double quoted string\"'",
         'x="\'single quoted string\'"', "x=''", 'x=""', "x='\\\\'", 'x="\\\\\\\\"',
         "x='abc\\\\'", 'x="abc\\\\\\"def\\\\\\\'ghi\\\\\\\\"', "x='a\\b'", "x='a\\\\b'",
         "x='a\\\\\\b'", "x='a\\\\'b'", "x='a", 'x="a', "x='a' ", "x= 'a'", "x='a'b",
         "x='a''b'", "x=a'b'", "x='it''s'", 'x="it\'s"', "x='a\\'", "x='\\''", "x='${a}'",
         "x=\"${a.b}\"", "x='${get_dir: {root: /root, name: ${name}}}'", "x='a\nb'",
         "x='\\n'", "x='caf\u00e9 \u00fc'", "x='\u4e2d\u6587'", "x='\U0001F600'",
         "x='tab\there'", "x='a,b',c", "x=\"a b\"", "x='${seed}.pt'"])

    # Interpolations.
    add(["x=${foo.bar}", "x=${oc.env:USER,me}", "x=${f:USER,root}", "x=${f.g:USER,root}",
         "x=xyz_${a.b.c}", "x=${a}${b}", "x=${a} ${b}", "x=${seed}.pt", "x=${}", "x=${",
         "x=${a", "x=${a${b}}", "x=${oc.env:${y}}", "x=${.rho}", "x=${..a}", "x=$ {a}",
         "x=${a}b}", "x=${ a }", "x=${oc.select:a,[1,2]}", "x=${a:'b'}", "x=${a}${",
         "x=${a},${b}", "x=${a}, ${b}, ${c}"])

    # Lists and dicts.
    add(["x=[]", "x=[1]", "x=[1,2,3]", "x=[1 ]", "x=[1, 2, 3]", "x=[ 1 , 2 ]", "x=[a,[b,[c]]]",
         "x=[1,[2,3],[]]", "x=[{a:1}]", "x=['a b']", "x=['[a,b]']", "x=[null,true,1.5,abc]",
         "x=[[[[1]]]]", "x=[1,", "x=[1,,2]", "x=[,1]", "x=[1", "x=[1]]", "x=]", "x=[",
         "x=[1 2]", "x=[a'b']", "x=[a=1]", "x=[a:b]", "x=[${a}]", "x=[f(1)]", "x=[\\,]",
         "x={}", "x={a:10,b:20}", "x={a:10, b:20}", "x={ a : 10 }", "x={a:{b:[1,2]},c:null}",
         "x={1:a}", "x={1:a,true:b,1.0:c}", "x={nan:1,nan:2}", "x={a:1,a:2}", "x={a b:1}",
         "x={null:1}", "x={true:1}", "x={1.5:1}", "x={-1:1}", "x={a.b:1}", "x={a-b:1}",
         "x={$a:1}", "x={\\,:1}", "x={'a':1}", "x={a:'b'}", "x={a}", "x={a:}", "x={a:1,}",
         "x={:1}", "x={a:1", "x={a:1}}", "x={a:[1,{b:2}]}", "x={a:b:c}", "x={a:${x}}",
         "x={${a}:1}", "x={a::1}", "x={a:1,b}", "x={0:0,-0:1,0.0:2,false:3}",
         "x={inf:1,-inf:2}", "x=[{a:1},{b:2}]", "x={a:{}}", "x={a:[]}", "x=[{}]",
         "x={a :1}", "x={a: 1}", "x={a:1 }", "x={a=1}"])

    # Simple choice sweeps.
    add(["x=a,b", "x=1,2,3", "x=1, 2, 3", "x=a , b", "x='a,b','c,d'", "x=\"a,b\",\"c,d\"",
         "x=[a,b],[c,d]", "x={a:10, b:20},{c:30,d:40}", "x=a,", "x=,a", "x=a,,b",
         "x=true,false", "x=null,1", "x=1.5,2.5", "x='a b',c", "x=a\\,b,c", "x=${seed}.pt,x.pt",
         "x='a,b',c", "x=a b,c d", "x=choice(a,b),c", "x=a,choice(b,c)", "x=[choice(1,2)]",
         "x=a,b]", "x=a,[b", "x=a,b)", "x=a,'b'c", "x=a,{b}", "x=1,f(a]", "x=1,f(a",
         "x=1,[a'b']", "x=1,[a'b'", "x=1,[c,a'b'", "x=1,{a'b':1}", "x=1,{a:1'b'}",
         "x=1,{a:1,'b'}", "x=1,(", "x=1,)", "x=1,=", "x=1,2=3", "x=1,[1,,2]",
         "x=1,[1", "x=1,{a", "x=1,{a}", "x=1,f(", "x=1,f(]", "x=1,f(a,", "x=1,f(a=", "x=1,f(=1)",
         "x=1,f(a=1,b)", "~x=1,2", "+x=1,2", "++x=a,b", "x=a,b,c,d,e,f,g", "x='',\"\""])

    # Syntax errors around the top level.
    add(["x=1=2", "x=1)", "x=)", "x=(", "x==1", "x= =1", "x=a(", "x=ab c(", "x=f(x", "x=f)",
         "x=f()", "x=f( )", "x=f(1,)", "x=f(,1)", "x=[1]x", "x={a:1}x", "x='a'[1]",
         "x=a[1]", "x=a{", "x=1'a'", "x=(1)", "x=a=b", "x=f(a)(b)", "x=f(a)b", "x=f(a),",
         "x=f(a)=", "x=[1],", "x=[1]=", "x=\n", "x=a\nb", "x=a\rb", "x=a\x7fb",
         "x=\u00e9", "x=a\u00e9", "x=[\u00e9]", "x=1,\u00e9", "x=[1,\u00e9", "x=[1,2]]\u00e9",
         "x=1,a]\u00e9", "x=[1,]\u00e9", "x=f(a]\u00e9", "x\u00e9=1", "~x\u00e9", "x=a'",
         "x=[a,'b", "x=1,'a", "x=${a}}", "x=}", "x={", "x=a}", "x=a]", "x=[}", "x={]",
         "x=[1}", "x={a:1]", "x=f(a}", "x=f(a]", "x=[f(a]]", "x={a:f(]}", "x=f(a=1,2)",
         "x=f(a=1,b=2,3)", "x=f(a=)", "x=f(a==1)", "x=f(=)", "x=f('a'=1)", "x=f(1=1)"])

    # Functions: casts.
    add(["x=int(10.0)", "x=str(10.0)", "x=bool(10.0)", "x=float(10)", "x=float(float(10))",
         "x=int(3.14)", "x=int(value=3.14)", "x=float(10)", "x=str(10)", "x=bool(1)",
         "x=float(range(1,10))", "x=str([1,2,3])", "x=str({a:10})", "x=int(3.7)", "x=int(-3.7)",
         "x=str(3)", "x=str(true)", "x=str(false)", "x=str(null)", "x=int(null)", "x=float(null)",
         "x=bool(null)", "x=int(abc)", "x=float(abc)", "x=bool(abc)", "x=int('10')",
         "x=int('10.0')", "x=float('10.0')", "x=int(' 12 ')", "x=int('1_000')", "x=int('_1')",
         "x=int('1__0')", "x=int('+5')", "x=int('-0')", "x=int('')", "x=float('')",
         "x=bool('')", "x=float(' 1_0.5e1_0 ')", "x=float('infinity')", "x=float('-inf')",
         "x=float('nan')", "x=float('1e')", "x=float('.')", "x=float('1_.5')", "x=float('.5')",
         "x=float('5.')", "x=int(inf)", "x=int(nan)", "x=int(-inf)", "x=int(1e18)",
         "x=float(inf)", "x=str(inf)", "x=str(nan)", "x=str(-inf)", "x=bool(inf)",
         "x=bool(nan)", "x=bool(0.0)", "x=bool(0)", "x=bool(-0.0)", "x=str(1e6)",
         "x=int(1e6)", "x=float(1e6)", "x=bool(1e6)", "x=int(true)", "x=int(false)",
         "x=float(true)", "x=bool(true)", "x=bool('true')", "x=bool('TRUE')", "x=bool('false')",
         "x=bool('yes')", "x=int('true')", "x=str('true')", "x=int([])", "x=int([0,1,2])",
         "x=float([0,1,2])", "x=str([0,1,2])", "x=bool([0,1,2])", "x=int([1,[2]])",
         "x=float([1,[2]])", "x=str([1,[2]])", "x=bool([1,[2]])", "x=int([a,1])",
         "x=str([a,1])", "x=int({})", "x=int({a:10})", "x=float({a:10})", "x=str({a:10})",
         "x=bool({a:10})", "x=int({a:[0,1,2]})", "x=float({a:[0,1,2]})",
         "x=int({a:10,b:xyz})", "x=str({a:10,b:xyz})", "x=int(choice(0,1))",
         "x=float(choice(0,1))", "x=str(choice(0,1))", "x=bool(choice(0,1))",
         "x=int(choice(a,b))", "x=str(choice(a,b))", "x=int(choice(1,a))",
         "x=int(interval(1.0, 2.0))", "x=float(interval(1, 2))", "x=str(interval(1,2))",
         "x=bool(interval(1,2))", "x=int(range(1,10))", "x=float(range(1,10))",
         "x=int(range(1.0,10.0))", "x=str(range(1,10))", "x=bool(range(1,10))",
         "x=int(1,2)", "x=int(1,2,value=3)", "x=int(value=null)", "x=int()",
         "x=int(value=1,value=2)", "x=int(valu=1)", "x=float(glob(a))",
         "x=float(value=glob(a))", "x=int([glob(a)])", "x=bool([glob(a)])",
         "x=int([null])", "x=bool([null])", "x=int(1,choice(1))", "x=int(choice(1),2)",
         "x=str(['a',\"b\"])", "x=int(['1'])", "x=int('\u0663')", "x=int('12345678901234567890123')",
         "x=str(tag(a,choice(1,2)))", "x=int(tag(a,interval(1,2)))",
         "x=int(shuffle(choice(1,2)))", "x=float(1,2,3)", "x=str(1.0,2)", "x=bool(1,0)",
         "x=int(choice([1,2]))", "x=int(choice(choice(1,2),3))", "x=str({1:2})",
         "x=float(' nan ')", "x=float('1e500')", "x=int('٣')", "x=str(0.1)", "x=str(1e-7)",
         "x=float('  -1.5e-3  ')", "x=int('\t7\n')", "x=float('- 1')", "x=int('1 0')",
         "x=str(abc)", "x=str('a b')", "x=str(${a})", "x=str(${a},b)", "x=int(${a})",
         "x=int('x'*3)", "x=int(-9223372036854775808)", "x=int(-9.3e18)",
         "x=int(9223372036854775807)"])

    # Functions: choice, range, interval, glob, tag, sort, shuffle.
    add(["x=choice(1,2)", "x=choice(a)", "x=choice()", "x=choice(null)", "x=choice(choice(1))",
         "x=choice(int(1,2))", "x=choice(1,choice(2,3))", "x=choice(range(1,3))",
         "x=choice(interval(1,2))", "x=choice(glob(a))", "x=choice(args=1)",
         "x=choice([1,2],[3])", "x=choice({a:1},{b:2})", "x=choice('a b','c,d')",
         "x=choice(${a},b)", "x=choice(a, b)", "x=choice( a )", "x=choice (a)",
         "x=choice(a,b)x", "x=range(5)", "x=range(0,5)", "x=range(0,5,2)", "x=range(0,10,3.3)",
         "x=range(-5,step=-1)", "x=range(1,10)", "x=range(10,1)", "x=range(10,1,-1)",
         "x=range(0,1,0.1)", "x=range(0,1,0.25)", "x=range(1.5)", "x=range(0,1.5)",
         "x=range(start=1,stop=3)", "x=range(stop=3,start=1)", "x=range(1,stop=3)",
         "x=range(1,start=2)", "x=range(1,2,3,4)", "x=range(foo=1)", "x=range()",
         "x=range(1,'a')", "x=range(1,2,'a')", "x=range('a')", "x=range(true,3)",
         "x=range(1,null)", "x=range(1,3,null)", "x=range(null)", "x=range(1,2,0)",
         "x=range(0.0,1.0,0.0)", "x=range(0,inf)", "x=range(0,1,inf)", "x=range(nan,1)",
         "x=range(0,1,nan)", "x=range(inf,1)", "x=range(-inf,0,inf)", "x=range(0,3,-1)",
         "x=range(3,0,-0.5)", "x=range(0.1,0.5,0.1)", "x=range(1e-3,1e-2,1e-3)",
         "x=range(-1,1,0.5)", "x=range(-0.0,1)", "x=range(1,1)", "x=range(0,100)",
         "x=range(0,1e3,7.5)", "x=range(5,step=2)", "x=range(5,step=-2)", "x=range(1,5,2.0)",
         "x=range(0,1,0.3333333333333333)", "x=range(1e20,1e20+1)", "x=range(1e20,2e20,3e19)",
         "x=range(choice(1),2)", "x=range(glob(a),2)", "x=range(interval(1,2),2)",
         "x=range([1],2)", "x=range(0, 3)", "x=range( 0 , 3 )",
         "x=interval(1.0,5.0)", "x=interval(1,5)", "x=interval(0,1)", "x=interval(true,2)",
         "x=interval('1',2)", "x=interval([1],2)", "x=interval({a:1},2)", "x=interval(1)",
         "x=interval(1,2,3)", "x=interval(start=1,end=2)", "x=interval(1e-4,1)",
         "x=interval(-inf,inf)", "x=interval(null,1)",
         "x=glob(*)", "x=glob(*,exclude=support)", "x=glob([s*,w*],exclude=school)",
         "x=glob(a*)", "x=glob(*a)", "x=glob(?)", "x=glob(??)", "x=glob('[ab]')",
         "x=glob('[!ab]*')", "x=glob('[a-c]*')", "x=glob('[c-a]')", "x=glob('[')",
         "x=glob('[]')", "x=glob('[]x]')", "x=glob('[!]')", "x=glob('[x]')", "x=glob('\\[x\\]')",
         "x=glob('a b')", "x=glob(a\\,b)", "x=glob(['a'])", "x=glob([a,b],exclude=[c])",
         "x=glob(1)", "x=glob([1])", "x=glob(a,exclude=1)", "x=glob(*,exclude=[a*,b*])",
         "x=glob(include=*)", "x=glob(include=a,exclude=b)", "x=glob()", "x=glob(a,b,c)",
         "x=glob(*,exclude=*)", "x=glob(caf*)", "x=glob('caf\u00e9')", "x=glob(f*o*)",
         "x=glob(*_*)", "x=glob(C*)", "x=glob(c*)", "x=glob(-*)", "x=glob(x.y)",
         "x=glob('*,*')", "x=glob(a*,exclude=a)", "x=glob(null)", "x=glob(*,exclude=null)",
         "x=glob([],exclude=a)",
         "x=tag(log,interval(0,1))", "x=tag(foo,bar,interval(0,1))", "x=tag(a,choice(1,2))",
         "x=tag(a,b,a,choice(1,2))", "x=tag(a,range(1,3))", "x=tag(a,b)", "x=tag()",
         "x=tag(1,choice(1))", "x=tag(a,sweep=choice(1))", "x=tag(sweep=choice(1))",
         "x=tag(a,sweep=1)", "x=tag(a,glob(a))", "x=tag(choice(1),choice(2))",
         "x=tag(a,tag(b,choice(1)))", "x=tag('a b',choice(1))", "x=tag(a,1,2)",
         "x=tag(a,a,range(1,2))", "x=tag(z,a,m,choice(1))",
         "x=sort(1,3,2)", "x=sort(1,3,2,reverse=true)", "x=sort(choice(1,2,3))",
         "x=sort(sweep=choice(1,2,3))", "x=sort(choice(1,2,3),reverse=true)",
         "x=sort(range(10,1))", "x=sort(range(1,10),reverse=true)", "x=sort(range(10,1,-1))",
         "x=sort(range(1,10,2),reverse=true)", "x=sort(range(0,1,0.25),reverse=true)",
         "x=sort(range(1.5,0,-0.5))", "x=sort([1,3,2])", "x=sort(list=[1,3,2])",
         "x=sort(list=[1,3,2], reverse=true)", "x=sort(1)", "x=sort([2,3,1])",
         "x=sort([2,3,1],reverse=true)", "x=sort(3,2,1)", "x=sort(a,c,b,reverse=true)",
         "x=float(sort(3,2,1))", "x=sort(float(3,2,1))", "x=sort(3,2,str(1))",
         "x=sort([1,'a'])", "x=sort(['b','a'])", "x=sort([[1,2],[1]])", "x=sort([null,1])",
         "x=sort(choice('b','a'))", "x=sort(1,[2])", "x=sort([1],{a:'b'})", "x=sort()",
         "x=sort(interval(1,2))", "x=sort(1,2,3,sweep=choice(3,1))", "x=sort(list=5)",
         "x=sort(reverse=1)", "x=sort(sweep=1)", "x=sort(1,choice(1))", "x=sort(null)",
         "x=sort(a)", "x=sort({b:1,a:2})", "x=sort([{a:1},{b:2}])", "x=sort([1.5,1,true,0])",
         "x=sort([nan,1,nan,0])", "x=sort([b,a,B,A,_,1])", "x=sort([[2],[1,2],[1]])",
         "x=sort([[1],[a]])", "x=sort([c,b,a],reverse=false)", "x=sort([3,1,2],reverse=null)",
         "x=sort(true,false)", "x=sort(1,a)", "x=sort(a,1)", "x=sort(choice(1,a))",
         "x=sort(choice([1],[0]))", "x=sort(range(1,3),reverse=true,list=[2,1])",
         "x=sort(list=[2,1],sweep=choice(2,1))", "x=sort(list=null)",
         "x=sort(choice(1,2),choice(3))", "x=sort(range(5,0))", "x=sort(range(0,5,-1))",
         "x=sort(range(5,0),reverse=true)", "x=sort(range(true,3),reverse=true)",
         "x=sort(5,4,3,2,1,0,9,8,7,6)", "x=sort(b,a,c,b,a)", "x=sort(['a','b'])",
         "x=sort([${b},${a}])", "x=sort(1.0,1,true)", "x=sort(true,1,1.0)",
         "x=shuffle(1,2,3)", "x=shuffle(choice(1,2,3))", "x=shuffle(a,b,c)",
         "x=shuffle(sweep=choice(a,b,c))", "x=shuffle(range(1,10))", "x=shuffle([a])",
         "x=shuffle(list=[a])", "x=shuffle(1)", "x=shuffle()", "x=shuffle(null)",
         "x=shuffle(1,choice(1))", "x=shuffle(sweep=1)", "x=shuffle(list=1)",
         "x=shuffle(interval(1,2))", "x=shuffle([1,1,1])", "x=shuffle({a:1})",
         "x=shuffle(range(0,1,0.25))", "x=shuffle(range(3,0))", "x=shuffle(a)",
         "x=[range(1,3)]", "x=[interval(0,1)]", "x=[glob(a)]", "x={a:choice(1)}",
         "x=[glob([1,true,1.5,inf])]", "x=[glob([null])]", "x=[glob([[1]])]",
         "x=[glob([{a:1}])]", "x=[glob(a,exclude=['b'])]", "x=[glob([a,'b'])]",
         "x=glob(a),b", "x={a:glob('a b',exclude=[x,y])}", "x=[tag(a,range(1,3))]",
         "x=int('\uff11\uff12')", "x=float('\u0663.5')", "x=int('\u00a012\u2003')",
         "x=int('1\u00e9')", "x=float('\U0001D7D8')",
         "x=nosuchfn(1)", "x=nosuchfn()", "x=Int(1)", "x=choice", "x=f(a=1,2)",
         "x=choice(a=1,2)", "x=range(1,nosuch(2))", "x=nosuch(int(abc))",
         "x=int(abc,nosuch(1))", "x=choice(a=1,nosuch(2))", "x=int(nosuch(1),a=1,2)"])

    # More keys, dict keys and values in the spirit of Hydra's own parser tests.
    add(["$foo.bar$.x$z=1", "list.0.bar=1", "ab-c.d-ef=1", "ab-c/d-ef=1", "a-b/c=1",
         "key@pkg1=value", "+key@pkg1=value", "++key@pkg1=value", "~key@pkg1=value",
         "~key@pkg1", "key={123id: 0}", "key={w s: 0}", "key={3.14: 0, 1e3: 1}",
         "key={123: 1, 0: 2, -1: 3}", "key={true: 1, fAlSe: 0}", "key={white spaces: 1}",
         "key={a:[true,10]}", "key={a:10,b:{}}", "key=${foo:[1,2,3]}", "key=${foo:1,2,3}",
         "key=0.foo", "key=3.1_4", "key=10_0", "key=-10e1", "key=value-1.0", "key=value-true",
         "key='\u05e9\u05dc\u05d5\u05dd'", "key=['a b', 2, 3]", "key=str([1,2])",
         "key=tag(choice(a,b))", "key=tag(range(1,2))", "key=sort(list=[])", "key=sort({a:10})",
         "key=glob(include=[*])", "key=range(5.5)", "key=range(-10)", "key=range (10,11)",
         "key=choice(str(10))", "key=:=,", "key=abs(-10)", "key=mul(abs(-10),2)", "key=  \t",
         "key=\\\\\\", "key=a , b", "key=[[[a]]]", "key=[1,[a]]", "key={a:[a,10]}",
         "key=()", "key=sort", "key=empty"])

    # Combinations: every function over a few argument shapes.
    fns = ["int", "float", "str", "bool", "choice", "range", "interval", "glob", "tag", "sort",
           "shuffle"]
    shapes = ["1", "1.5", "abc", "'x'", "true", "null", "[1,2]", "{a:1}", "1,2", "choice(1,2)",
              "range(1,3)", "interval(0,1)", "glob(a*)", "[]", "''", "-2,2", "a,b"]
    for f, s in itertools.product(fns, shapes):
        out.append(f"x={f}({s})")
    return out


def main():
    out = OUT
    if "--out" in sys.argv:
        out = sys.argv[sys.argv.index("--out") + 1]
    if "--stdin" in sys.argv:
        for line in sys.stdin:
            line = line.rstrip("\n")
            r = stable_record(unesc(line))
            print(r if r is not None else "in\t" + line + "\nskip")
            print()
        return
    seen, records = set(), []
    for s in inputs():
        if s in seen:
            continue
        seen.add(s)
        r = stable_record(s)
        if r is not None:
            records.append(r)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Generated by tests/oracle/override_golden.py from Hydra 1.3.2; do not edit.\n\n")
        for r in records:
            f.write(r + "\n\n")
    os.replace(tmp, out)
    print(f"{len(records)} records -> {os.path.relpath(out)}")


if __name__ == "__main__":
    main()
