#!/usr/bin/python3
"""Trajectories of torch 1.13's optimizers and LR schedulers on the reference problem, as the
command lines of build/optim-trace ask for them.

Writes tests/golden/catalog/trace.json: a list of {"id", "args", "stdout"}, where args are
optim-trace's command-line arguments and stdout what it must print, computed here with torch:
    optimizer=...           "k lr p0 p1 p2 p3 p4" for k = 1..steps (the lr step k used, the
                            parameters after it; %.17g, %.9g)
    scheduler=...           "k lr" for k = 0..steps over SGD(lr=0.1) or the given optimizer
                            (k = 0 after construction; each step: optimizer step, scheduler step)
Every optimizer and scheduler appears with its defaults and with non-default values of every
option torch accepts on a CPU (last_epoch != -1 is left out: it needs initial_lr in the param
groups, which the command line cannot set). The problem, the gradient (sparse for SparseAdam)
and the LBFGS closure come from tests/oracle/optim_golden.py.

Run: /usr/bin/python3 tests/oracle/catalog_trace.py [--check]   (needs python3-torch 1.13)
"""
import contextlib
import io
import json
import os

# LBFGS's dot products round as OpenBLAS's kernels do: the generic ones, as the replay pins them.
os.environ.setdefault("OPENBLAS_CORETYPE", "Prescott")
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
OUT = os.path.normpath(os.path.join(HERE, '..', 'golden', 'catalog', 'trace.json'))

import optim_golden as G  # noqa: E402  (f, make_params, resolve, build_sched, PLATEAU_*)

O = 'torch.optim.'
S = 'torch.optim.lr_scheduler.'
MOM = {'_target_': O + 'SGD', 'lr': 0.1, 'momentum': 0.9}


def opt(name, **kw):
    return dict(_target_=O + name, **kw)


def sch(name, **kw):
    return dict(_target_=S + name, **kw)


OPT_CASES = [
    ('adadelta', opt('Adadelta'), 20),
    ('adadelta_all', opt('Adadelta', lr=0.5, rho=0.8, eps=1e-05, weight_decay=0.1, foreach=False), 20),
    ('adadelta_maximize', opt('Adadelta', lr=0.3, maximize=True), 20),
    ('adagrad', opt('Adagrad'), 20),
    ('adagrad_all', opt('Adagrad', lr=0.1, lr_decay=0.01, weight_decay=0.05,
                        initial_accumulator_value=0.1, eps=1e-08, foreach=False), 20),
    ('adagrad_maximize', opt('Adagrad', lr=0.05, maximize=True), 20),
    ('adam', opt('Adam'), 20),
    ('adam_amsgrad', opt('Adam', lr=0.1, amsgrad=True), 20),
    ('adam_all', opt('Adam', lr=0.05, betas=[0.8, 0.95], eps=1e-06, weight_decay=0.1, amsgrad=True,
                     foreach=False, capturable=False, differentiable=False, fused=False), 30),
    ('adam_maximize', opt('Adam', lr=0.01, maximize=True), 20),
    ('adamw', opt('AdamW'), 20),
    ('adamw_all', opt('AdamW', lr=0.05, betas=[0.85, 0.99], eps=1e-07, weight_decay=0.1,
                      amsgrad=True, foreach=False, capturable=False), 30),
    ('adamw_maximize', opt('AdamW', lr=0.02, weight_decay=0, maximize=True), 20),
    ('sparse_adam', opt('SparseAdam'), 20),
    ('sparse_adam_all', opt('SparseAdam', lr=0.05, betas=[0.7, 0.9], eps=1e-06), 30),
    ('sparse_adam_maximize', opt('SparseAdam', lr=0.02, maximize=True), 20),
    ('adamax', opt('Adamax'), 20),
    ('adamax_all', opt('Adamax', lr=0.05, betas=[0.8, 0.99], eps=1e-06, weight_decay=0.1,
                       foreach=False), 30),
    ('adamax_maximize', opt('Adamax', lr=0.02, maximize=True), 20),
    ('asgd', opt('ASGD'), 20),
    ('asgd_all', opt('ASGD', lr=0.05, lambd=0.01, alpha=0.5, t0=5.0, weight_decay=0.1,
                     foreach=False), 30),
    ('asgd_maximize', opt('ASGD', lr=0.01, t0=3, maximize=True), 20),
    ('lbfgs', opt('LBFGS'), 4),
    ('lbfgs_all', opt('LBFGS', lr=0.5, max_iter=5, max_eval=7, tolerance_grad=1e-05,
                      tolerance_change=1e-07, history_size=3), 8),
    ('lbfgs_strong_wolfe', opt('LBFGS', lr=2, max_iter=4, history_size=2,
                               line_search_fn='strong_wolfe'), 8),
    ('nadam', opt('NAdam'), 20),
    ('nadam_all', opt('NAdam', lr=0.05, betas=[0.8, 0.95], eps=1e-06, weight_decay=0.1,
                      momentum_decay=0.01, foreach=False), 30),
    ('radam', opt('RAdam'), 20),
    ('radam_all', opt('RAdam', lr=0.05, betas=[0.8, 0.9], eps=1e-06, weight_decay=0.1,
                      foreach=False), 30),
    ('rmsprop', opt('RMSprop'), 20),
    ('rmsprop_all', opt('RMSprop', lr=0.005, alpha=0.95, eps=1e-06, weight_decay=0.1, momentum=0.5,
                        centered=True, foreach=False, differentiable=False), 30),
    ('rmsprop_maximize', opt('RMSprop', lr=0.01, maximize=True), 20),
    ('rprop', opt('Rprop'), 30),
    ('rprop_all', opt('Rprop', lr=0.05, etas=[0.3, 1.5], step_sizes=[0.001, 0.5], foreach=False), 30),
    ('rprop_maximize', opt('Rprop', lr=0.02, maximize=True), 20),
    ('sgd', opt('SGD', lr=0.05), 20),
    ('sgd_all', opt('SGD', lr=0.03, momentum=0.5, dampening=0.2, weight_decay=0.1), 30),
    ('sgd_nesterov', opt('SGD', lr=0.02, momentum=0.9, nesterov=True, maximize=False,
                         foreach=False, differentiable=False), 30),
    ('sgd_maximize', opt('SGD', lr=0.01, maximize=True), 20),
]

PLATEAU = G.PLATEAU_METRICS
SCHED_CASES = [
    # id, scheduler, optimizer (None: SGD lr=0.1), steps, metrics
    ('step_lr', sch('StepLR', step_size=1, gamma=0.7), None, 30, None),
    ('step_lr_all', sch('StepLR', step_size=3, gamma=0.5, last_epoch=-1, verbose=True), None, 20,
     None),
    ('multi_step_lr', sch('MultiStepLR', milestones=[2, 5, 5, 9]), None, 12, None),
    ('multi_step_lr_all', sch('MultiStepLR', milestones=[3, 6], gamma=0.3, verbose=True), None,
     20, None),
    ('constant_lr', sch('ConstantLR'), None, 8, None),
    ('constant_lr_all', sch('ConstantLR', factor=0.5, total_iters=3, verbose=True), None, 8, None),
    ('linear_lr', sch('LinearLR'), None, 8, None),
    ('linear_lr_all', sch('LinearLR', start_factor=0.1, end_factor=0.8, total_iters=6), None, 10,
     None),
    ('exponential_lr', sch('ExponentialLR', gamma=0.9), None, 20, None),
    ('polynomial_lr', sch('PolynomialLR'), None, 8, None),
    ('polynomial_lr_all', sch('PolynomialLR', total_iters=7, power=2.5), None, 10, None),
    ('cosine_annealing_lr', sch('CosineAnnealingLR', T_max=5), None, 25, None),
    ('cosine_annealing_lr_all', sch('CosineAnnealingLR', T_max=7, eta_min=0.01), None, 30, None),
    ('cosine_annealing_warm_restarts', sch('CosineAnnealingWarmRestarts', T_0=4), None, 20, None),
    ('cosine_annealing_warm_restarts_all',
     sch('CosineAnnealingWarmRestarts', T_0=3, T_mult=2, eta_min=0.01), None, 25, None),
    ('cyclic_lr', sch('CyclicLR', base_lr=0.01, max_lr=0.1, step_size_up=4), MOM, 25, None),
    ('cyclic_lr_triangular2', sch('CyclicLR', base_lr=0.01, max_lr=0.1, step_size_up=3,
                                  step_size_down=5, mode='triangular2'), MOM, 30, None),
    ('cyclic_lr_exp_range', sch('CyclicLR', base_lr=0.01, max_lr=0.1, step_size_up=3,
                                mode='exp_range', gamma=0.9, base_momentum=0.7,
                                max_momentum=0.95), MOM, 25, None),
    ('cyclic_lr_scale_fn', sch('CyclicLR', base_lr=0.01, max_lr=0.1, step_size_up=2,
                               scale_fn='0.97 ** x', scale_mode='iterations',
                               cycle_momentum=False), None, 15, None),
    ('cyclic_lr_adam', sch('CyclicLR', base_lr=0.001, max_lr=0.01, step_size_up=3,
                           cycle_momentum=False), opt('Adam', lr=0.01), 12, None),
    ('one_cycle_lr', sch('OneCycleLR', max_lr=0.1, total_steps=20), MOM, 20, None),
    ('one_cycle_lr_all', sch('OneCycleLR', max_lr=0.2, total_steps=16, pct_start=0.25,
                             anneal_strategy='linear', cycle_momentum=True, base_momentum=0.8,
                             max_momentum=0.9, div_factor=10.0, final_div_factor=100.0,
                             three_phase=False), MOM, 16, None),
    ('one_cycle_lr_epochs', sch('OneCycleLR', max_lr=0.1, epochs=3, steps_per_epoch=6,
                                three_phase=True, cycle_momentum=False), None, 18, None),
    ('one_cycle_lr_adam', sch('OneCycleLR', max_lr=0.05, total_steps=12), opt('Adam', lr=0.01),
     12, None),
    ('reduce_lr_on_plateau', sch('ReduceLROnPlateau', patience=2), None, 25, PLATEAU),
    ('reduce_lr_on_plateau_all', sch('ReduceLROnPlateau', mode='max', factor=0.3, patience=1,
                                     threshold=0.05, threshold_mode='abs', cooldown=2,
                                     min_lr=0.01, eps=0.001, verbose=True), None, 25,
     G.PLATEAU_UP),
    ('lambda_lr', sch('LambdaLR', lr_lambda='0.95 ** epoch'), None, 20, None),
    ('lambda_lr_warmup', sch('LambdaLR', lr_lambda='lambda e: (e + 1) / 5 if e < 5 else '
                             '0.5 ** ((e - 5) // 3)', verbose=True), None, 15, None),
    ('multiplicative_lr', sch('MultiplicativeLR', lr_lambda='0.5 if epoch % 3 == 0 else 1.0'),
     None, 12, None),
    ('sequential_lr', sch('SequentialLR', milestones=[3], schedulers=[
        sch('ConstantLR', factor=0.1, total_iters=2), sch('ExponentialLR', gamma=0.9)]),
     None, 12, None),
    ('sequential_lr_three', sch('SequentialLR', milestones=[2, 6], verbose=True, schedulers=[
        sch('LinearLR', start_factor=0.2, total_iters=2), sch('StepLR', step_size=2, gamma=0.5),
        sch('CosineAnnealingLR', T_max=4)]), None, 14, None),
    ('chained_scheduler', sch('ChainedScheduler', schedulers=[
        sch('StepLR', step_size=3, gamma=0.5), sch('LinearLR', start_factor=0.5, total_iters=4),
        sch('MultiplicativeLR', lr_lambda='0.98')]), None, 12, None),
]


def override(v):
    """A value in Hydra's override grammar."""
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if v is None:
        return 'null'
    if isinstance(v, str):
        return "'%s'" % v.replace('\\', '\\\\').replace("'", "\\'")
    if isinstance(v, (list, tuple)):
        return '[%s]' % ', '.join(override(x) for x in v)
    if isinstance(v, dict):
        return '{%s}' % ', '.join('%s: %s' % (k, override(x)) for k, x in v.items())
    return repr(v)


def kwargs(cfg):
    return {k: (tuple(v) if k in ('betas', 'etas', 'step_sizes') else v)
            for k, v in cfg.items() if k != '_target_'}


def run_opt(cfg, steps):
    params, full = G.make_params(False)
    target = cfg['_target_']
    o = G.resolve(target)(params, **kwargs(cfg))
    sparse = target.endswith('SparseAdam')

    def grads():
        o.zero_grad()
        loss = G.f(full())
        loss.backward()
        if sparse:
            for p in params:
                p.grad = p.grad.to_sparse()
        return loss

    lines = []
    for k in range(1, steps + 1):
        lr = o.param_groups[0]['lr']
        if target.endswith('LBFGS'):
            o.step(grads)
        else:
            grads()
            o.step()
        lines.append('%d %.17g %s' % (k, lr, G.fmt_params(params)))
    return lines


def build(cfg, o):
    kw = kwargs(cfg)
    if 'schedulers' in kw:
        kids = [build(c, o) for c in kw.pop('schedulers')]
        if cfg['_target_'].endswith('ChainedScheduler'):
            return G.L.ChainedScheduler(kids)
        return G.L.SequentialLR(o, kids, **kw)
    return G.build_sched(cfg['_target_'], o, kw)


def run_sched(cfg, ocfg, steps, metrics):
    params, full = G.make_params(False)
    ocfg = ocfg or {'_target_': O + 'SGD', 'lr': 0.1}
    o = G.resolve(ocfg['_target_'])(params, **kwargs(ocfg))
    with contextlib.redirect_stdout(io.StringIO()):  # verbose=True prints
        s = build(cfg, o)
        lines = ['0 %.17g' % o.param_groups[0]['lr']]
        for k in range(1, steps + 1):
            o.zero_grad()
            G.f(full()).backward()
            o.step()
            if metrics is not None:
                s.step(metrics[k - 1])
            else:
                s.step()
            lines.append('%d %.17g' % (k, o.param_groups[0]['lr']))
    return lines


def generate():
    cases = []
    for cid, cfg, steps in OPT_CASES:
        args = ['optimizer=' + override(cfg), 'steps=%d' % steps]
        cases.append({'id': 'opt_' + cid, 'args': args, 'stdout': '\n'.join(run_opt(cfg, steps)) + '\n'})
    for cid, cfg, ocfg, steps, metrics in SCHED_CASES:
        args = ['scheduler=' + override(cfg), 'steps=%d' % steps]
        if ocfg:
            args.append('optimizer=' + override(ocfg))
        if metrics is not None:
            args.append('metrics=' + override(metrics[:steps]))
        cases.append({'id': 'sched_' + cid, 'args': args,
                      'stdout': '\n'.join(run_sched(cfg, ocfg, steps, metrics)) + '\n'})
    return json.dumps(cases, indent=1) + '\n'


def main():
    text = generate()
    if '--check' in sys.argv:
        with open(OUT) as f:
            if f.read() != text:
                sys.exit('%s differs from what torch gives' % OUT)
        print('%s matches torch' % OUT)
        return
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, OUT)
    print('wrote %d cases to %s' % (text.count('"id"'), OUT))


if __name__ == '__main__':
    main()
