#!/usr/bin/python3
"""What Hydra 1.3.2's instantiate() reports for torch 1.13 optimizer and scheduler configs that
torch rejects: the constructor-error cases of tests/oracle/optim_errors.py, given as configs
(`{_target_: torch.optim.Adam, lr: -1.0}` with params=..., schedulers with optimizer=...), plus
errors that only a config can make (an unknown argument, a required one left out). instantiate
gets _convert_='all', so torch sees lists as lists (`isinstance(min_lr, list)` is false for a
ListConfig): the catalogue reads config lists as torch's lists.

Writes tests/golden/catalog/errors.txt, one case a line, tab-separated:
    <config YAML> TAB <optimizer config YAML or -> TAB <exception class> TAB <str(exception)>
with newlines in the message written as \\n. tests/unit/nn_optim/test_catalog.c replays them
through the catalogue.

Run: PYTHONPATH=/work/oracle/hydra /usr/bin/python3 tests/oracle/catalog_errors.py [--check]
"""
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
OUT = os.path.normpath(os.path.join(HERE, '..', 'golden', 'catalog', 'errors.txt'))
warnings.filterwarnings('ignore')

import torch  # noqa: E402
from hydra.utils import instantiate  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

import optim_errors  # noqa: E402  (the optimizer and scheduler cases: OPT, SCHED)

S = 'torch.optim.lr_scheduler.'
EXTRA_OPT = [
    ('Adam', dict(lrr=0.1)), ('SGD', dict(lr=0.1, momentun=0.9)), ('Adadelta', dict(lr=-2.0)),
    ('LBFGS', dict(history_size=3, foo=1)),
]
EXTRA_SCHED = [
    ('StepLR', dict(step_size=2, gama=0.5), ('torch.optim.SGD', dict(lr=0.1))),
    ('SequentialLR', dict(milestones=[2]), ('torch.optim.SGD', dict(lr=0.1))),
    ('ChainedScheduler', dict(), ('torch.optim.SGD', dict(lr=0.1))),
]


def plain(v):
    if isinstance(v, tuple):
        return [plain(x) for x in v]
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def flow(d):
    """A one-line YAML flow mapping (OmegaConf reads it back as the same values)."""
    return OmegaConf.to_yaml(OmegaConf.create(d)).strip().replace('\n', '\\n')


def run(cfg, ocfg):
    x = torch.zeros(5, requires_grad=True)
    try:
        if ocfg is None:
            instantiate(OmegaConf.create({'optim': cfg}).optim, params=[x], _convert_='all')
        else:
            opt = instantiate(OmegaConf.create(ocfg), params=[x], _convert_='all')
            if cfg['_target_'].endswith('ChainedScheduler'):
                instantiate(OmegaConf.create({'scheduler': cfg}).scheduler, _convert_='all')
            else:
                instantiate(OmegaConf.create({'scheduler': cfg}).scheduler, optimizer=opt,
                            _convert_='all')
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    sys.exit('no error for %r' % cfg)


def cases():
    for name, kw in optim_errors.OPT + EXTRA_OPT:
        cfg = dict(_target_='torch.optim.' + name, **{k: plain(v) for k, v in kw.items()})
        yield cfg, None
    for name, kw, (oname, okw) in optim_errors.SCHED + EXTRA_SCHED:
        cfg = dict(_target_=S + name, **{k: plain(v) for k, v in kw.items()})
        yield cfg, dict(_target_=oname, **okw)


def generate():
    lines = ['# torch %s + Hydra 1.3.2: config, optimizer config, exception, message'
             % torch.__version__]
    for cfg, ocfg in cases():
        exc, msg = run(cfg, ocfg)
        lines.append('\t'.join([repr_flow(cfg), repr_flow(ocfg) if ocfg else '-', exc,
                                msg.replace('\\', '\\\\').replace('\n', '\\n')]))
    return '\n'.join(lines) + '\n'


def repr_flow(d):
    """{a: 1, b: [0.5, 'x']} as YAML flow text."""
    def val(v):
        if isinstance(v, bool):
            return 'true' if v else 'false'
        if v is None:
            return 'null'
        if isinstance(v, str):
            return "'%s'" % v.replace("'", "''")
        if isinstance(v, list):
            return '[%s]' % ', '.join(val(x) for x in v)
        if isinstance(v, float):
            if v != v:
                return '.nan'
            if v in (float('inf'), float('-inf')):
                return '.inf' if v > 0 else '-.inf'
            return repr(v)
        return str(v)
    return '{%s}' % ', '.join('%s: %s' % (k, val(v)) for k, v in d.items())


def main():
    text = generate()
    if '--check' in sys.argv:
        with open(OUT) as f:
            if f.read() != text:
                sys.exit('%s differs from what Hydra and torch give' % OUT)
        print('%s matches' % OUT)
        return
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, OUT)
    print('wrote %d cases to %s' % (text.count('\n'), OUT))


if __name__ == '__main__':
    main()
