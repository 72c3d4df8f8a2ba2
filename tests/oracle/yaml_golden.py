#!/usr/bin/python3
"""Golden files for cydra's YAML loader and emitter, from OmegaConf 2.2 / PyYAML 6.

Writes, under tests/golden/yaml/:

  emit.golden   random config trees (fixed seed) and OmegaConf.to_yaml's text for each: the C test
                (tests/unit/cy_config/test_yaml_golden.c) rebuilds every tree, emits it and compares
                bytes.
  load.golden   YAML snippets and what OmegaConf.create(text) makes of them (the tree, or the fact
                that it fails): the C test loads each one and compares types and values.

Tree notation (whitespace-separated tokens, prefix order):
  d N <key value>*N    dict        l N <value>*N    list
  n                    null        b 0|1            bool
  i <int>              int         f <float.hex()>  float ("inf", "-inf", "nan" as such)
  s <len>:<bytes>      string (UTF-8; "???" and "${...}" are what cy_new_str makes of them)
Keys: ks <len>:<bytes> (str)  ki <int>  kf <float.hex()>  kb 0|1.

emit.golden records:   "=== <id> <flags>\\n<tree>\\n--- <nbytes>\\n<bytes>\\n"
                       flags: 0, or 2 for sort_keys=True (CY_YAML_SORT_KEYS)
load.golden records:   "=== <id> <kind>\\n<nbytes>\\n<yaml bytes>\\n--- <expected>\\n"
                       kind: "create" (OmegaConf.create(text)); expected is a tree, or
                       "E <exception class>" when OmegaConf fails, "R" when OmegaConf succeeds
                       but the result holds an int beyond 64 bits (cydra reports a range error),
                       "U bytes" when it holds bytes (!!binary; cydra has no bytes values).

Usage: /usr/bin/python3 tests/oracle/yaml_golden.py [outdir]
       /usr/bin/python3 tests/oracle/yaml_golden.py --unicode-tables   (prints the tables that
       src/cydra/config/yaml_scalar.c holds: Python's int()/float() white space and digit runs)
"""
import math
import os
import random
import sys

import yaml
from omegaconf import OmegaConf

SEED = 20240611
EMIT_TREES = 600
INT64 = (-(1 << 63), (1 << 63) - 1)


# --------------------------------------------------------------------------------------------
# Nasty material

NUMBERS = ["0", "1", "-1", "+1", "007", "1_000", "1__0", "_1", "1_", " 1", "1 ", " 1 ", "1.5", "1.",
           ".5", "5.", "-.5", "1e3", "1E3", "1e-3", "1.0e+10", "1e", "e1", "0x1F", "0X1f", "0o17",
           "0b101", "0b", "0x", "08", "09", "1:30", "1:30.5", "-1:30", "190:20:30", "12:60",
           "inf", "-inf", "+inf", "Infinity", "-Infinity", "iNf", "nan", "NaN", "-nan", ".inf",
           "-.inf", ".Inf", ".nan", ".NaN", ".NAN", "1,000", "1 000", "١٢٣", "١٢٣.٥", "１２",
           "\u00a01", "1\u2003", "\u20071", "0.1", "3.14159", "-0", "-0.0", "+0.0", "1e400",
           "123456789012345678901234567890", "9223372036854775807", "-9223372036854775808",
           "9223372036854775808", "0_0", "._", "._5", "1_000.5_", "2001-12-14",
           "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2002-12-14 1:00:00 Z",
           "2001-1-1", "2001-01-01 1:00:00", "12:30:45", "1.2.3", "v1.0", "1.0a"]
KEYWORDS = ["yes", "Yes", "YES", "no", "No", "NO", "y", "Y", "n", "N", "true", "True", "TRUE",
            "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "yEs", "tRUE",
            "null", "Null", "NULL", "nULL", "~", "None", "none", "<<", "=", "!", "&", "*", "?",
            ":", "-", "---", "...", "--- a", "... a", "#", ",", "|", ">", "%", "@", "`", "'",
            "\"", "[", "]", "{", "}", "?x", "? x", ":x", ": x", "-x", "- x", "a:", "a:b", "a: b",
            "a :b", "a #b", "a#b", "a, b", "a ,b", "[a]", "{a: 1}", "!tag", "&anchor", "*alias",
            "%YAML", "@x", "`x", "|x", ">x", "a|b", "a>b", "a?b", "a!b", "a&b", "a*b", "x: y: z"]
UNICODE = ["é", "日本語", "😀", "a😀b", "\u00a0", "a\u00a0b", "\u2028", "a\u2028b", "\u2029",
           "\u0085", "a\u0085b", "\ufeff", "a\ufeffb", "\u200b", "\ue000", "\ufffd", "\uffff",
           "\U0010fffe", "\U0010ffff", "Ωmega", "naïve café", "ß", "İ", "ﬁ", "\u0301", "ŉ",
           "Ⅻ", "²", "½", "𝟘𝟙", "Ａ", "中文 测试 文本", "ㅤ", "\u3000", "\u2003x"]
CONTROL = ["\t", "a\tb", "\ta", "a\t", "\x01", "a\x01b", "\x07", "\x08", "\x0b", "\x0c", "\r",
           "a\rb", "\x1b[0m", "\x1c", "\x1f", "\x7f", "\x80", "\x9f", "back\\slash", "\\",
           "\\n", "\"quoted\"", "'single'", "it's", "say \"hi\"", "a\\\"b"]
MULTILINE = ["a\nb", "a\n", "\na", "\n", "\n\n", "a\n\nb", "a \nb", "a\n b", "a\n\n\nb",
             " a\nb", "a\nb ", "line one\nline two\nline three", "x\r\ny", "a\n\tb",
             "trailing\n\n", "a\u2028\nb", "a\n\u2028b", "a \u2028b"]
SPACES = ["", " ", "  ", " a", "a ", "  a  ", "a  b", "a   b", " a b ", "\u00a0a"]
INTERP = ["${a}", "${a.b}", "${a.b[0]}", "x_${y}", "${oc.env:HOME}", "${oc.env:HOME,/tmp}",
          "\\${esc}", "${}", "${a", "$a", "$", "${a}${b}", "pre ${a} post", "???", "?? ?",
          "????", " ???", "${now:%Y-%m-%d}", "'${a}'", "${a}: b"]
WORDS = ["alpha", "beta", "gamma", "delta", "lr", "epochs", "x", "a-b", "a_b", "a.b", "日本",
         "😀", "yes", "1", "#", "-", ":", "'", "\"", "é", "long" * 5, "1.5", "null", "on"]
CHARS = (list("abcxyzABC0123456789 _-.:#,[]{}?!&*|>'\"%@`~=+/\\$") +
         ["\n", "\t", " ", " ", "é", "日", "😀", "\u00a0", "\u2028", "\u0085", "\x01", "\x7f",
          "\ufeff", "\u3000"])


def long_strings(rng):
    out = []
    for n in (70, 78, 79, 80, 81, 82, 85, 100, 150, 200, 400):
        words = []
        while sum(len(w) + 1 for w in words) < n:
            words.append(rng.choice(WORDS))
        out.append(" ".join(words)[:n])
    out.append("x" * 200)
    out.append("word " * 40)
    out.append("a" * 79 + " " + "b" * 10)
    out.append("a" * 80 + " " + "b" * 10)
    out.append("a" * 81 + " " + "b" * 10)
    out.append(" ".join(["é" * 9] * 20))
    out.append(" ".join(["😀" * 9] * 20))
    out.append("a" * 60 + "  " + "b" * 30 + "   " + "c" * 30)
    out.append("it's " * 30)
    out.append("tab\t" * 30)
    out.append(("line " * 20 + "\n") * 3)
    out.append("a" * 100 + "\n" + "b" * 100)
    out.append("\t".join(["word"] * 30))
    out.append("\x01" + "word " * 30)
    out.append("ü" * 70 + " " + "ü" * 20)
    return out


def pool(rng):
    p = NUMBERS + KEYWORDS + UNICODE + CONTROL + MULTILINE + SPACES + INTERP + long_strings(rng)
    return p


def random_string(rng):
    r = rng.random()
    if r < 0.15:
        return "".join(rng.choice(CHARS) for _ in range(rng.randint(0, 12)))
    if r < 0.25:
        return "".join(rng.choice(CHARS) for _ in range(rng.randint(60, 200)))
    if r < 0.35:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 40)))
    return rng.choice(POOL)


def random_float(rng):
    r = rng.random()
    specials = [0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.5, 1e16, 1e17, 1e-5, 1e-4, 1e15, 123456789.125,
                5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, math.inf, -math.inf,
                math.nan, 1e100, -1e-100, 0.30000000000000004, 100.0, 1e22, 9007199254740993.0]
    if r < 0.4:
        return rng.choice(specials)
    if r < 0.7:
        return float("%.*ge%d" % (rng.randint(1, 17), rng.random(), rng.randint(-30, 30)))
    bits = rng.getrandbits(64)
    import struct
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def random_int(rng):
    r = rng.random()
    if r < 0.3:
        return rng.choice([0, 1, -1, 7, 10, 255, 1000, INT64[0], INT64[1], 1 << 53, -(1 << 40)])
    if r < 0.6:
        return rng.randint(-1000, 1000)
    return rng.randint(*INT64)


def random_scalar(rng):
    r = rng.random()
    if r < 0.45:
        return random_string(rng)
    if r < 0.60:
        return random_int(rng)
    if r < 0.75:
        return random_float(rng)
    if r < 0.85:
        return rng.random() < 0.5
    return None


def random_key(rng, used):
    """A key that neither Python nor the C tree confuses with another one in the same dict."""
    for _ in range(100):
        r = rng.random()
        if r < 0.75:
            k = random_string(rng) if rng.random() < 0.6 else rng.choice(WORDS + KEYWORDS)
            if rng.random() < 0.03:
                k = "k" * rng.choice([120, 121, 122, 123, 124, 127, 128, 130])
        elif r < 0.88:
            k = random_int(rng)
        elif r < 0.96:
            k = random_float(rng)
            if math.isnan(k):
                continue
        else:
            k = rng.random() < 0.5
        # canonical text as the C tree keeps it: str(k) for numbers, "True"/"False" for bools
        if isinstance(k, str):
            ident = ("s", k)
            text = k
        else:
            ident = ("n", k)  # Python equality: 1 == 1.0 == True
            text = repr(k) if isinstance(k, float) else str(k)
        if ident in used["id"] or text in used["text"]:
            continue
        used["id"].add(ident)
        used["text"].add(text)
        return k
    return None


def random_tree(rng, depth):
    r = rng.random()
    if depth >= 4 or r < 0.35:
        return random_scalar(rng)
    n = rng.choice([0, 1, 1, 2, 3, 4, 5, 6])
    if r < 0.7:
        used = {"id": set(), "text": set()}
        d = {}
        for _ in range(n):
            k = random_key(rng, used)
            if k is None:
                break
            d[k] = random_tree(rng, depth + 1)
        return d
    return [random_tree(rng, depth + 1) for _ in range(n)]


def random_root(rng):
    t = random_tree(rng, 0)
    if isinstance(t, (dict, list)):
        return t
    return {"value": t} if rng.random() < 0.5 else [t]


# --------------------------------------------------------------------------------------------
# Notation

def enc_str(s, out):
    b = s.encode("utf-8")
    out.append(b"%d:" % len(b) + b)


def enc_float(f):
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f.hex()


def encode(v, out):
    if v is None:
        out.append(b"n")
    elif isinstance(v, bool):
        out.append(b"b %d" % int(v))
    elif isinstance(v, int):
        out.append(b"i %d" % v)
    elif isinstance(v, float):
        out.append(b"f " + enc_float(v).encode())
    elif isinstance(v, str):
        out.append(b"s")
        enc_str(v, out)
    elif isinstance(v, dict):
        out.append(b"d %d" % len(v))
        for k, x in v.items():
            if isinstance(k, bool):
                out.append(b"kb %d" % int(k))
            elif isinstance(k, int):
                out.append(b"ki %d" % k)
            elif isinstance(k, float):
                out.append(b"kf " + enc_float(k).encode())
            else:
                out.append(b"ks")
                enc_str(k, out)
            encode(x, out)
    elif isinstance(v, (list, tuple)):
        out.append(b"l %d" % len(v))
        for x in v:
            encode(x, out)
    else:
        raise TypeError(type(v))


def encoded(v):
    out = []
    encode(v, out)
    return b" ".join(out)


def has_bytes(v):
    if isinstance(v, bytes):
        return True
    if isinstance(v, dict):
        return any(has_bytes(x) for x in v.values())
    if isinstance(v, list):
        return any(has_bytes(x) for x in v)
    return False


def fits_int64(v):
    if isinstance(v, bool) or v is None:
        return True
    if isinstance(v, int):
        return INT64[0] <= v <= INT64[1]
    if isinstance(v, dict):
        return all(fits_int64(k) and fits_int64(x) for k, x in v.items())
    if isinstance(v, list):
        return all(fits_int64(x) for x in v)
    return True


# --------------------------------------------------------------------------------------------
# emit.golden

def gen_emit(rng, out, texts):
    n = 0
    for i in range(EMIT_TREES):
        while True:
            tree = random_root(rng)
            try:
                # OmegaConf rejects strings with "${" that are not valid interpolations
                cfg = OmegaConf.create(tree)
                break
            except Exception:  # noqa: BLE001
                continue
        flags = 2 if rng.random() < 0.2 else 0
        text = OmegaConf.to_yaml(cfg, sort_keys=bool(flags)).encode("utf-8")
        # the tree as OmegaConf holds it (what the C test must rebuild)
        held = OmegaConf.to_container(cfg)
        out.write(b"=== %d %d\n" % (i, flags))
        out.write(encoded(held) + b"\n")
        out.write(b"--- %d\n" % len(text))
        out.write(text + b"\n")
        texts.append(text.decode("utf-8"))
        n += 1
    return n


# --------------------------------------------------------------------------------------------
# load.golden

STRUCTURE = [
    "", "~", "null", "---", "--- ~\n...\n", "# only a comment\n", "hello", "'a: 1'", "123",
    "1.5", "true", "[]", "{}", "[1, 2]", "- a\n- b\n", "a: 1\nb: [1, 2]\nc: {d: e}\n",
    "a:\n  b:\n    c: 1\n", "a:\n- 1\n- 2\n", "a:\n  - 1\n  - 2\n", "- - a\n  - b\n- c\n",
    "? a\n: 1\n", "? [1]\n: 2\n", "{[1]: 2}", "{a: 1, a: 2}", "a: 1\na: 2\n", "{a: 1, 'a': 2}",
    "{1: a, 1: b}", "{1: a, '1': b}", "{1: a, 1.0: b}", "{1: a, true: b}", "{null: 1}",
    "{~: 1}", "{1.5: a, true: b, 2: c}", "{-0.0: a}", "{.inf: a}", "{0x10: a}", "{1e3: a}",
    "a: 1\n---\nb: 2\n", "a: &x 1\nb: *x\n", "a: &x [1, 2]\nb: *x\n", "a: *nope\n",
    "&a [*a]", "a: &a {b: *a}\n", "a: &x 1\nb: &x 2\n",
    "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n",
    "a: &a {x: 1, z: 0}\nb: &b {x: 2, q: 3}\nc:\n  <<: [*a, *b]\n  d: 4\n",
    "a: {<<: {x: 1}, x: 2}\n", "a: {<<: [{x: 1}, {x: 2}]}\n", "a: {<<: 1}\n",
    "a: {<<: [1]}\n", "a: {'<<': 1}\n", "a: <<\n", "a: =\n", "{=: 1}", "{=: 1, '=': 2}",
    "a: {x: 1, <<: {x: 2, y: 3}}\n", "a: &m {<<: {k: v}}\nb: {<<: *m, z: 1}\n",
    "a: !!str 1\n", "a: !!int '12'\n", "a: !!int 1.5\n", "a: !!int\n", "a: !!int 0x_\n",
    "a: !!int ' 12 '\n", "a: !!int 0o17\n", "a: !!int 1:30\n", "a: !!int -0b11\n",
    "a: !!float 1\n", "a: !!float '1_0.5'\n", "a: !!float inf\n", "a: !!float ''\n",
    "a: !!float 1:30.5\n", "a: !!bool yes\n", "a: !!bool TrUe\n", "a: !!bool y\n",
    "a: !!null foo\n", "a: !!null ''\n", "a: !!str\n", "a: !!map {b: 1}\n", "a: !!seq [1]\n",
    "a: !!map [1]\n", "a: !!seq {b: 1}\n", "a: !!str [1]\n", "a: !!int [1]\n",
    "a: !!timestamp 2001-12-14\n", "a: !!set {x, y}\n", "a: !!binary aGVsbG8=\n",
    "a: !!omap [{b: 1}, {c: 2}]\n", "a: !!pairs [{b: 1}, {b: 2}]\n", "a: !!omap [1]\n",
    "a: !!omap [{b: 1, c: 2}]\n", "a: !foo bar\n", "a: ! 12\n", "a: ! '12'\n", "a: ! [1]\n",
    "%TAG !e! tag:yaml.org,2002:\n---\na: !e!int '5'\n", "a: !<tag:yaml.org,2002:str> 5\n",
    "a: |\n  line1\n  line2\n", "a: >\n  folded\n  text\n", "a: |-\n  x\n", "a: >+\n  x\n\n",
    "a: 'it''s'\n", "a: \"\\u00e9\\x41\\t\\n\"\n", "a: \"\\0\"\n", "a: '\\n'\n",
    "a: b c\n", "a: b # comment\n", "a: b#c\n", "a: 'multi\n  line'\n", "a: plain\n  continued\n",
    "a:\tb\n", "a: [1, 2,]\n", "a: {b: 1,}\n", "a: [\n", "a: {\n", "a: b: c\n", "- a\nb: 1\n",
    "a:\n- 1\n b: 2\n", "\ta: 1\n", "a: 'unterminated\n", "a: \"bad \\q escape\"\n",
    "a: @x\n", "a: `x\n", "a: %x\n", "? |\n  block key\n: v\n", "a: ~\nb: null\nc:\n",
    "\ufeffa: 1\n", "a: 1\n...\n", "--- !!map\na: 1\n", "--- !!seq\n- 1\n", "!!str abc",
    "!!int 5", "a: \x01\n", "a: \"\\x01\"\n", "a: 1\r\nb: 2\r\n", "a: \u2028\n",
    "a: ???\n", "a: '???'\n", "a: ${x}\n", "a: '${x}'\n", "a: \\${x}\n", "? ???\n: 1\n",
    "x: {a: 1, b: [1, {c: d}], e: null}\n", "[[[[[1]]]]]", "[a, [b, [c, {d: [e]}]]]",
    "key with spaces: value with spaces\n", "\"quoted key\": 1\n", "'': empty key\n",
    "? ''\n: 1\n", "? \"\"\n: 2\n", "1: int key\n2.5: float key\nyes: bool key\n",
    "0o17: a\n0x1F: b\n0b11: c\n1_0: d\n1:30: e\n",
    "{a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10, k: 11, l: 12, m: 13, "
    "n: 14, o: 15, p: 16, q: 17, r: 18, s: 19, a: 20}",
]


def snippets(rng, emitted):
    out = []
    for t in NUMBERS + KEYWORDS + UNICODE + SPACES + INTERP:
        # as a plain value, a quoted value, a plain key, a list item
        out.append("k: %s\n" % t)
        out.append("k: '%s'\n" % t.replace("'", "''"))
        out.append("%s: v\n" % t)
        out.append("- %s\n" % t)
        out.append("[%s]" % t)
    out.extend(STRUCTURE)
    for text in emitted:
        out.append(text)
    for _ in range(300):
        out.append(yaml.dump(random_root(rng), default_flow_style=rng.random() < 0.3,
                             allow_unicode=rng.random() < 0.7, sort_keys=False,
                             width=rng.choice([80, 40, 1000])))
    return out


def expected(text):
    try:
        cfg = OmegaConf.create(text)
        held = OmegaConf.to_container(cfg)
    except Exception as e:  # noqa: BLE001 - any failure is a failure to match
        return b"E " + type(e).__name__.encode()
    if not fits_int64(held):
        return b"R"
    if has_bytes(held):
        return b"U bytes"
    return encoded(held)


def gen_load(rng, emitted, out):
    n = 0
    seen = set()
    for text in snippets(rng, emitted):
        if text in seen:
            continue
        seen.add(text)
        b = text.encode("utf-8", "surrogatepass")
        out.write(b"=== %d create\n%d\n" % (n, len(b)))
        out.write(b + b"\n")
        out.write(b"--- " + expected(text) + b"\n")
        n += 1
    return n


def unicode_tables():
    spaces, zeros = [], []
    for cp in range(0x80, 0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        try:
            if int(c) == 0:
                zeros.append(cp)
            continue
        except ValueError:
            pass
        try:
            if int(c + "1" + c) == 1:
                spaces.append(cp)
        except ValueError:
            pass
    print("space:", ", ".join("0x%X" % c for c in spaces))
    print("zero:", ", ".join("0x%X" % c for c in zeros))


def main():
    if sys.argv[1:] == ["--unicode-tables"]:
        unicode_tables()
        return
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "golden", "yaml")
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(SEED)
    global POOL
    POOL = pool(rng)
    emitted = []  # the emitted texts go back in as load cases
    with open(os.path.join(outdir, "emit.golden"), "wb") as f:
        ne = gen_emit(rng, f, emitted)
    with open(os.path.join(outdir, "load.golden"), "wb") as f:
        nl_ = gen_load(rng, emitted, f)
    print("emit cases: %d, load cases: %d" % (ne, nl_))


POOL = []

if __name__ == "__main__":
    main()
