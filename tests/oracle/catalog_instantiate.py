#!/usr/bin/python3
"""What Hydra 1.3.2's instantiate() does with the cases below: the result's repr or the error.

Writes tests/golden/catalog/instantiate.txt, replayed by
tests/unit/cy_instantiate/test_instantiate_golden.c through cy_instantiate with C twins of the
targets in tests/oracle/catalog_targets.py.

A case: the root config (one line of YAML), the key of the node to instantiate ("-" for the
root), keyword arguments given to instantiate (YAML mapping or "-"), and for a `_partial_` result
the keyword arguments it is then called with. Format:

    === <id>
    config: <yaml>
    select: <key or ->
    kwargs: <yaml or ->
    call: <yaml or ->
    --- ok | --- partial | --- error <exception class>
    |<text, one line each>

(after "--- partial" comes the call's "--- ok" or "--- error"). Results are repr() of what
instantiate returns (None, a target's Rec, or a DictConfig/ListConfig holding them); errors are
str(exception).

Run: PYTHONPATH=/work/oracle/hydra /usr/bin/python3 tests/oracle/catalog_instantiate.py [--check]
"""
import functools
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, '..', 'golden', 'catalog', 'instantiate.txt'))
sys.path.insert(0, HERE)
warnings.filterwarnings('ignore')

from hydra.utils import instantiate  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

T = 'catalog_targets.'
P = T + 'Point'

CASES = [
    # plain calls, defaults, functions and classes
    ('class_kwargs', '{a: {_target_: %s, x: 1, y: 5}}' % P, 'a', None, None),
    ('class_default', '{a: {_target_: %s, x: 1}}' % P, 'a', None, None),
    ('function', '{a: {_target_: %sadd, a: 3}}' % T, 'a', None, None),
    ('root_target', '{_target_: %s, x: [1, 2]}' % P, '-', None, None),
    ('values', "{a: {_target_: %srecord, i: 1, f: 0.5, s: 'it''s', b: true, n: null, "
     "l: [1, 'two', 3.0e-05], d: {k: v, e: {}}, t: '1'}}" % T, 'a', None, None),
    ('no_args_class', '{a: {_target_: %sEmpty}}' % T, 'a', None, None),
    # positional arguments
    ('args', '{a: {_target_: %sthree, _args_: [1, 2, 3]}}' % T, 'a', None, None),
    ('args_and_kwargs', '{a: {_target_: %sthree, _args_: [1], c: 3, b: 2}}' % T, 'a', None, None),
    ('args_class', '{a: {_target_: %s, _args_: [7]}}' % P, 'a', None, None),
    ('args_too_many_defaults', '{a: {_target_: %s, _args_: [1, 2, 3]}}' % P, 'a', None, None),
    ('args_too_many_function', '{a: {_target_: %sthree, _args_: [1, 2, 3, 4]}}' % T, 'a', None,
     None),
    ('args_too_many_one', '{a: {_target_: %sonly, _args_: [1, 2]}}' % T, 'a', None, None),
    ('args_too_many_empty', '{a: {_target_: %sEmpty, _args_: [1]}}' % T, 'a', None, None),
    ('args_too_many_record', '{a: {_target_: %srecord, _args_: [1]}}' % T, 'a', None, None),
    ('args_too_many_record2', '{a: {_target_: %srecord, _args_: [1, 2]}}' % T, 'a', None, None),
    ('args_multiple', '{a: {_target_: %s, _args_: [1], x: 2}}' % P, 'a', None, None),
    ('args_int', '{a: {_target_: %s, _args_: 5}}' % P, 'a', None, None),
    ('args_dict', '{a: {_target_: %s, _args_: {x: 1}}}' % P, 'a', None, None),
    ('args_null', '{a: {_target_: %s, _args_: null}}' % P, 'a', None, None),
    ('args_float', '{a: {_target_: %s, _args_: 1.5}}' % P, 'a', None, None),
    ('args_str', '{a: {_target_: %sthree, _args_: xyz}}' % T, 'a', None, None),
    ('args_empty', '{a: {_target_: %s, _args_: [], x: 4}}' % P, 'a', None, None),
    ('args_nested_target', '{a: {_target_: %sadd, _args_: [{_target_: %s, x: 1}]}}' % (T, P),
     'a', None, None),
    ('args_root', '{_target_: %sadd, _args_: [5, 6]}' % T, '-', None, None),
    # binding errors
    ('unexpected_kw', '{a: {_target_: %s, x: 1, z: 3}}' % P, 'a', None, None),
    ('unexpected_kw_function', '{a: {_target_: %sadd, a: 1, c: 3}}' % T, 'a', None, None),
    ('unexpected_first_wins', '{a: {_target_: %s, w: 0, x: 1, z: 3}}' % P, 'a', None, None),
    ('unexpected_before_missing', '{a: {_target_: %sthree, z: 1}}' % T, 'a', None, None),
    ('missing_one', '{a: {_target_: %s}}' % P, 'a', None, None),
    ('missing_one_function', '{a: {_target_: %sadd}}' % T, 'a', None, None),
    ('missing_two', '{a: {_target_: %sthree, b: 1}}' % T, 'a', None, None),
    ('missing_three', '{a: {_target_: %sthree}}' % T, 'a', None, None),
    ('missing_three_class', '{a: {_target_: %sBox}}' % T, 'a', None, None),
    ('missing_root', '{_target_: %sthree, a: 1}' % T, '-', None, None),
    ('too_many_before_missing', '{a: {_target_: %sonly, _args_: [1, 2], b: 3}}' % T, 'a', None,
     None),
    # ??? values
    ('missing_value', "{a: {_target_: %s, x: '???'}}" % P, 'a', None, None),
    ('missing_value_default', "{a: {_target_: %s, x: 1, y: '???'}}" % P, 'a', None, None),
    ('missing_value_nested_dict', "{a: {_target_: %sadd, a: {b: '???'}}}" % T, 'a', None, None),
    ('missing_value_nested_list', "{a: {_target_: %sadd, a: [1, '???']}}" % T, 'a', None, None),
    ('missing_value_not_recursive',
     "{a: {_target_: %sadd, a: {b: '???'}, _recursive_: false}}" % T, 'a', None, None),
    ('missing_value_kwarg_given', "{a: {_target_: %s, x: '???'}}" % P, 'a', '{x: 9}', None),
    ('missing_target', "{a: {_target_: '???', x: 1}}", 'a', None, None),
    ('missing_deep', "{a: {_target_: %sadd, a: {_target_: %s, x: '???'}}}" % (T, P), 'a', None,
     None),
    # nested targets
    ('nested_dict_arg', '{a: {_target_: %sadd, a: {_target_: %s, x: 1}}}' % (T, P), 'a', None,
     None),
    ('nested_in_dict', '{a: {_target_: %sadd, a: {p: {_target_: %s, x: 1}, q: 2}}}' % (T, P),
     'a', None, None),
    ('nested_in_list', '{a: {_target_: %sadd, a: [1, {_target_: %s, x: 2}]}}' % (T, P), 'a',
     None, None),
    ('nested_deep', '{a: {_target_: %sadd, a: [{l: [{_target_: %s, x: [{_target_: %s, x: 0}]}]}]}}'
     % (T, P, P), 'a', None, None),
    ('nested_error', '{a: {_target_: %sadd, a: {_target_: %sfail, x: -1}}}' % (T, T), 'a', None,
     None),
    ('nested_error_in_list', '{a: {_target_: %sadd, a: [0, {_target_: %sfail, x: -2}]}}' % (T, T),
     'a', None, None),
    ('nested_unknown', '{a: {_target_: %sadd, a: {_target_: %sPointt, x: 1}}}' % (T, T), 'a', None,
     None),
    ('nested_missing_arg', '{a: {_target_: %sadd, a: {_target_: %s}}}' % (T, P), 'a', None,
     None),
    ('nested_order', '{a: {_target_: %sthree, c: {_target_: %s, x: 3}, a: {_target_: %s, x: 1}, '
     'b: 2}}' % (T, P, P), 'a', None, None),
    ('nested_first_error_wins', '{a: {_target_: %sadd, a: {_target_: %sfail, x: -1}, '
     'b: {_target_: %sfail, x: -2, why: second}}}' % (T, T, T), 'a', None, None),
    ('nested_error_before_binding', '{a: {_target_: %sadd, z: 1, a: {_target_: %sfail, x: -1}}}'
     % (T, T), 'a', None, None),
    # _recursive_
    ('recursive_false', '{a: {_target_: %sadd, a: {_target_: %s, x: 1}, _recursive_: false}}'
     % (T, P), 'a', None, None),
    ('recursive_true', '{a: {_target_: %sadd, a: {_target_: %s, x: 1}, _recursive_: true}}'
     % (T, P), 'a', None, None),
    ('recursive_kwarg', '{a: {_target_: %sadd, a: {_target_: %s, x: 1}}}' % (T, P), 'a',
     '{_recursive_: false}', None),
    ('recursive_inherited', '{a: {_target_: %sadd, _recursive_: false, '
     'a: {_target_: %s, x: {_target_: %s, x: 0}}}}' % (T, P, P), 'a', None, None),
    ('recursive_nested_off', '{a: {_target_: %sadd, a: {_target_: %s, _recursive_: false, '
     'x: {_target_: %s, x: 0}}, b: {_target_: %s, x: 5}}}' % (T, P, P, P), 'a', None, None),
    ('recursive_plain_dict_off', '{a: {_target_: %sadd, a: {_recursive_: false, '
     'p: {_target_: %s, x: 1}}}}' % (T, P), 'a', None, None),
    ('recursive_not_bool', '{a: {_target_: %sadd, a: 1, _recursive_: maybe}}' % T, 'a', None,
     None),
    ('recursive_int', '{a: {_target_: %sadd, a: 1, _recursive_: 1}}' % T, 'a', None, None),
    ('recursive_yes', '{a: {_target_: %sadd, a: 1, _recursive_: yes}}' % T, 'a', None, None),
    ('recursive_not_bool_root', '{_target_: %sadd, a: 1, _recursive_: 0.5}' % T, '-', None,
     None),
    ('recursive_not_bool_nested', '{a: {_target_: %sadd, a: {_target_: %s, x: 1, '
     '_recursive_: [1]}}}' % (T, P), 'a', None, None),
    # _partial_
    ('partial', '{a: {_target_: %sadd, a: 1, _partial_: true}}' % T, 'a', None, '{b: 7}'),
    ('partial_missing_then_given', "{a: {_target_: %s, x: '???', _partial_: true}}" % P, 'a',
     None, '{x: 3}'),
    ('partial_missing_not_given', "{a: {_target_: %s, x: '???', _partial_: true}}" % P, 'a',
     None, '{}'),
    ('partial_override', '{a: {_target_: %sadd, a: 1, b: 2, _partial_: true}}' % T, 'a', None,
     '{b: 4, a: 0}'),
    ('partial_unexpected', '{a: {_target_: %sadd, a: 1, _partial_: true}}' % T, 'a', None,
     '{c: 4}'),
    ('partial_nested_target', '{a: {_target_: %sadd, a: {_target_: %s, x: 1}, _partial_: true}}'
     % (T, P), 'a', None, '{b: 0}'),
    ('partial_kwarg', '{a: {_target_: %sadd, a: 1}}' % T, 'a', '{_partial_: true}', '{b: 3}'),
    ('partial_false', '{a: {_target_: %sadd, a: 1, _partial_: false}}' % T, 'a', None, None),
    ('partial_not_bool', '{a: {_target_: %sadd, a: 1, _partial_: 3}}' % T, 'a', None, None),
    ('partial_str', '{a: {_target_: %sadd, a: 1, _partial_: "true"}}' % T, 'a', None, None),
    ('partial_factory_error', '{a: {_target_: %sfail, _partial_: true}}' % T, 'a', None,
     '{x: -5}'),
    ('partial_args', '{a: {_target_: %sthree, _args_: [1, 2], _partial_: true}}' % T, 'a', None,
     '{c: 3}'),
    # _convert_ (no effect in C: the reprs are the same)
    ('convert_none', '{a: {_target_: %sadd, a: {k: [1]}, _convert_: none}}' % T, 'a', None, None),
    ('convert_partial', '{a: {_target_: %sadd, a: {k: [1]}, _convert_: partial}}' % T, 'a', None,
     None),
    ('convert_object', '{a: {_target_: %sadd, a: {k: [1]}, _convert_: object}}' % T, 'a', None,
     None),
    ('convert_all', '{a: {_target_: %sadd, a: {k: [1]}, _convert_: all}}' % T, 'a', None, None),
    ('convert_other', '{a: {_target_: %sadd, a: 1, _convert_: whatever}}' % T, 'a', None, None),
    # targets
    ('unknown_target', '{a: {_target_: %sPointt, x: 1}}' % T, 'a', None, None),
    ('unknown_target_root', '{_target_: nowhere.nothing}', '-', None, None),
    ('target_int', '{a: {_target_: 5, x: 1}}', 'a', None, None),
    ('target_list', '{a: {_target_: [1], x: 1}}', 'a', None, None),
    ('target_interpolated', '{t: %s, a: {_target_: "${t}", x: 1}}' % P, 'a', None, None),
    ('factory_error', '{a: {_target_: %sfail, x: -1}}' % T, 'a', None, None),
    ('factory_error_quotes', "{a: {_target_: %sfail, x: -1, why: \"it's\"}}" % T, 'a', None,
     None),
    ('factory_error_root', '{_target_: %sfail, x: -3}' % T, '-', None, None),
    ('factory_ok', '{a: {_target_: %sfail, x: 2}}' % T, 'a', None, None),
    # interpolation
    ('interp_value', '{v: 4, a: {_target_: %s, x: "${v}"}}' % P, 'a', None, None),
    ('interp_relative', '{v: 4, a: {_target_: %s, x: "${..v}", y: "${.x}"}}' % P, 'a', None,
     None),
    ('interp_node', '{p: {_target_: %s, x: 8}, a: "${p}"}' % P, 'a', None, None),
    ('interp_nested_target', '{p: {_target_: %s, x: 8}, a: {_target_: %sadd, a: "${p}"}}'
     % (P, T), 'a', None, None),
    ('interp_string', '{v: world, a: {_target_: %s, x: "hello ${v}"}}' % P, 'a', None, None),
    ('interp_missing_key', '{a: {_target_: %s, x: "${nope}"}}' % P, 'a', None, None),
    ('interp_missing_key_unused', '{a: {_target_: %sadd, a: 1, _recursive_: false, '
     'b: {c: "${nope}"}}}' % T, 'a', None, None),
    # call-time keyword arguments
    ('kwargs_add', '{a: {_target_: %s}}' % P, 'a', '{x: 5}', None),
    ('kwargs_replace', '{a: {_target_: %s, x: 1, y: 1}}' % P, 'a', '{y: 9}', None),
    ('kwargs_order', '{a: {_target_: %sthree, b: 2}}' % T, 'a', '{c: 3, a: 1}', None),
    ('kwargs_unknown', '{a: {_target_: %s, x: 1}}' % P, 'a', '{q: 1}', None),
    ('kwargs_target_value', '{a: {_target_: %sadd}}' % T, 'a',
     '{a: {_target_: %s, x: 3}}' % P, None),
    ('kwargs_args', '{a: {_target_: %sthree, _args_: [1, 2]}}' % T, 'a', '{_args_: [4, 5, 6]}',
     None),
    ('kwargs_target', '{a: {_target_: %sadd, a: 1}}' % T, 'a', '{_target_: %sonly}' % T, None),
    # configs without _target_, null and scalars
    ('plain_dict', '{a: {x: 1, p: {_target_: %s, x: 1}}}' % P, 'a', None, None),
    ('plain_list', '{a: [1, {_target_: %s, x: 3}, [{_target_: %s, x: 4}]]}' % (P, P), 'a', None,
     None),
    ('plain_list_not_recursive', '{a: [1, {_target_: %s, x: 3}]}' % P, 'a',
     '{_recursive_: false}', None),
    ('plain_list_partial', '{a: [1]}', 'a', '{_partial_: true}', None),
    ('plain_dict_error', '{a: {p: {_target_: %sfail, x: -1}}}' % T, 'a', None, None),
    ('plain_dict_missing', "{a: {p: 1, q: '???'}}", 'a', None, None),
    ('null', '{a: null}', 'a', None, None),
    ('scalar', '{a: 5}', 'a', None, None),
    ('scalar_str', '{a: text}', 'a', None, None),
]


def render(result):
    if isinstance(result, functools.partial):
        return 'partial', None
    return 'ok', repr(result)


def run(cfg_text, select, kwargs_text, call_text):
    out = []
    cfg = OmegaConf.create(cfg_text)
    node = cfg if select == '-' else OmegaConf.select(cfg, select)
    kwargs = OmegaConf.to_container(OmegaConf.create(kwargs_text)) if kwargs_text else {}
    try:
        result = instantiate(node, **kwargs)
    except Exception as e:  # noqa: BLE001
        return [('error ' + type(e).__name__, str(e))]
    kind, text = render(result)
    out.append((kind, text))
    if kind == 'partial':
        call = OmegaConf.to_container(OmegaConf.create(call_text)) if call_text else {}
        try:
            out.append(render(result(**call)))
        except Exception as e:  # noqa: BLE001
            out.append(('error ' + type(e).__name__, str(e)))
    return out


def generate():
    lines = ['# Hydra 1.3.2 instantiate() on the cases of tests/oracle/catalog_instantiate.py']
    ids = set()
    for case_id, cfg, select, kwargs, call in CASES:
        assert case_id not in ids, case_id
        ids.add(case_id)
        lines.append('=== ' + case_id)
        lines.append('config: ' + cfg)
        lines.append('select: ' + select)
        lines.append('kwargs: ' + (kwargs or '-'))
        lines.append('call: ' + (call or '-'))
        for kind, text in run(cfg, select, kwargs, call):
            lines.append('--- ' + kind)
            if text is not None:
                lines.extend('|' + ln for ln in text.split('\n'))
    return '\n'.join(lines) + '\n'


def main():
    text = generate()
    if '--check' in sys.argv:
        with open(OUT) as f:
            if f.read() != text:
                sys.exit('%s differs from what Hydra gives' % OUT)
        print('%s matches Hydra (%d cases)' % (OUT, len(CASES)))
        return
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, OUT)
    print('wrote %d cases to %s' % (len(CASES), OUT))


if __name__ == '__main__':
    main()
