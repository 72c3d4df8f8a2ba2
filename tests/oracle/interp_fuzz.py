#!/usr/bin/python3
"""Compares the C interpolation parser with OmegaConf's ANTLR parser on random input.

    /usr/bin/python3 tests/oracle/interp_fuzz.py BUILD_DIR [--cases N] [--seed S] [--resolve]

Generates strings from grammar fragments (configValue rule) and nested element expressions
(singleElement rule, what oc.decode parses), runs them through BUILD_DIR/tests/test_interp_golden
--parse / --element and through omegaconf.grammar_parser.parse, and reports every difference in
acceptance, exception class or message. With --resolve it also builds random interpolations over
a fixed config (references, escapes, quoting, resolvers), has OmegaConf read them, and replays
the answers in C (a temporary file in the golden format). Exit status 1 on any difference. Not
part of ctest (it needs the oracle); the golden files keep a fixed sample of such cases.
"""
import argparse
import random
import subprocess
import sys

from omegaconf.errors import GrammarParseError
from omegaconf.grammar_parser import parse

FRAGMENTS = ["${", "}", ":", ".", "[", "]", ",", "'", '"', "\\", "\\\\", "a", "foo", "1", " ",
             "{", "$", "=", "(", ")", "..", "oc.env", "true", "null", "1.5", "-", "é", "\t",
             "1e3", "inf", "x_y", "a-b", "@", "?", "\\${", "\\'", '\\"', "${a}", "${a:b}", "\n",
             "_", "0", "+", "NaN", "1_0", ".5", "5.", "/"]
ATOMS = ["a", "b.c", "1", "x y", "'q'", '"d${a}"', "true", "null", "-1.5e3", "\\,", "\\\\", "é",
         " ", "", "=", "a:b"]


def oracle(text, element):
    try:
        if element:
            parse(text, parser_rule="singleElement", lexer_mode="VALUE_MODE")
        else:
            parse(text)
        return "OK"
    except GrammarParseError as e:
        return "GrammarParseError " + str(e)
    except RecursionError:
        return None  # too deep for Python; not comparable
    except Exception as e:  # noqa: BLE001 - ANTLR's bare "Empty Stack"
        return "%s %s" % (type(e).__name__, e)


def gen(rng, d=0):
    r = rng.random()
    if d > 4 or r < 0.3:
        return rng.choice(ATOMS)
    if r < 0.45:
        return "${" + rng.choice(["", ".", "..", "oc.", "a."]) + gen(rng, d + 1) + \
            rng.choice(["}", "", "]", " }", ":}"])
    if r < 0.6:
        return "${" + rng.choice(["f", "oc.env", "a.${b}", "${x}"]) + \
            rng.choice([":", " : ", "", "."]) + \
            ",".join(gen(rng, d + 1) for _ in range(rng.randint(0, 3))) + \
            rng.choice(["}", "", "]", " }"])
    if r < 0.7:
        return "[" + ",".join(gen(rng, d + 1) for _ in range(rng.randint(0, 3))) + \
            rng.choice(["]", "", "}"])
    if r < 0.8:
        return "{" + ",".join(gen(rng, d + 1) + rng.choice([":", "", ": "]) + gen(rng, d + 1)
                              for _ in range(rng.randint(0, 3))) + rng.choice(["}", "", "]"])
    if r < 0.9:
        return rng.choice(["'", '"']) + gen(rng, d + 1) + rng.choice(["'", '"', ""])
    return gen(rng, d + 1) + gen(rng, d + 1)


def compare(binary, cases, element):
    data = "".join(c.encode("utf-8").hex() + "\n" for c in cases)
    flag = "--element" if element else "--parse"
    out = subprocess.run([binary, flag], input=data, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    bad = 0
    for text, got in zip(cases, out):
        want = oracle(text, element)
        if want is not None and want != got:
            bad += 1
            if bad <= 20:
                print("%r (%s)\n  oracle: %s\n  C:      %s" % (text, flag, want, got))
    return bad


RESOLVE_FRAGMENTS = [
    "${seed}", "${lr}", "${name}", "${none}", "${flag}", "${lst}", "${dct}", "${dct.a}",
    "${lst[1]}", "${miss}", "${nosuch}", "${k}", "${${k}}", "${dct.${bk}.c}", "\\", "\\${seed}",
    "\\${", "$", "{", "}", "'", '"', " ", "x", "1", ",", ":", "é",
    "${oc.env:CYDRA_TEST_VAR}", "${oc.env:CYDRA_TEST_UNSET,", "${oc.select:", "${oc.decode:",
    "${oc.create:", "${test.types:", "${oc.dict.keys:dct}", "${oc.dict.values:dct}",
    "'${seed}'", "\"${name}\"", "[1,${seed}]", "{a:${seed}}", "null", "true", "1.5", "-3",
    "\\'", "\\,", "}", "}", "}",
]


def resolve_fuzz(binary, rng, count):
    """Random interpolations read through OmegaConf and through C; returns the differences."""
    import os
    import tempfile

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import interp_golden as g

    cases = []
    seen = set()
    while len(cases) < count:
        s = "${test.types:" if rng.random() < 0.3 else ""
        s += "".join(rng.choice(RESOLVE_FRAGMENTS) for _ in range(rng.randint(1, 6)))
        if s in seen or "${" not in s:
            continue
        seen.add(s)
        try:
            parse(s)
        except Exception:  # noqa: BLE001 - only valid syntax can sit in a config
            continue
        cfg = g.with_base(k="seed", bk="b", x=s)
        cases.append(g.run_case("fuzz_%d" % len(cases), cfg, "get x"))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write("\n".join(cases))
        path = f.name
    try:
        r = subprocess.run([binary, path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    for line in r.stderr.splitlines()[:60]:
        print(line)
    summary = [l for l in r.stdout.splitlines() if l.endswith(" failed")]
    return int(summary[-1].split()[2]) if summary else count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--cases", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--resolve", action="store_true")
    args = ap.parse_args()
    binary = args.build_dir + "/tests/test_interp_golden"
    rng = random.Random(args.seed)
    flat, nested, elements = set(), set(), set()
    while len(flat) < args.cases:
        prefix = "" if rng.random() < 0.2 else "${"
        flat.add(prefix + "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 10))))
    while len(nested) < args.cases:
        s = gen(rng)
        nested.add("${f:" + s + "}" if rng.random() < 0.7 else s)
    while len(elements) < args.cases:
        elements.add(gen(rng))
    bad = compare(binary, sorted(flat), False)
    bad += compare(binary, sorted(nested), False)
    bad += compare(binary, sorted(elements), True)
    n = 3 * args.cases
    if args.resolve:
        bad += resolve_fuzz(binary, rng, args.cases)
        n += args.cases
    print("%d cases, %d differences" % (n, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
