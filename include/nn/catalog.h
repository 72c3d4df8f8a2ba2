/*
 * nn/catalog.h - every torch.optim optimizer and LR scheduler as a structured config and a
 * `_target_` that instantiate (cydra/instantiate.h) builds.
 *
 * The catalogue is made from the describe tables of nn/optim.h and nn/sched.h at start-up, so the
 * signatures exist once: each optimizer and scheduler gets a structured config in hydra-torch's
 * convention, `AdamConf`, whose fields are torch 1.13's signature in order -
 *
 *     _target_: torch.optim.adam.Adam      (str, the class)
 *     params: ???                          (schedulers: optimizer: ???; given at call time)
 *     lr: 0.001                            (every other field typed Any, with torch's default;
 *     betas: [0.9, 0.999]                   tuples as lists, None as null, required ones ???)
 *     ...
 *
 * - and a target registered under torch's qualified name and, for optimizers, the short one
 * (torch.optim.adam.Adam and torch.optim.Adam; torch.optim.lr_scheduler.StepLR), whose factory
 * builds the nn_optim / nn_sched with torch's checks and messages:
 *
 *     nn_catalog_init();                                   // once, before instantiating
 *     nn_params_ref pr = {params, nparams};                // the model's parameters
 *     cy_arg a[] = {NN_CATALOG_PARAMS_ARG(&pr)};
 *     cy_object *oo, *so;
 *     if (cy_instantiate(&oo, cfg_optim, a, 1) < 0) ...   // "Error in call to target
 *                                                          //  'torch.optim.adam.Adam':
 *                                                          //  ValueError('Invalid learning rate:
 *                                                          //  -1.0')\nfull_key: optim"
 *     nn_optim *opt = cy_object_ptr(oo, NN_CATALOG_OPTIM);
 *     cy_arg b[] = {NN_CATALOG_OPTIMIZER_ARG(opt)};
 *     if (cy_instantiate(&so, cfg_sched, b, 1) < 0) ...    // hydra#1413: optimizer at call time
 *     nn_sched *sched = cy_object_ptr(so, NN_CATALOG_SCHED);
 *     ...
 *     cy_object_free(so);                                  // scheduler before its optimizer
 *     cy_object_free(oo);
 *
 * SequentialLR and ChainedScheduler get their children by recursive instantiation: the children's
 * configs leave `optimizer` out (or ???) and receive the one given at call time; the parent takes
 * ownership of the children's schedulers. LambdaLR/MultiplicativeLR's lr_lambda and CyclicLR's
 * scale_fn are expression strings (nn/expr.h), e.g. `lr_lambda: "0.95 ** epoch"`.
 *
 * Values are converted as torch receives them from Hydra: ints stay ints, floats floats, lists
 * lists; a value torch would reject is the factory's TypeError ("Adam: 'betas' expects a pair of
 * numbers, got a string"), wrapped by instantiate like Hydra wraps any exception of the target.
 *
 * The config store (cydra/store.h) gets the schemas with nn_catalog_store, as group options named
 * after torch's modules (adam, sparse_adam, rmsprop) and, for schedulers, after the class in
 * snake case (step_lr, cosine_annealing_lr, reduce_lr_on_plateau).
 *
 * Ownership: entries, schemas and targets are static for the life of the process. Objects are
 * the caller's (cy_object_free); an optimizer object must outlive the schedulers built on it.
 * Errors: negative cy_err codes with cy_error_last() set.
 */
#ifndef NN_CATALOG_H
#define NN_CATALOG_H

#include <stddef.h>

#include "cydra/instantiate.h"
#include "cydra/schema.h"
#include "cydra/store.h"
#include "nn/optim.h"
#include "nn/sched.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Type tags: the params pointer a caller passes, and the objects the factories return. */
#define NN_CATALOG_PARAMS "nn_params" /* an nn_params_ref * */
#define NN_CATALOG_OPTIM  "nn_optim"  /* an nn_optim * */
#define NN_CATALOG_SCHED  "nn_sched"  /* an nn_sched * */

/* The model's parameters, as the `params` argument of an optimizer (borrowed by the optimizer). */
typedef struct nn_params_ref {
    nn_param *params;
    int n;
} nn_params_ref;

#define NN_CATALOG_PARAMS_ARG(ref)    CY_ARG_PTR("params", NN_CATALOG_PARAMS, (ref))
#define NN_CATALOG_OPTIMIZER_ARG(opt) CY_ARG_PTR("optimizer", NN_CATALOG_OPTIM, (opt))

typedef enum nn_catalog_kind {
    NN_CATALOG_OPTIMIZER,
    NN_CATALOG_SCHEDULER,
} nn_catalog_kind;

typedef struct nn_catalog_entry {
    nn_catalog_kind kind;
    const char *option;         /* the config group option: "adam", "step_lr" */
    const char *conf_name;      /* the structured config's name: "AdamConf", "StepLRConf" */
    const char *target;         /* torch's qualified name: "torch.optim.adam.Adam" */
    const char *alias;          /* "torch.optim.Adam"; NULL for schedulers */
    const nn_optim_desc *optim; /* kind NN_CATALOG_OPTIMIZER */
    const nn_sched_desc *sched; /* kind NN_CATALOG_SCHEDULER */
    const cy_schema *schema;    /* fields: _target_ (STR), then the signature (ANY) */
    const cy_target *def;       /* the registered instantiate target */
} nn_catalog_entry;

/* Builds the schemas and registers every target with cy_target_register (once; later calls
 * return the first call's status). Thread-safe. */
int nn_catalog_init(void);

/* The entries (optimizers in torch.optim's order, then schedulers in torch's __all__ order).
 * Before nn_catalog_init succeeded: 0 and NULL. */
size_t nn_catalog_count(void);
const nn_catalog_entry *nn_catalog_at(size_t i);

/* The entry named by option ("adam"), config name ("AdamConf"), target or alias, or NULL. */
const nn_catalog_entry *nn_catalog_find(const char *name);

/* cy_instantiate(cfg, params=(params, n)) for an optimizer config: *out is an object of type
 * NN_CATALOG_OPTIM. */
int nn_catalog_make_optim(cy_object **out, const cy_node *cfg, nn_param *params, int n);

/* cy_instantiate(cfg, optimizer=opt) for a scheduler config: *out is an NN_CATALOG_SCHED object
 * (opt is borrowed and must outlive it). */
int nn_catalog_make_sched(cy_object **out, const cy_node *cfg, nn_optim *opt);

/* The YAML of entry e's config with its defaults, as OmegaConf.to_yaml writes it, after a
 * comment header naming its origin (the text of a generated config group file). overrides (may
 * be NULL) is a YAML mapping merged over the defaults (a required value an app fixes, such as
 * StepLR's step_size); its keys must be fields. *out is malloc'd; the caller frees it. */
int nn_catalog_yaml(char **out, const nn_catalog_entry *e, const char *overrides);

/* Stores every schema in the config store as an option of optim_group (optimizers) or
 * sched_group (schedulers); a NULL group leaves that kind out. Defined here (not in libnn) so
 * that libnn does not depend on composition: the caller links libcydra's store anyway. */
static inline int nn_catalog_store(cy_store *cs, const char *optim_group, const char *sched_group) {
    int rc = nn_catalog_init();
    for (size_t i = 0; rc == 0 && i < nn_catalog_count(); i++) {
        const nn_catalog_entry *e = nn_catalog_at(i);
        cy_store_item it = CY_STORE_ITEM_INIT;
        it.group = e->kind == NN_CATALOG_OPTIMIZER ? optim_group : sched_group;
        if (!it.group)
            continue;
        it.name = e->option;
        it.schema = e->schema;
        it.provider = "libnn";
        rc = cy_store_add(cs, &it);
    }
    return rc;
}

#ifdef __cplusplus
}
#endif

#endif
