#!/usr/bin/python3
"""torch 1.13's constructor errors for invalid optimizer and scheduler options.

Writes tests/golden/optim/errors.txt, one case a line, tab-separated:
    <target> TAB <kwargs> TAB <optimizer target or -> TAB <optimizer kwargs or -> TAB <message>
kwargs are "; "-separated name=<python literal> (as in the trajectory files). The message is
str(exception) for ValueError (torch's texts, which the C library reproduces exactly) and
"<ExceptionType>: str(exception)" for the others. For schedulers the optimizer is built over the
reference problem's single tensor first.

Run: /usr/bin/python3 tests/oracle/optim_errors.py  (needs python3-torch 1.13)
"""
import os
import warnings

import torch
from torch.optim import lr_scheduler as L

warnings.filterwarnings('ignore')
OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'golden',
                                    'optim', 'errors.txt'))
NAN = float('nan')

OPT = [
    ('Adadelta', dict(lr=-1.0)), ('Adadelta', dict(rho=1.5)), ('Adadelta', dict(eps=-1e-06)),
    ('Adadelta', dict(weight_decay=-0.5)), ('Adadelta', dict(lr=NAN)),
    ('Adagrad', dict(lr=-0.01)), ('Adagrad', dict(lr_decay=-1.0)), ('Adagrad', dict(weight_decay=-2.0)),
    ('Adagrad', dict(initial_accumulator_value=-0.5)), ('Adagrad', dict(eps=-1e-10)),
    ('Adam', dict(lr=-1.0)), ('Adam', dict(lr=-1e-05)), ('Adam', dict(eps=-1e-08)),
    ('Adam', dict(betas=(1.0, 0.999))), ('Adam', dict(betas=(0.9, -0.1))),
    ('Adam', dict(weight_decay=-0.1)), ('Adam', dict(lr=float('-inf'))),
    ('AdamW', dict(lr=-1.0)), ('AdamW', dict(eps=-1.0)), ('AdamW', dict(betas=(-0.5, 0.9))),
    ('AdamW', dict(betas=(0.5, 1.5))), ('AdamW', dict(weight_decay=-0.01)),
    ('SparseAdam', dict(lr=0.0)), ('SparseAdam', dict(eps=0.0)), ('SparseAdam', dict(betas=(1.0, 0.5))),
    ('SparseAdam', dict(betas=(0.5, 1.0))),
    ('Adamax', dict(lr=-0.002)), ('Adamax', dict(eps=-1e-08)), ('Adamax', dict(betas=(2.0, 0.9))),
    ('Adamax', dict(betas=(0.9, 1.0))), ('Adamax', dict(weight_decay=-1.0)),
    ('ASGD', dict(lr=-0.01)), ('ASGD', dict(weight_decay=-0.1)),
    ('NAdam', dict(lr=-1.0)), ('NAdam', dict(eps=-1.0)), ('NAdam', dict(betas=(1.0, 0.9))),
    ('NAdam', dict(betas=(0.9, 1.0))), ('NAdam', dict(weight_decay=-1.0)),
    ('NAdam', dict(momentum_decay=-0.004)),
    ('RAdam', dict(lr=-1.0)), ('RAdam', dict(eps=-1.0)), ('RAdam', dict(betas=(1.5, 0.9))),
    ('RAdam', dict(betas=(0.9, 1.5))), ('RAdam', dict(weight_decay=-1.0)),
    ('RMSprop', dict(lr=-0.01)), ('RMSprop', dict(eps=-1.0)), ('RMSprop', dict(momentum=-0.9)),
    ('RMSprop', dict(weight_decay=-1.0)), ('RMSprop', dict(alpha=-0.99)),
    ('Rprop', dict(lr=-0.01)), ('Rprop', dict(etas=(1.5, 1.2))), ('Rprop', dict(etas=(0.5, 0.9))),
    ('Rprop', dict(etas=(0.0, 1.2))),
    ('SGD', dict()), ('SGD', dict(lr=-0.1)), ('SGD', dict(lr=0.1, momentum=-0.9)),
    ('SGD', dict(lr=0.1, weight_decay=-1.0)), ('SGD', dict(lr=0.1, nesterov=True)),
    ('SGD', dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
]

S = 'torch.optim.lr_scheduler.'
SGD = ('torch.optim.SGD', dict(lr=0.1, momentum=0.9))
ADAM = ('torch.optim.Adam', dict(lr=0.1))
RPROP = ('torch.optim.Rprop', dict(lr=0.1))
SCHED = [
    ('StepLR', dict(), SGD), ('StepLR', dict(step_size=3, last_epoch=4), SGD),
    ('MultiStepLR', dict(), SGD), ('ExponentialLR', dict(), SGD), ('CosineAnnealingLR', dict(), SGD),
    ('LambdaLR', dict(), SGD), ('MultiplicativeLR', dict(), SGD),
    ('LambdaLR', dict(lr_lambda=['1.0', '0.5']), SGD),
    ('MultiplicativeLR', dict(lr_lambda=['1.0', '0.5', '2']), SGD),
    ('ConstantLR', dict(factor=1.5), SGD), ('ConstantLR', dict(factor=-0.5), SGD),
    ('LinearLR', dict(start_factor=-0.1), SGD), ('LinearLR', dict(start_factor=1.1), SGD),
    ('LinearLR', dict(end_factor=2.0), SGD),
    ('CosineAnnealingWarmRestarts', dict(), SGD),
    ('CosineAnnealingWarmRestarts', dict(T_0=0), SGD), ('CosineAnnealingWarmRestarts', dict(T_0=-3), SGD),
    ('CosineAnnealingWarmRestarts', dict(T_0=5, T_mult=0), SGD),
    ('CyclicLR', dict(), SGD), ('CyclicLR', dict(base_lr=0.01), SGD),
    ('CyclicLR', dict(base_lr=0.01, max_lr=0.1, mode='foo'), SGD),
    ('CyclicLR', dict(base_lr=[0.01, 0.02], max_lr=0.1), SGD),
    ('CyclicLR', dict(base_lr=0.01, max_lr=[0.1, 0.2, 0.3]), SGD),
    ('CyclicLR', dict(base_lr=0.01, max_lr=0.1), ADAM),
    ('CyclicLR', dict(base_lr=0.01, max_lr=0.1, base_momentum=[0.8, 0.9]), SGD),
    ('OneCycleLR', dict(), SGD), ('OneCycleLR', dict(max_lr=0.1), SGD),
    ('OneCycleLR', dict(max_lr=0.1, total_steps=0), SGD),
    ('OneCycleLR', dict(max_lr=0.1, total_steps=-5), SGD),
    ('OneCycleLR', dict(max_lr=0.1, epochs=0, steps_per_epoch=5), SGD),
    ('OneCycleLR', dict(max_lr=0.1, epochs=2, steps_per_epoch=0), SGD),
    ('OneCycleLR', dict(max_lr=0.1, total_steps=10, pct_start=1.5), SGD),
    ('OneCycleLR', dict(max_lr=0.1, total_steps=10, pct_start=-0.1), SGD),
    ('OneCycleLR', dict(max_lr=0.1, total_steps=10, anneal_strategy='exp'), SGD),
    ('OneCycleLR', dict(max_lr=[0.1, 0.2], total_steps=10), SGD),
    ('OneCycleLR', dict(max_lr=0.1, total_steps=10), RPROP),
    ('OneCycleLR', dict(max_lr=0.1, total_steps=10, max_momentum=[0.9, 0.8]), SGD),
    ('ReduceLROnPlateau', dict(factor=1.0), SGD), ('ReduceLROnPlateau', dict(factor=2.5), SGD),
    ('ReduceLROnPlateau', dict(mode='avg'), SGD), ('ReduceLROnPlateau', dict(threshold_mode='x'), SGD),
    ('ReduceLROnPlateau', dict(min_lr=[0.1, 0.2]), SGD),
]


def lit(v):
    if isinstance(v, tuple):
        return '(%s)' % ', '.join(lit(x) for x in v)
    if isinstance(v, list):
        return '[%s]' % ', '.join(lit(x) for x in v)
    return repr(v)


def kw_line(kw):
    return '; '.join('%s=%s' % (k, lit(v)) for k, v in kw.items()) or '-'


def message(fn):
    try:
        fn()
    except ValueError as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 - the exception's text is the golden value
        return '%s: %s' % (type(e).__name__, e)
    raise SystemExit('no error raised')


def main():
    lines = []
    for name, kw in OPT:
        x = torch.zeros(5, requires_grad=True)
        cls = getattr(torch.optim, name)
        msg = message(lambda: cls([x], **kw))
        lines.append('\t'.join(['torch.optim.' + name, kw_line(kw), '-', '-', msg]))
    for name, kw, (oname, okw) in SCHED:
        x = torch.zeros(5, requires_grad=True)
        opt = getattr(torch.optim, oname.split('.')[-1])([x], **okw)
        cls = getattr(L, name)
        k = dict(kw)
        for key in ('lr_lambda',):
            if isinstance(k.get(key), list):
                k[key] = [eval('lambda epoch: ' + s) for s in k[key]]
        msg = message(lambda: cls(opt, **k))
        lines.append('\t'.join([S + name, kw_line(kw), oname, kw_line(okw), msg]))
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        f.write('# torch %s: target, kwargs, optimizer, optimizer kwargs, message\n' % torch.__version__)
        f.write('\n'.join(lines) + '\n')
    os.replace(tmp, OUT)
    print('wrote %d error cases to %s' % (len(lines), OUT))


if __name__ == '__main__':
    main()
