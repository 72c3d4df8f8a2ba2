#!/usr/bin/python3
"""Golden cases for the config tree: OmegaConf 2.2's outcome of assignments, merges, updates,
deletions, appends and selects on random typed and untyped trees.

Writes tests/golden/config/omegaconf_cases.txt, read by tests/unit/cy_config/test_merge_golden.c.
Deterministic (fixed seed). Each case is a block of lines:

    case <n> <op>
    dest <tree>              the destination config, exactly as built in OmegaConf
    src <tree>               merge source (a config), or
    value <tree>             a plain Python value (set/update/append)
    path <key>               container inside dest the op applies to ("" = dest itself)
    key <key>                the key operated on
    opts <k=v ...>           update: merge/force_add; select: throw_on_missing
    ok <tree>                the resulting tree (dest after the op, or merge/select's result)
    err <Exception> <json>   or the exception class and str(exception)

Tree syntax (one line): a node is an optional annotation followed by its value.
    annotation  <RefType|obj=Sub|struct=1|readonly=0|cls=dict>   only the non-default parts
                RefType is type_str of the node's type hint ("int", "Optional[Sub]",
                "List[int]", "Any"); obj the structured object type of a DictConfig;
                struct/readonly the node's own flags when set; cls=dict/list marks an
                untyped DictConfig/ListConfig holding null, ??? or an interpolation.
    value       null | ??? | true | false | 123 | f1.5 (repr of a float) | "json string" |
                @Color.RED | {"key": node, #1: node} (#1 = int key) | [node, ...]

The dataclasses below are mirrored by C schemas in the C test: keep them in sync.
"""
import json
import math
import os
import random
import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional

from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf
from omegaconf._utils import type_str
from omegaconf.nodes import ValueNode

SEED = 20221128
NCASES = 3000


class Color(Enum):
    RED = 1
    GREEN = 2
    BLUE = 3


# type_str(..., include_module_name=True) would print "__main__.Color" in messages; the C side
# has no modules, so the enum pretends to be a builtin.
Color.__module__ = "builtins"


@dataclass
class Sub:
    lr: float = 0.5
    n: int = 3
    name: str = "x"
    flag: bool = False
    opt: Optional[int] = None
    anyv: Any = MISSING
    color: Color = Color.RED


@dataclass
class Top:
    a: int = 1
    s: str = "hi"
    f: float = 2.5
    b: bool = True
    o: Optional[str] = None
    sub: Sub = field(default_factory=Sub)
    osub: Optional[Sub] = None
    li: List[int] = MISSING
    ds: Dict[str, float] = MISSING
    ls: List[Sub] = MISSING
    dsub: Dict[str, Sub] = MISSING
    c: Color = Color.GREEN
    x: Any = None
    m: int = MISSING


# -------------------------------------------------------------------------------------------
# Serialization


def hint_str(node):
    md = node._metadata
    ref = md.ref_type
    if ref is Any:
        return "Any"
    s = type_str(ref)
    return f"Optional[{s}]" if md.optional else s


def scalar(v):
    if v is None:
        return "null"
    if isinstance(v, str):
        if v == "???":
            return "???"
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "f" + repr(v)
    if isinstance(v, Enum):
        return f"@{type(v).__name__}.{v.name}"
    raise TypeError(f"cannot serialize {v!r}")


def key_str(k):
    if isinstance(k, bool) or not isinstance(k, (str, int)):
        raise TypeError(f"unsupported key {k!r}")
    if isinstance(k, int):
        return f"#{k}"
    return json.dumps(k, ensure_ascii=False)


def annotation(node):
    parts = []
    hint = hint_str(node)
    flags = node._metadata.flags
    obj = None
    cls = None
    if isinstance(node, DictConfig):
        ot = node._metadata.object_type
        if ot not in (None, dict) and ot is not Any:
            obj = ot.__name__
        if hint == "Any" and not isinstance(node._content, dict):
            cls = "dict"
    elif isinstance(node, ListConfig):
        if hint == "Any" and not isinstance(node._content, list):
            cls = "list"
    if obj:
        parts.append(f"obj={obj}")
    for f in ("struct", "readonly"):
        if flags.get(f) is not None:
            parts.append(f"{f}={int(flags[f])}")
    if cls:
        parts.append(f"cls={cls}")
    if hint == "Any" and not parts:
        return ""
    return "<" + "|".join([hint] + parts) + ">"


def ser(node, annotate=True):
    ann = annotation(node) if annotate else ""
    if isinstance(node, DictConfig):
        c = node._content
        if isinstance(c, dict):
            body = ", ".join(f"{key_str(k)}: {ser(v, annotate)}" for k, v in c.items())
            return ann + "{" + body + "}"
        return ann + scalar(c)
    if isinstance(node, ListConfig):
        c = node._content
        if isinstance(c, list):
            return ann + "[" + ", ".join(ser(v, annotate) for v in c) + "]"
        return ann + scalar(c)
    assert isinstance(node, ValueNode), type(node)
    return ann + scalar(node._value())


def ser_plain(v):
    """A plain Python value (set/update/append input, select output)."""
    if isinstance(v, (DictConfig, ListConfig)):
        return ser(v, annotate=False)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{key_str(k)}: {ser_plain(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(ser_plain(x) for x in v) + "]"
    return scalar(v)


# -------------------------------------------------------------------------------------------
# Random material

INTS = [0, 1, -3, 42, 7, 2**40]
FLOATS = [1.5, -0.0, 1e-3, 1e16, 1e-5, 3.0, math.inf, -math.inf, 0.1, 2.5e-7]
STRS = ["abc", "1_000", " 7 ", "007", "+3", "-2", "1.5", "1e-3", "inf", "-Infinity", "nan",
        "yes", "Off", "Y", "TRUE", "n", "maybe", "", "RED", "Color.BLUE", "red", "Color.red", "0",
        "1", "2", "0x10", "1__0", "_1", "1_", " ", "1e", ".5", "5.", "1_0.5", "a b", "it's",
        "sub", "${a}", "x${a}y", "???", "caf\u00e9", "tab\there"]
SPECIAL = [None, "???", "${a}", "${nosuch}"]
LISTS = [[], [1, 2], [1, "x"], ["1", 2.5], [None], [{"lr": 2}], [[1]], ["RED", 2], [True, "3"],
         ["???"], [{"lr": "bad"}], [1.5]]
DICTS = [{}, {"a": 1}, {"lr": "2.5", "n": "4"}, {"lr": "bad"}, {"zz": 1}, {"x": {"y": None}},
         {"a": [1, 2]}, {"name": 5, "flag": "yes"}, {"lr": None}, {"n": "???"},
         {"color": "BLUE", "opt": "5"}, {"k": {"lr": 1}}, {"q": 1.5, "r": "2"},
         {"anyv": [1], "name": {"a": 1}}]
ENUMS = [Color.RED, Color.BLUE]


def rand_value(rng, depth=0):
    r = rng.random()
    if r < 0.17:
        return rng.choice(INTS)
    if r < 0.3:
        return rng.choice(FLOATS)
    if r < 0.55:
        return rng.choice(STRS)
    if r < 0.62:
        return rng.choice([True, False])
    if r < 0.72:
        return rng.choice(SPECIAL)
    if r < 0.76:
        return rng.choice(ENUMS)
    if r < 0.88:
        return json_copy(rng.choice(LISTS))
    return json_copy(rng.choice(DICTS))


def json_copy(v):
    if isinstance(v, dict):
        return {k: json_copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [json_copy(x) for x in v]
    return v


PLAIN_KEYS = ["a", "b", "s", "sub", "l", "n", "m", "i", "d", "lr", "name", "flag", "zz"]


def rand_plain_dict(rng, depth=0):
    d = {}
    for k in rng.sample(PLAIN_KEYS, rng.randint(1, 5)):
        r = rng.random()
        if depth < 2 and r < 0.2:
            d[k] = rand_plain_dict(rng, depth + 1)
        elif depth < 2 and r < 0.3:
            d[k] = [rand_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        else:
            d[k] = rand_value(rng, depth + 1)
    return d


def make_structured(rng):
    cfg = OmegaConf.structured(Top)
    if rng.random() < 0.6:
        cfg.li = rng.choice([[1, 2], [], [5]])
    if rng.random() < 0.5:
        cfg.ds = rng.choice([{"a": 1.5}, {}, {"p": 2.0, "q": -1.0}])
    if rng.random() < 0.4:
        cfg.ls = rng.choice([[Sub()], [], [Sub(lr=0.1), Sub(n=9)]])
    if rng.random() < 0.4:
        cfg.dsub = rng.choice([{"k": Sub()}, {}])
    if rng.random() < 0.3:
        cfg.osub = Sub(name="o")
    if rng.random() < 0.3:
        cfg.m = 5
    if rng.random() < 0.2:
        cfg.x = rng.choice([1, "x", [1], {"p": 1}])
    if rng.random() < 0.2:
        cfg.sub.anyv = rng.choice([0, "v", None])
    return cfg


def make_plain(rng):
    cfg = OmegaConf.create(rand_plain_dict(rng))
    r = rng.random()
    if r < 0.15:
        cfg.tl = ListConfig([1, 2], element_type=int, ref_type=List[int])
    elif r < 0.3:
        cfg.td = DictConfig({"p": 1}, ref_type=Dict[str, int], element_type=int, key_type=str)
    elif r < 0.4:
        cfg.ts = OmegaConf.structured(Sub)
    elif r < 0.45:
        cfg.tsl = ListConfig([], element_type=Sub, ref_type=List[Sub])
    elif r < 0.5:
        cfg.tsd = DictConfig({}, ref_type=Dict[str, Sub], element_type=Sub, key_type=str)
    return cfg


def set_flags(rng, cfg):
    r = rng.random()
    if r < 0.2:
        OmegaConf.set_struct(cfg, True)
    elif r < 0.27:
        OmegaConf.set_readonly(cfg, True)
    children = [k for k in cfg.keys() if isinstance(cfg._get_node(k), (DictConfig, ListConfig))]
    if children and rng.random() < 0.25:
        k = rng.choice(children)
        flag = rng.choice(["struct", "readonly"])
        cfg._get_node(k)._set_flag(flag, rng.choice([True, False]))


def make_dest(rng):
    cfg = make_structured(rng) if rng.random() < 0.5 else make_plain(rng)
    set_flags(rng, cfg)
    return cfg


def containers(cfg, depth=2):
    """(path, node) of dest and its container descendants (two levels)."""
    out = [("", cfg)]

    def walk(node, prefix, d):
        if d == 0:
            return
        if isinstance(node, DictConfig) and isinstance(node._content, dict):
            items = [(k, node._get_node(k)) for k in node.keys() if isinstance(k, str)]
            fmt = lambda k: f"{prefix}.{k}" if prefix else str(k)
        elif isinstance(node, ListConfig) and isinstance(node._content, list):
            items = [(i, node._get_node(i)) for i in range(len(node))]
            fmt = lambda k: f"{prefix}[{k}]"
        else:
            return
        for k, n in items:
            if isinstance(n, (DictConfig, ListConfig)):
                out.append((fmt(k), n))
                walk(n, fmt(k), d - 1)

    walk(cfg, "", depth)
    return out


def rand_key(rng, node):
    if isinstance(node, ListConfig):
        n = len(node) if isinstance(node._content, list) else 0
        return str(rng.choice(list(range(-1, n + 1)) + [0]))
    keys = list(node.keys()) if isinstance(node._content, dict) else []
    keys = [k for k in keys if isinstance(k, str)]
    if keys and rng.random() < 0.8:
        return rng.choice(keys)
    return rng.choice(["zz", "new", "lr", "a"])


FIELD_SRC = {
    "sub": [{"lr": 2}, {"lr": "1e-3", "n": "0x10"}, {"zz": 1}, {"anyv": [1, 2]}, "???", None,
            {"color": 2}, {"opt": None, "flag": "on"}, {"name": None}],
    "osub": [None, {"lr": 2}, "???", {"n": "5"}, {}],
    "li": [[1, 2], ["3"], ["x"], [None], "???", None, {"a": 1}, 5],
    "ds": [{"q": 1}, {"q": "2.5"}, {"q": "bad"}, {"q": None}, "???", [1]],
    "ls": [[{"lr": 1}], [{"n": "x"}], [{}], [None], [5], "???", [{"zz": 1}]],
    "dsub": [{"k": {"lr": "2"}}, {"new": {"n": 5}}, {"new": 5}, {"k": None}, {"new": "???"},
             {"k": {"zz": 1}}],
    "m": ["???", 5, "5", None],
    "x": [{"p": 1}, [1], None, "???"],
    "c": ["RED", 3, "Color.BLUE", "PINK", 1.5],
}


def structured_src(rng):
    src = OmegaConf.structured(Sub if rng.random() < 0.4 else Top)
    for k in rng.sample(list(src.keys()), rng.randint(0, 3)):
        try:
            v = rand_value(rng) if k not in FIELD_SRC or rng.random() < 0.4 else \
                json_copy(rng.choice(FIELD_SRC[k]))
            src[k] = v
        except Exception:
            pass
    if rng.random() < 0.15:
        src = OmegaConf.create({"sub": src} if rng.random() < 0.5 else {"dsub": {"k": src}})
    return src


def rand_src(rng, dest):
    if rng.random() < 0.3:
        return structured_src(rng)
    r = rng.random()
    if r < 0.15:
        src = OmegaConf.structured(Sub if rng.random() < 0.5 else Top)
        if rng.random() < 0.5:
            for k in rng.sample(list(src.keys()), 2):
                try:
                    src[k] = rand_value(rng)
                except Exception:
                    pass
        return src
    d = {}
    keys = [k for k in dest.keys() if isinstance(k, str)] if isinstance(dest._content, dict) else []
    keys = keys + ["zz", "new"]
    for k in rng.sample(keys, min(len(keys), rng.randint(1, 4))):
        v = rand_value(rng)
        node = dest._get_node(k) if k in (dest.keys() if isinstance(dest._content, dict) else []) else None
        if k in FIELD_SRC and rng.random() < 0.6:
            v = json_copy(rng.choice(FIELD_SRC[k]))
        elif isinstance(node, DictConfig) and rng.random() < 0.6:
            v = json_copy(rng.choice(DICTS))
        elif isinstance(node, ListConfig) and rng.random() < 0.5:
            v = json_copy(rng.choice(LISTS))
        d[k] = v
    src = OmegaConf.create(d)
    if rng.random() < 0.1:
        k = rng.choice(["tl", "li", "ds", "td", "new"])
        src[k] = rng.choice([
            ListConfig([1, 2], element_type=int, ref_type=List[int]),
            ListConfig([], element_type=Sub, ref_type=List[Sub]),
            DictConfig({"p": 1.5}, ref_type=Dict[str, float], element_type=float, key_type=str),
            ListConfig("???", element_type=int, ref_type=List[int]),
            DictConfig(None, ref_type=Dict[str, int], element_type=int, key_type=str,
                       is_optional=True),
        ])
    if rng.random() < 0.1:
        OmegaConf.set_struct(src, rng.choice([True, False]))
    if rng.random() < 0.05:
        OmegaConf.set_readonly(src, True)
    return src


def outcome(fn):
    try:
        return "ok " + fn()
    except Exception as e:  # the exception class and its text are the outcome
        return "err " + type(e).__name__ + " " + json.dumps(str(e), ensure_ascii=False)




def index_or_key(node, key):
    return int(key) if isinstance(node, ListConfig) else key


def gen_case(rng, n):
    dest = make_dest(rng)
    ops = ["set", "set", "merge", "merge", "merge_with", "update", "update", "delete", "append",
           "select"]
    op = rng.choice(ops)
    if op == "append" and not any(isinstance(n, ListConfig) for _, n in containers(dest)):
        op = "set"
    lines = [f"case {n} {op}", "dest " + ser(dest)]
    if op in ("merge", "merge_with"):
        path, node = rng.choice(containers(dest))
        if op == "merge":
            path, node = "", dest
        src = rand_src(rng, node)
        lines.append("src " + ser(src))
        lines.append(f"path {path}")
        if op == "merge":
            res = outcome(lambda: ser(OmegaConf.merge(dest, src)))
        else:
            res = outcome(lambda: (node.merge_with(src), ser(dest))[1])
    elif op in ("set", "delete", "append"):
        cands = containers(dest)
        if op == "append":
            cands = [c for c in cands if isinstance(c[1], ListConfig)]
        path, node = rng.choice(cands)
        key = rand_key(rng, node)
        value = rand_value(rng)
        lines.append(f"path {path}")
        if op != "append":
            lines.append(f"key {key}")
        if op != "delete":
            lines.append("value " + ser_plain(value))

        def run():
            if op == "set":
                node[index_or_key(node, key)] = value
            elif op == "delete":
                del node[index_or_key(node, key)]
            else:
                node.append(value)
            return ser(dest)

        res = outcome(run)
    elif op == "update":
        path, node = rng.choice(containers(dest))
        key = rand_key(rng, node)
        full = key if path == "" else f"{path}.{key}"
        if rng.random() < 0.2:
            full = full + "." + rng.choice(["lr", "zz", "0"])
        value = rand_value(rng)
        merge = rng.random() < 0.6
        force = rng.random() < 0.3
        lines.append(f"key {full}")
        lines.append("value " + ser_plain(value))
        lines.append(f"opts merge={int(merge)} force_add={int(force)}")
        res = outcome(lambda: (OmegaConf.update(dest, full, value, merge=merge,
                                                force_add=force), ser(dest))[1])
    else:  # select
        path, node = rng.choice(containers(dest))
        key = rand_key(rng, node)
        full = key if path == "" else f"{path}.{key}"
        if rng.random() < 0.2:
            full = rng.choice([".", "", "..a", "sub.lr", "li[0]", "ls[0].lr", "nosuch.x", "a.b"])
        throw = rng.random() < 0.5
        lines.append(f"key {full}")
        lines.append(f"opts throw_on_missing={int(throw)}")
        res = outcome(lambda: ser_plain(OmegaConf.select(dest, full, throw_on_missing=throw)))
    lines.append(res)
    return lines


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "golden", "config", "omegaconf_cases.txt")
    rng = random.Random(SEED)
    out = ["# OmegaConf 2.2.2 outcomes for cy_config's golden test.",
           "# Generated by tests/oracle/omegaconf_golden.py - do not edit."]
    n = 0
    while n < NCASES:
        out.extend(gen_case(rng, n))
        out.append("")
        n += 1
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out))
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
