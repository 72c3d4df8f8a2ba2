#!/usr/bin/python3
"""Generates tests/golden/interp/*.txt: interpolation cases answered by OmegaConf 2.2.2.

Run with Debian's python3 (python3-omegaconf installed):

    /usr/bin/python3 tests/oracle/interp_golden.py            # rewrites the golden files
    /usr/bin/python3 tests/oracle/interp_golden.py --check    # compares, exit 1 on a difference

tests/unit/cy_config/test_interp_golden.c replays the files without Python. Format (one case per
block, blocks separated by a blank line, lines "field: value"):

    case: <name>
    cfg: <value>                 the config, in the value notation below
    op: get <key>                read cfg.<key> (list items by index), as a program does
    op: resolve                  OmegaConf.resolve(cfg), then the whole tree
    op: yaml                     OmegaConf.to_yaml(cfg, resolve=True): ok is the text (a json string)
    op: parse <json string>      the interpolation grammar on a config string (configValue)
    op: element <json string>    the grammar's singleElement rule (what oc.decode parses)
    ok: <value>                  the result
    err: <ExceptionClass>        or the exception...
    msg: <json string>           ...its message, without OmegaConf's trailing key lines...
    key: <json string>           ...and the full_key those lines give ("-" when there are none)
    warn: <json string>          a warning oc.deprecated issued

Value notation: JSON, plus bare inf/-inf/nan floats (a float always shows as Python's repr, so
1.0 is a float and 1 an int), int and bool dict keys written bare (1, True), and typed value
nodes written as `!int v`, `!float v`, `!bool v`, `!str v` (non-optional) or `!int? v` ... (Optional).

Messages are OmegaConf's except for one normalisation: Python's RecursionError text varies with
the place the limit is hit ("... exceeded in comparison"), so it is cut to "maximum recursion
depth exceeded".
"""
import json
import os
import random
import re
import sys
import warnings

from omegaconf import (
    BooleanNode,
    DictConfig,
    FloatNode,
    IntegerNode,
    ListConfig,
    OmegaConf,
    StringNode,
)
from omegaconf.errors import GrammarParseError
from omegaconf.grammar_parser import parse
from omegaconf.nodes import ValueNode

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "golden", "interp")

# The replaying test sets the same variables before running the cases.
ENV = {"CYDRA_TEST_VAR": "hello", "CYDRA_TEST_NUM": "42", "CYDRA_TEST_LIST": "[1, 2, {a: 3}]"}
for k in ("CYDRA_TEST_UNSET", "CYDRA_TEST_UNSET2"):
    os.environ.pop(k, None)
os.environ.update(ENV)


def _types(*args):
    """test.types: each argument with its Python type name (the C test registers the same)."""
    out = []
    for a in args:
        v = OmegaConf.to_container(a) if isinstance(a, (DictConfig, ListConfig)) else a
        out.append([v, type(a).__name__])
    return out


OmegaConf.register_new_resolver("test.types", _types, replace=True)
OmegaConf.register_new_resolver("test.fail", lambda: 1 / 0, replace=True)
OmegaConf.register_new_resolver("test.name", lambda: "oc", replace=True)
OmegaConf.register_new_resolver("test.int", lambda: 7, replace=True)


# ---------------------------------------------------------------------------------------------
# Value notation


def enc(v):
    if isinstance(v, ValueNode) and type(v).__name__ != "AnyNode":
        tag = {IntegerNode: "int", FloatNode: "float", BooleanNode: "bool", StringNode: "str"}[
            type(v)
        ]
        opt = "?" if v._is_optional() else ""
        return "!%s%s %s" % (tag, opt, enc(v._value()))
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, ListConfig)):
        return "[" + ", ".join(enc(x) for x in v) + "]"
    if isinstance(v, (dict, DictConfig)):
        items = v.items() if isinstance(v, dict) else v.items_ex(resolve=False)
        parts = []
        for k, x in items:
            parts.append("%s: %s" % (enc_key(k) if isinstance(k, int) else json.dumps(str(k)), enc(x)))
        return "{" + ", ".join(parts) + "}"
    raise TypeError(type(v))


def enc_key(k):
    if isinstance(k, bool):
        return str(k)
    if isinstance(k, int):
        return str(k)
    return json.dumps(str(k), ensure_ascii=False)


def enc_cfg(d):
    """A config given as Python data with typed nodes inside."""
    if isinstance(d, dict):
        return "{" + ", ".join("%s: %s" % (enc_key(k), enc_cfg(v)) for k, v in d.items()) + "}"
    if isinstance(d, list):
        return "[" + ", ".join(enc_cfg(v) for v in d) + "]"
    return enc(d)


def plain(v):
    """The Python result as plain data (configs become containers, unresolved)."""
    if isinstance(v, (DictConfig, ListConfig)):
        return OmegaConf.to_container(v, resolve=False)
    return v


KEY_BLOCK = re.compile(
    r"\n    full_key: ([^\n]*)(\n    reference_type=[^\n]*)?\n    object_type=[^\n]*$"
)


def split_error(e):
    msg = str(e)
    key = "-"
    m = KEY_BLOCK.search(msg)
    if m and getattr(e, "_initialized", False):
        key = m.group(1)
        msg = msg[: m.start()]
    msg = re.sub(r"maximum recursion depth exceeded[^\n]*", "maximum recursion depth exceeded", msg)
    return type(e).__name__, msg, key


# ---------------------------------------------------------------------------------------------
# Running one case


def get_path(cfg, key):
    node = cfg
    parts = [p for p in re.split(r"\.|\[|\]", key) if p != ""]
    for p in parts:
        if isinstance(node, ListConfig):
            node = node[int(p)]
        else:
            node = getattr(node, p)
    return node


def run_case(name, cfg, op):
    lines = ["case: " + name]
    if cfg is not None:
        lines.append("cfg: " + enc_cfg(cfg))
    lines.append("op: " + op)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if op.startswith("parse ") or op.startswith("element "):
                text = json.loads(op.split(" ", 1)[1])
                if op.startswith("parse "):
                    parse(text)
                else:
                    parse(text, parser_rule="singleElement", lexer_mode="VALUE_MODE")
                result = "ok"
            else:
                try:
                    c = OmegaConf.create(cfg)
                except Exception as e:  # a case must be a valid config: syntax goes to grammar.txt
                    raise SystemExit("case %s: config cannot be created: %s" % (name, e))
                if op == "resolve":
                    OmegaConf.resolve(c)
                    result = enc(plain(c))
                elif op == "yaml":
                    result = json.dumps(OmegaConf.to_yaml(c, resolve=True), ensure_ascii=False)
                else:
                    result = enc(plain(get_path(c, op.split(" ", 1)[1])))
            lines.append("ok: " + result)
        except Exception as e:  # noqa: BLE001 - every failure is an expected outcome here
            cls, msg, key = split_error(e)
            lines += ["err: " + cls, "msg: " + json.dumps(msg, ensure_ascii=False),
                      "key: " + json.dumps(key, ensure_ascii=False) if key != "-" else "key: -"]
    for w in caught:
        if issubclass(w.category, UserWarning):
            warned = json.dumps(str(w.message), ensure_ascii=False)
    if caught and issubclass(caught[-1].category, UserWarning):
        lines.append("warn: " + warned)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Cases

I = lambda v: IntegerNode(v, is_optional=False)  # noqa: E731
IO = lambda v: IntegerNode(v, is_optional=True)  # noqa: E731
F = lambda v: FloatNode(v, is_optional=False)  # noqa: E731
B = lambda v: BooleanNode(v, is_optional=False)  # noqa: E731
S = lambda v: StringNode(v, is_optional=False)  # noqa: E731
SO = lambda v: StringNode(v, is_optional=True)  # noqa: E731

BASE = {
    "seed": 1,
    "epochs": 14,
    "lr": 0.5,
    "flag": True,
    "none": None,
    "name": "mnist",
    "miss": "???",
    "lst": [10, "x", [1, 2], {"k": "v"}],
    "dct": {"a": 1, "b": {"c": "deep"}, "e": [3]},
    "empty": {},
}


def with_base(**kw):
    d = dict(BASE)
    d.update(kw)
    return d


def resolution_cases():
    cases = []

    def get(name, cfg, key):
        cases.append((name, cfg, "get " + key))

    def res(name, cfg):
        cases.append((name, cfg, "resolve"))

    # node references
    for i, ref in enumerate([
        "${seed}", "${lr}", "${flag}", "${none}", "${name}", "${lst}", "${dct}", "${empty}",
        "${lst[0]}", "${lst.0}", "${lst[2][1]}", "${lst.2.1}", "${lst[3].k}", "${dct.b.c}",
        "${dct[b][c]}", "${dct.e[0]}", "${[dct].a}", "${ seed }", "${dct.b}", "${nosuch}",
        "${dct.nosuch}", "${dct.b.nosuch}", "${lst[9]}", "${lst[-1]}", "${lst.x}", "${seed.x}",
        "${name.x.y}", "${miss}", "${miss.x}", "${none.x}", "${lst[0].x}", "${dct.a.b}",
        "${dct.$x}", "${$x}", "${dct[a]}", "${ lst.0 }", "${ik}", "${1}", "${bk.True}",
    ]):
        get("ref_%d" % i, with_base(x=ref, ik={1: "one"}, bk={True: "T"}), "x")
    # string interpolation
    for i, text in enumerate([
        "ckpt_${seed}_${epochs}.pt", "lr=${lr}", "${flag}!", "n:${none}", "${name}${name}",
        "list ${lst}", "dict ${dct}", "${dct.b} and ${lst[2]}", "$${seed}", "$ ${seed} $",
        "${seed}${seed}", " ${seed} ", "{${seed}}", "x${miss}", "a:${nosuch}", "${lst[3]}",
        "100%${seed}", "${empty}x", "tab\t${seed}", "é${name}é",
    ]):
        get("str_%d" % i, with_base(x=text), "x")
    # escapes
    for i, text in enumerate([
        "\\${seed}", "\\\\${seed}", "\\\\\\${seed}", "\\\\\\\\${seed}", "a\\${seed}b", "a\\\\",
        "a\\\\${seed}", "\\${seed}${seed}", "${seed}\\${seed}", "\\", "\\x${seed}", "\\\\x${seed}",
        "${seed}\\\\", "\\${seed", "\\${", "x\\${a.b}\\${c}", "\\\\\\\\", "\\${oc.env:X}",
        "${name}\\\\\\\\${seed}",
    ]):
        get("esc_%d" % i, with_base(x=text), "x")
    # relative references
    rel = {
        "top": 1,
        "a": {"b": {"c": "${..d}", "e": "${.f}", "g": "${...top}", "h": "${....top}",
                    "f": "F", "i": "${..b.f}", "l": "${.f}${..d}",
                    "m": "${..nosuch}", "n": ["${..f}", "${...d}", "${....top}"]},
              "d": "D"},
    }
    for k in ["c", "e", "g", "h", "i", "l", "m", "n", "n[0]", "n[1]", "n[2]"]:
        get("rel_" + k.replace("[", "_").replace("]", ""), rel, "a.b." + k)
    # nested interpolations in keys and resolver names
    nest = with_base(k="seed", kk="k", i=1, ki="1", path="dct.b", bk="b", nm="oc",
                     dd={"seed": "inner"}, num=3)
    for i, ref in enumerate([
        "${${k}}", "${${${kk}}}", "${dct.${bk}.c}", "${lst[${ki}]}", "${lst[${i}]}",
        "${${path}.c}", "${dd.${k}}", "${${nm}.env:CYDRA_TEST_VAR}", "${${num}}",
        "${${test.name}.env:CYDRA_TEST_VAR}", "${${test.int}.env:X}", "${dct[${bk}].c}",
        "${${none}}", "${${lst}}",
    ]):
        get("nest_%d" % i, dict(nest, x=ref), "x")
    # cycles and parents
    get("cycle_self", {"a": "${a}"}, "a")
    get("cycle_two", {"a": "${b}", "b": "${a}"}, "a")
    get("cycle_three", {"a": "${b}", "b": "${c}", "c": "${a}"}, "b")
    get("cycle_str", {"a": "x_${a}"}, "a")
    get("cycle_rel", {"a": {"b": "${.b}"}}, "a.b")
    get("cycle_path", {"a": "${a.b}"}, "a")
    get("cycle_select", {"a": "${oc.select:a}"}, "a")
    get("cycle_decode", {"a": "${oc.decode:${a}}"}, "a")
    get("parent_abs", {"a": {"b": "${a}"}}, "a.b")
    get("parent_rel", {"a": {"b": "${..a}"}}, "a.b")
    get("parent_root_list", {"a": ["${a}"]}, "a[0]")
    get("chain_ok", {"a": "${b}", "b": "${c}", "c": "${d}", "d": 4}, "a")
    get("chain_str", {"a": "${b}_${c}", "b": "${c}", "c": "z"}, "a")
    get("chain_list", {"a": "${b[0]}", "b": ["${c}"], "c": 5}, "a")
    get("through_interp", {"a": "${b.c}", "b": "${d}", "d": {"c": 9}}, "a")
    get("through_interp_missing", {"a": "${b.c}", "b": "${d}", "d": "???"}, "a")
    get("through_interp_str", {"a": "${b.c}", "b": "${d}", "d": "s"}, "a")
    get("deep_chain", dict({"v0": 0}, **{"v%d" % i: "${v%d}" % (i - 1) for i in range(1, 40)}),
        "v39")
    # typed nodes
    typed = {
        "ckpt": "unnamed.pt", "three": "3", "num": 3, "fl": 1.5, "yes": "yes", "maybe": "maybe",
        "nul": None, "d": {"a": 1}, "l": [1], "t": True, "big": "1_000", "inf": "inf",
        "zero": 0,
    }
    for i, (node, ref) in enumerate([
        (I, "${ckpt}"), (I, "${three}"), (I, "${num}"), (I, "${fl}"), (I, "${nul}"),
        (IO, "${nul}"), (I, "${d}"), (I, "${l}"), (I, "${t}"), (I, "${big}"), (I, "x${num}"),
        (I, "${oc.decode:'[1]'}"), (I, "${oc.decode:'{a: 1}'}"), (F, "${num}"), (F, "${fl}"),
        (F, "${three}"), (F, "${inf}"), (F, "${ckpt}"), (F, "${t}"), (B, "${yes}"),
        (B, "${maybe}"), (B, "${num}"), (B, "${zero}"), (B, "${fl}"), (S, "${num}"),
        (S, "${fl}"), (S, "${t}"), (S, "${d}"), (S, "${l}"), (S, "${nul}"), (SO, "${nul}"),
        (S, "${oc.decode:'{a: 1}'}"), (I, "${miss}"), (I, "${nosuch}"), (S, "a_${num}"),
    ]):
        cfg = dict(typed, miss="???", x=node(ref))
        get("typed_%d" % i, cfg, "x")
        res("typed_res_%d" % i, cfg)
    # resolvers
    for i, ref in enumerate([
        "${oc.env:CYDRA_TEST_VAR}", "${oc.env:CYDRA_TEST_UNSET,dflt}",
        "${oc.env:CYDRA_TEST_UNSET,null}", "${oc.env:CYDRA_TEST_UNSET,1}",
        "${oc.env:CYDRA_TEST_UNSET,1.5}", "${oc.env:CYDRA_TEST_UNSET,[1,2]}",
        "${oc.env:CYDRA_TEST_UNSET,'quoted'}", "${oc.env:CYDRA_TEST_UNSET}",
        "${oc.env:CYDRA_TEST_UNSET,}", "${oc.env:CYDRA_TEST_NUM}", "${oc.env:1}",
        "${oc.env:null}", "${oc.env:}", "${oc.env:a,b,c}", "${oc.env:CYDRA_TEST_UNSET,${seed}}",
        "${oc.env:CYDRA_TEST_UNSET,true}", "${oc.env:CYDRA_TEST_UNSET,${dct}}",
        "${oc.select:seed}", "${oc.select:dct.b.c}", "${oc.select:nosuch}",
        "${oc.select:nosuch,7}", "${oc.select:nosuch,null}", "${oc.select:miss,dflt}",
        "${oc.select:miss}", "${oc.select:dct}", "${oc.select:'lst[1]'}", "${oc.select:seed.x,d}",
        "${oc.select:1}", "${oc.select:}", "${oc.select:a,b,c}", "${oc.select:.seed}",
        "${oc.select:..seed}", "${oc.select:nosuch,[1,2]}", "${oc.select:dct.nosuch,{a:1}}",
        "${oc.decode:'1'}", "${oc.decode:'1.5'}", "${oc.decode:'true'}", "${oc.decode:'null'}",
        "${oc.decode:'[1, a, 2.0]'}", "${oc.decode:'{a: 1, b: [x]}'}", "${oc.decode:'abc'}",
        "${oc.decode:'a b'}", "${oc.decode:'\\'q\\''}", "${oc.decode:null}", "${oc.decode:1}",
        "${oc.decode:'${seed}'}", "${oc.decode:${oc.env:CYDRA_TEST_LIST}}",
        "${oc.decode:${oc.env:CYDRA_TEST_NUM}}", "${oc.decode:'}'}", "${oc.decode:'a}'}",
        "${oc.decode:'[1,'}", "${oc.decode:''}", "${oc.decode:' 1'}", "${oc.decode:'1 '}",
        "${oc.decode:'\\${seed}'}", "${oc.decode:}", "${oc.decode:a,b}", "${oc.decode:${dct}}",
        "${oc.decode:'{1: a, 1.5: b, true: c}'}", "${oc.decode:'-5'}", "${oc.decode:'1_000'}",
        "${oc.decode:'0x10'}", "${oc.decode:'+inf'}", "${oc.decode:'NaN'}", "${oc.decode:'1e3'}",
        "${oc.decode:'.5'}", "${oc.decode:'5.'}", "${oc.decode:'007'}", "${oc.decode:'a:b'}",
        "${oc.create:{a: 1}}", "${oc.create:[1, ${seed}]}", "${oc.create:'a: 1'}",
        "${oc.create:'abc'}", "${oc.create:''}", "${oc.create:null}", "${oc.create:1}",
        "${oc.create:true}", "${oc.create:'1'}", "${oc.create:${dct}}", "${oc.create:${lst}}",
        "${oc.create:'- 1'}", "${oc.create:'???'}", "${oc.create:}", "${oc.create:a,b}",
        "${oc.create:{a: '\\${seed}'}}",
        "${oc.dict.keys:dct}", "${oc.dict.keys:empty}", "${oc.dict.keys:nosuch}",
        "${oc.dict.keys:seed}", "${oc.dict.keys:lst}", "${oc.dict.keys:1}", "${oc.dict.keys:miss}",
        "${oc.dict.keys:}", "${oc.dict.keys:a,b}", "${oc.dict.keys:none}",
        "${oc.dict.values:dct}", "${oc.dict.values:empty}", "${oc.dict.values:nosuch}",
        "${oc.dict.values:seed}", "${oc.dict.values:}", "${oc.dict.values:a,b}",
        "${oc.dict.values:a,b,c}", "${oc.dict.values:1}",
        "${oc.deprecated:seed}", "${oc.deprecated:dct.b}", "${oc.deprecated:nosuch}",
        "${oc.deprecated:seed,'$OLD_KEY -> $NEW_KEY, $$, $X, ${NEW_KEY}'}",
        "${oc.deprecated:1}", "${oc.deprecated:seed,1}", "${oc.deprecated:}",
        "${oc.deprecated:a,b,c}",
        "${nosuchresolver:1}", "${oc.nosuch:1}", "${test.fail:}", "${test.int:}",
        "${test.types:1,-2,+3,1_0,1.5,-.5,5.,1e3,inf,-inf,nan,true,FALSE,null,NULL,abc}",
        "${test.types:'a',\"b\",'',a b,a  b, a ,[1,[2]],{a:{b:1}},{},[]}",
        "${test.types:${seed},${lst},${dct},${none},${name},x${seed}}",
        "${test.types:,a,,}", "${test.types:}", "${test.types: }", "${test.types:,}",
        "${test.types:\\,,\\:,\\[,\\],\\{,\\},\\\\,\\ ,a\\=b}", "${test.types:a:b,/-+.$%*@?|}",
        "${test.types:'a${seed}b','\\'','\\\\',\"\\\"\",'\\${x}'}",
        "${test.types:{1:a,1.5:b,true:c,null:d,x y:e}}", "${test.types:{a: ${seed}}}",
        "${test.types:[${seed}, ${dct}]}", "${test.types:'${dct}'}", "${test.types:007,0_1}",
        "${test.types:inFinity,nan1,true_,null_x,1x}", "${test.types: a , b }",
        "${test.types:${oc.env:CYDRA_TEST_NUM}}",
    ]):
        get("res_%d" % i, with_base(x=ref), "x")
    return cases, res


def resolve_cases(res):
    res("r_basic", with_base(a="${seed}", b="x${epochs}", c={"d": "${lr}"}, e=["${name}"]))
    res("r_missing_ref", {"p": "???", "a": "${p}", "b": "x${p}", "c": "${p.q}"})
    res("r_missing_key", {"a": {"b": "${nosuch}"}})
    res("r_container_ref", {"a": ["${c}"], "c": {"d": "${e}"}, "e": 1})
    res("r_escape", {"a": "\\${x}", "x": 1, "b": "\\\\${x}"})
    res("r_create", {"a": "${oc.create:{b: 1, c: '${x}'}}", "x": 2})
    res("r_dict_values", {"a": "${oc.dict.values:c}", "c": {"x": 1, "y": "${e}"}, "e": 2})
    res("r_dict_values_rel", {"s": {"a": "${oc.dict.values:.c}", "c": {"x": 1, "y": 2}}})
    res("r_dict_keys", {"a": "${oc.dict.keys:c}", "c": {"x": 1, "y": "${e}"}, "e": 2})
    res("r_relative", {"a": {"b": "${..c}"}, "c": 3})
    res("r_select_default", {"a": "${oc.select:b,3}", "b": "???"})
    res("r_env", {"a": "${oc.env:CYDRA_TEST_VAR}_${oc.env:CYDRA_TEST_UNSET,dflt}",
                  "b": "${oc.env:CYDRA_TEST_UNSET,null}", "c": "${oc.env:CYDRA_TEST_UNSET,1}"})
    res("r_env_unset", {"a": "${oc.env:CYDRA_TEST_UNSET}"})
    res("r_decode_plain_list", {"a": "${oc.decode:'[1,2]'}"})
    res("r_decode_plain_dict", {"a": "${oc.decode:'{x: 1}'}"})
    res("r_decode_scalar", {"a": "${oc.decode:'12'}", "b": "${oc.decode:'x'}"})
    res("r_cycle", {"a": "${b}", "b": "${a}"})
    res("r_unknown", {"a": "${nosuchres:1}"})
    res("r_typed", {"a": I("${b}"), "b": "5", "c": F("${a}")})
    res("r_typed_bad", {"a": {"b": I("${c}")}, "c": "x"})
    res("r_order", {"a": "${b}", "b": "${c}", "c": 1})
    res("r_list", ["${1}", 5, "${0}"])
    res("r_nested_lists", {"a": [["${b}"], {"c": ["${b}"]}], "b": "B"})
    res("r_ref_to_list", {"a": "${l}", "l": [1, "${b}"], "b": 2})
    res("r_missing_in_str_deep", {"a": "${oc.decode:'${p}'}", "p": "???"})
    res("r_none", {"a": "${b}", "b": None})
    res("r_dict_ref_missing_inner", {"a": "${b}", "b": {"c": "???", "d": "${b.c}"}})
    res("r_escaped_missing", {"a": "\\${p}", "p": "???"})
    res("r_to_parent", {"a": {"b": "${a}"}})
    res("r_empty", {})


def grammar_cases():
    """Syntax only: curated forms plus a seeded random sample built from grammar fragments."""
    curated = [
        "${foo", "${foo:bar", "${}", "${foo bar}", "${foo:}", "${:}", "${.}", "${..}", "${foo.}",
        "${foo:a,}", "${foo:,a}", "${foo:{a:1}", "$${foo}", "${foo}}", "${$foo}", "${foo}$",
        "${foo:[1,2}", "${a b:c}", "${foo[0}", "${ foo }", "${foo: bar }", "${b.c}", "${b[c]}",
        "${[b].c}", "${b .c}", "\\${foo}", "\\\\${foo}", "x\\", "${foo:\\}", "${foo:'a}",
        "${foo:\"a\\\"b\"}", "${foo:a:b}", "${foo:a=b}", "${b.${foo}}", "${foo${foo}}",
        "${foo:a)}", "${foo:(}", "${foo:{a}}", "${foo:{a:}}", "${foo:{:1}}", "${foo:[}",
        "${foo:]}", "${foo:a]}", "${foo.bar:x}", "${1foo:x}", "${foo-bar:x}", "${foo-bar}",
        "${foo:é}", "${é}", "${foo[[a]]}", "${foo[]}", "${foo..bar}", "${foo.[a]}", "${.[a]}",
        "${${foo}", "${${foo bar}}", "${${a}b}", "${foo ", "${foo:'${a'}", "${foo:'${a}'x}",
        "${foo\t}", "${foo:\n}", "${a}\n${b", "${foo:{'a':1}}", "${foo:{a:1,a:2}}", "${\\}",
        "${lst[ 0]}", "${oc.select:lst[1]}", "${.}", "${..}",
    ]
    random.seed(20221)
    frags = ["${", "}", ":", ".", "[", "]", ",", "'", '"', "\\", "\\\\", "a", "foo", "1", " ",
             "{", "$", "=", "(", ")", "..", "oc.env", "true", "null", "1.5", "-", "é", "\t",
             "1e3", "inf", "a-b", "@", "\\${", "\\'", "${a}", "${a:b}", "_", "+", "NaN", "/"]
    rand = set()
    while len(rand) < 320:
        s = "${" + "".join(random.choice(frags) for _ in range(random.randint(1, 9)))
        rand.add(s)
    elements = set()
    atoms = ["a", "1", "x y", "'q'", '"d${a}"', "true", "null", "-1.5e3", "\\,", "é", " ", "",
             "=", "a:b", "${a}", "}"]

    def gen(d=0):
        r = random.random()
        if d > 3 or r < 0.35:
            return random.choice(atoms)
        if r < 0.55:
            return "[" + ",".join(gen(d + 1) for _ in range(random.randint(0, 3))) + \
                random.choice(["]", "", "}"])
        if r < 0.75:
            return "{" + ",".join(gen(d + 1) + random.choice([":", "", ": "]) + gen(d + 1)
                                  for _ in range(random.randint(0, 3))) + random.choice(["}", ""])
        if r < 0.85:
            return random.choice(["'", '"']) + gen(d + 1) + random.choice(["'", '"', ""])
        return gen(d + 1) + gen(d + 1)

    while len(elements) < 160:
        elements.add(gen())
    out = [("parse_%d" % i, None, "parse " + json.dumps(s, ensure_ascii=False))
           for i, s in enumerate(curated + sorted(rand))]
    out += [("element_%d" % i, None, "element " + json.dumps(s, ensure_ascii=False))
            for i, s in enumerate(sorted(elements))]
    return out


def build():
    cases, _ = resolution_cases()
    rcases = []
    resolve_cases(lambda name, cfg: rcases.append((name, cfg, "resolve")))
    ycases = [(name.replace("r_", "y_", 1), cfg, "yaml") for name, cfg, _ in rcases]
    files = {
        "resolve.txt": [run_case(*c) for c in cases],
        "resolve_tree.txt": [run_case(*c) for c in rcases + ycases],
        "grammar.txt": [run_case(*c) for c in grammar_cases()],
    }
    return {k: "\n".join(v) for k, v in files.items()}


def main():
    check = "--check" in sys.argv
    files = build()
    os.makedirs(OUT, exist_ok=True)
    bad = False
    for name, text in files.items():
        path = os.path.join(OUT, name)
        header = ("# Generated by tests/oracle/interp_golden.py from OmegaConf %s; do not edit.\n"
                  "# env: %s\n\n" % (__import__("omegaconf").__version__,
                                     json.dumps(ENV, sort_keys=True)))
        text = header + text
        if check:
            with open(path, encoding="utf-8") as f:
                if f.read() != text:
                    print("differs: " + path)
                    bad = True
        else:
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
    n = sum(t.count("\ncase: ") + t.startswith("case: ") for t in files.values())
    print("%d cases" % n)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
