/*
 * test_compose_defaults.c - the defaults-list machinery with overrides built by hand (no override
 * parser): package and path rules of single defaults, the tree walk, group choices, appends,
 * deletions, sweeps left to multirun, and composition from parsed overrides.
 */
#include <stdlib.h>
#include <string.h>

#include "cydra/compose/compose_internal.h"
#include "cydra/yaml.h"
#include "harness.h"

/* ---------------------------------------------------------------------------------------------
 * One default's paths and packages (InputDefault's get_* methods)
 */

typedef struct dcase {
    dkind kind;
    const char *path_or_group, *value, *package, *pbd, *pp, *header;
    const char *group_path, *config_path, *final_package, *override_key;
} dcase;

static void test_default_paths(void) {
    static const dcase cases[] = {
        /* group defaults at the top */
        {D_GROUP, "db", "mysql", NULL, "", "", NULL, "db", "db/mysql", "db", "db"},
        {D_GROUP, "db", "mysql", "backup", "", "", NULL, "db", "db/mysql", "backup", "db@backup"},
        {D_GROUP, "db", "mysql", "", "", "", NULL, "db", "db/mysql", "", "db@_global_"},
        {D_GROUP, "db", "mysql", "_global_", "", "", NULL, "db", "db/mysql", "", "db@_global_"},
        {D_GROUP, "db", "mysql", "_global_.x", "", "", NULL, "db", "db/mysql", "x", "db@x"},
        /* a header changes the final package but not the override key */
        {D_GROUP, "db", "mysql", NULL, "", "", "_global_.foo", "db", "db/mysql", "foo", "db"},
        {D_GROUP, "db", "mysql", NULL, "", "", "_global_", "db", "db/mysql", "", "db"},
        /* nested in server/site (package server) */
        {D_GROUP, "sub", "a", NULL, "server", "server", NULL, "server/sub", "server/sub/a",
         "server.sub", "server/sub"},
        {D_GROUP, "sub", "a", "", "server", "server", NULL, "server/sub", "server/sub/a", "server",
         "server/sub@server"},
        {D_GROUP, "/db", "pg", NULL, "server", "server", NULL, "db", "db/pg", "server.db",
         "db@server.db"},
        {D_GROUP, "/db", "pg", "_global_.x", "server", "server", NULL, "db", "db/pg", "x", "db@x"},
        {D_GROUP, "group2", NULL, NULL, "group1", "group1", NULL, "group1/group2",
         "group1/group2/None", "group1.group2", "group1/group2"},
        /* config defaults */
        {D_CONFIG, "db/mysql", NULL, NULL, "", "", NULL, "db", "db/mysql", "db", "db"},
        {D_CONFIG, "db/mysql", NULL, "copy", "", "", NULL, "db", "db/mysql", "copy", "db@copy"},
        {D_CONFIG, "plain", NULL, NULL, "", "", NULL, "", "plain", "", ""},
        {D_CONFIG, "x/y", NULL, NULL, "a/b", "a.b", NULL, "a/b/x", "a/b/x/y", "a.b.x", "a/b/x"},
        {D_CONFIG, "/x/y", NULL, NULL, "a/b", "a.b", NULL, "x", "x/y", "a.b.x", "x@a.b.x"},
    };
    cy_arena *a = cy_arena_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const dcase *c = &cases[i];
        dflt d = {0};
        d.kind = c->kind;
        if (c->kind == D_GROUP) {
            d.group = c->path_or_group;
            d.value = c->value;
        } else {
            d.path = c->path_or_group;
        }
        d.package = c->package;
        d.parent_base_dir = c->pbd;
        d.parent_package = c->pp;
        d.package_header = c->header;
        CHECK_STREQ(cyc_dflt_group_path(a, &d), c->group_path);
        CHECK_STREQ(cyc_dflt_config_path(a, &d), c->config_path);
        CHECK_STREQ(cyc_dflt_final_package(a, &d, true), c->final_package);
        CHECK_STREQ(cyc_dflt_override_key(a, &d), c->override_key);
    }
    dflt s = {.kind = D_CONFIG, .path = "_self_", .parent_base_dir = "", .parent_package = ""};
    CHECK(cyc_dflt_is_self(&s));
    CHECK_STREQ(cyc_dflt_name(&s), "_self_");
    cy_arena_free(a);
}

static void test_memo_invalidation(void) {
    cy_arena *a = cy_arena_new();
    dflt d = {.kind = D_GROUP,
              .group = "db",
              .value = "mysql",
              .parent_base_dir = "",
              .parent_package = ""};
    CHECK_STREQ(cyc_dflt_config_path(a, &d), "db/mysql");
    d.value = "pg";
    CHECK_STREQ(cyc_dflt_config_path(a, &d), "db/pg");
    CHECK_STREQ(cyc_dflt_final_package(a, &d, true), "db");
    d.parent_package = "outer";
    CHECK_STREQ(cyc_dflt_final_package(a, &d, true), "outer.db");
    d.package = "_global_.top";
    CHECK_STREQ(cyc_dflt_final_package(a, &d, true), "top");
    CHECK_STREQ(cyc_dflt_override_key(a, &d), "db@top");
    cy_arena_free(a);
}

/* ---------------------------------------------------------------------------------------------
 * Defaults lists from a store, with hand-built overrides
 */

static cy_store *demo_store(void) {
    cy_store *s;
    if (cy_store_new(&s, 0) < 0)
        return NULL;
    cy_store_yaml(s, NULL, "config", "defaults:\n  - db: mysql\n  - _self_\nx: 1\n");
    cy_store_yaml(s, NULL, "mandatory", "defaults:\n  - db: ???\n");
    cy_store_yaml(s, "db", "mysql", "driver: mysql\n");
    cy_store_yaml(s, "db", "pg", "driver: pg\n");
    cy_store_yaml(s, "extra", "x", "# @package _global_\nextra: true\n");
    return s;
}

static cy_repo *demo_repo(cy_arena *a, cy_store *s, cy_loader **lout) {
    cy_loader_opts lo = CY_LOADER_OPTS_INIT;
    lo.store = s;
    cy_loader *l;
    if (cy_loader_new(&l, &lo) < 0)
        return NULL;
    cy_repo *r;
    if (cy_loader_repo(&r, a, l) < 0)
        return NULL;
    *lout = l;
    return r;
}

static ovr make(cy_arena *a, ovr_type t, const char *key, const char *pkg, const char *line,
                const char *value_yaml, ovr_value_type vt) {
    ovr o = {0};
    o.type = t;
    o.key = key;
    o.package = pkg;
    o.input_line = line;
    o.value_type = vt;
    if (value_yaml)
        o.value = cy_yaml_plain_scalar(a, value_yaml);
    return o;
}

static const char *list_str(cy_arena *a, const defaults_result *d) {
    const char *s = "";
    for (size_t i = 0; i < d->pub.len; i++)
        s = cy_arena_printf(a, "%s%s%s@%s", s, i ? " " : "", d->pub.list[i].config_path,
                            d->pub.list[i].package);
    return s;
}

static void test_defaults_with_overrides(void) {
    cy_arena *a = cy_arena_new();
    cy_store *s = demo_store();
    cy_loader *l = NULL;
    cy_repo *r = demo_repo(a, s, &l);
    CHECK(r != NULL);
    defaults_result d;

    CHECK_EQ_INT(cyc_defaults_create(&d, a, r, "config", NULL, 0, false, false), 0);
    CHECK_STREQ(list_str(a, &d), "db/mysql@db config@");
    CHECK_EQ_INT(d.n_choices, 1);
    CHECK_STREQ(d.choice_keys[0], "db");
    CHECK_STREQ(d.choice_values[0], "mysql");
    CHECK(d.pub.list[1].is_self && d.pub.list[1].primary);

    ovr o[3];
    o[0] = make(a, OVR_CHANGE, "db", NULL, "db=pg", "pg", OVR_VALUE_ELEMENT);
    o[1] = make(a, OVR_ADD, "extra", NULL, "+extra=x", "x", OVR_VALUE_ELEMENT);
    o[2] = make(a, OVR_CHANGE, "x", NULL, "x=2", "2", OVR_VALUE_ELEMENT);
    CHECK_EQ_INT(cyc_defaults_create(&d, a, r, "config", o, 3, false, false), 0);
    CHECK_STREQ(list_str(a, &d), "db/pg@db config@ extra/x@");
    CHECK_EQ_INT(d.n_config_overrides, 1);
    CHECK_STREQ(d.config_overrides[0]->input_line, "x=2");

    o[0] = make(a, OVR_DEL, "db", NULL, "~db", NULL, OVR_VALUE_NONE);
    CHECK_EQ_INT(cyc_defaults_create(&d, a, r, "config", o, 1, false, false), 0);
    CHECK_STREQ(list_str(a, &d), "config@");

    /* a sweep is not a choice: left out here, the sweeper sets it per job */
    o[0] = make(a, OVR_CHANGE, "db", NULL, "db=mysql,pg", NULL, OVR_VALUE_SIMPLE_SWEEP);
    CHECK_EQ_INT(cyc_defaults_create(&d, a, r, "config", o, 1, false, true), 0);
    CHECK_STREQ(list_str(a, &d), "db/mysql@db config@");

    /* ??? is an error unless sweeping (skip_missing) */
    CHECK(cyc_defaults_create(&d, a, r, "mandatory", NULL, 0, false, false) < 0);
    CHECK_STREQ(cy_error_last()->msg, "You must specify 'db', e.g, db=<OPTION>\nAvailable "
                                      "options:\n\tmysql\n\tpg");
    CHECK_EQ_INT(cyc_defaults_create(&d, a, r, "mandatory", NULL, 0, false, true), 0);
    CHECK_STREQ(list_str(a, &d), "mandatory@");
    CHECK_STREQ(d.choice_values[0], "???");

    /* group override errors */
    o[0] = make(a, OVR_FORCE_ADD, "db", NULL, "++db=pg", "pg", OVR_VALUE_ELEMENT);
    CHECK(cyc_defaults_create(&d, a, r, "config", o, 1, false, false) < 0);
    CHECK_STREQ(cy_error_last()->msg, "force-add of config groups is not supported: '++db=pg'");
    o[0] = make(a, OVR_CHANGE, "db", NULL, "db=1", "1", OVR_VALUE_ELEMENT);
    CHECK(cyc_defaults_create(&d, a, r, "config", o, 1, false, false) < 0);
    CHECK_STREQ(cy_error_last()->msg, "Config group override must be a string or a list. Got int");
    CHECK_STREQ(cy_error_last()->exc, "ValueError");
    o[0] = make(a, OVR_CHANGE, "db", "other", "db@other=pg", "pg", OVR_VALUE_ELEMENT);
    CHECK(cyc_defaults_create(&d, a, r, "config", o, 1, false, false) < 0);
    CHECK_STREQ(cy_error_last()->msg, "Could not override 'db@other'.\nDid you mean to override "
                                      "db?\nTo append to your default list use +db@other=pg");

    /* a dict value is a config override even for a group name */
    o[0] = make(a, OVR_CHANGE, "db", NULL, "db={driver:x}", NULL, OVR_VALUE_ELEMENT);
    o[0].value = cy_new_dict(a);
    cy_dict_put(o[0].value, "driver", cy_new_str(a, "x"));
    CHECK_EQ_INT(cyc_defaults_create(&d, a, r, "config", o, 1, false, false), 0);
    CHECK_EQ_INT(d.n_config_overrides, 1);

    /* a list value: options merged one after the other */
    o[0] = make(a, OVR_CHANGE, "db", NULL, "db=[mysql,pg]", NULL, OVR_VALUE_ELEMENT);
    o[0].value = cy_new_list(a);
    cy_list_push(o[0].value, cy_new_str(a, "mysql"));
    cy_list_push(o[0].value, cy_new_str(a, "pg"));
    CHECK_EQ_INT(cyc_defaults_create(&d, a, r, "config", o, 1, false, false), 0);
    CHECK_STREQ(list_str(a, &d), "db/mysql@db db/pg@db config@");

    /* the tree */
    CHECK_EQ_INT(cyc_defaults_create(&d, a, r, "config", NULL, 0, true, false), 0);
    const cy_default_node *t = d.pub.tree;
    if (!t) {
        cy_arena_free(a);
        return;
    }
    CHECK_EQ_INT(t->kind, CY_DEFAULT_ROOT);
    CHECK_EQ_INT(t->n_children, 2);
    if (t->n_children == 2) {
        CHECK_STREQ(t->children[0]->label, "hydra/config");
        CHECK_STREQ(t->children[1]->label, "config");
        CHECK_EQ_INT(t->children[1]->n_children, 2);
        if (t->children[1]->n_children == 2) {
            CHECK_STREQ(t->children[1]->children[0]->label, "db: mysql");
            CHECK_EQ_INT(t->children[1]->children[0]->kind, CY_DEFAULT_GROUP);
            CHECK_STREQ(t->children[1]->children[0]->package, "db");
            CHECK(t->children[1]->children[1]->is_self);
        }
    }
    cy_loader_free(l);
    cy_store_free(s);
    cy_arena_free(a);
}

static void test_compose_parsed(void) {
    cy_arena *a = cy_arena_new();
    cy_store *s = demo_store();
    cy_loader_opts lo = CY_LOADER_OPTS_INIT;
    lo.store = s;
    cy_loader *l;
    CHECK_EQ_INT(cy_loader_new(&l, &lo), 0);
    ovr o[3];
    o[0] = make(a, OVR_CHANGE, "db", NULL, "db=pg", "pg", OVR_VALUE_ELEMENT);
    o[1] = make(a, OVR_CHANGE, "x", NULL, "x=[1,2]", NULL, OVR_VALUE_ELEMENT);
    o[1].value = cy_new_list(a);
    cy_list_push(o[1].value, cy_new_int(a, 1));
    cy_list_push(o[1].value, cy_new_int(a, 2));
    o[2] = make(a, OVR_ADD, "y.z", NULL, "+y.z=3", "3", OVR_VALUE_ELEMENT);
    cy_composed res;
    CHECK_EQ_INT(cy__compose_parsed(&res, a, l, "config", o, 3, CY_MODE_RUN, true), 0);
    char *t = NULL;
    cy_show_opts so = CY_SHOW_OPTS_INIT;
    CHECK_EQ_INT(cy_render_cfg(&t, res.cfg, &so), 0);
    CHECK_STREQ(t, "db:\n  driver: pg\nx:\n- 1\n- 2\n'y':\n  z: 3\n");
    free(t);
    /* without the hydra node, nothing of Hydra's is filled in */
    CHECK(cy_dict_get(res.cfg, "hydra") == NULL);

    /* the same in multirun mode: sweeps stay out of the config */
    o[0] = make(a, OVR_CHANGE, "x", NULL, "x=1,2", NULL, OVR_VALUE_SIMPLE_SWEEP);
    CHECK_EQ_INT(cy__compose_parsed(&res, a, l, "config", o, 1, CY_MODE_MULTIRUN, false), 0);
    CHECK_EQ_INT(cy_dict_get(res.cfg, "x")->v.i, 1);
    const cy_node *task;
    CHECK_EQ_INT(cy_select(res.cfg, "hydra.overrides.task", &task, 0), 0);
    CHECK_EQ_INT(cy_node_len(task), 1);
    CHECK(cy__compose_parsed(&res, a, l, "config", o, 1, CY_MODE_RUN, false) < 0);
    CHECK(strncmp(cy_error_last()->msg, "Ambiguous value for argument 'x=1,2'", 36) == 0);
    cy_loader_free(l);
    cy_store_free(s);
    cy_arena_free(a);
}

static void test_suggestions(void) {
    const char *keys[] = {"epochs", "batch_size", "seed", "lr", "log_interval"};
    CHECK_STREQ(cy_suggest_closest("epoch", keys, 5), "epochs");
    CHECK_STREQ(cy_suggest_closest("Epochs", keys, 5), "epochs");
    CHECK_STREQ(cy_suggest_closest("epcohs", keys, 5), "epochs"); /* transposition */
    CHECK_STREQ(cy_suggest_closest("batchsize", keys, 5), "batch_size");
    CHECK_STREQ(cy_suggest_closest("sed", keys, 5), "seed");
    CHECK(cy_suggest_closest("lr", keys, 5) == NULL); /* exact: nothing to suggest */
    CHECK(cy_suggest_closest("momentum", keys, 5) == NULL);
    CHECK(cy_suggest_closest("x", keys, 5) == NULL);
    CHECK_STREQ(cy_suggest_closest("l", keys, 5), "lr");
    CHECK(cy_suggest_closest("anything", keys, 0) == NULL);

    /* the hint goes after the key facts, context lines stay above */
    cy_error_set(CY_EKEY, "ConfigKeyError", "Key 'epoch' not in 'MNISTConf'");
    cy_error_at_key("epoch", "MNISTConf", NULL);
    cy_error_wrap("Could not override 'epoch'.");
    cyc_error_add_hint("epochs");
    char *t = cy_error_text(cy_error_last());
    CHECK_STREQ(t, "Could not override 'epoch'.\nKey 'epoch' not in 'MNISTConf'\n    full_key: "
                   "epoch\n    object_type=MNISTConf\nDid you mean 'epochs'?");
    CHECK_STREQ(cy_error_last()->exc, "ConfigKeyError");
    free(t);
    cy_error_clear();
}

static void test_header_parsing(void) {
    cy_arena *a = cy_arena_new();
    const char *p;
    CHECK_EQ_INT(cyc_yaml_header_package(&p, a, "# @package foo\nx: 1\n"), 0);
    CHECK_STREQ(p, "foo");
    CHECK_EQ_INT(cyc_yaml_header_package(&p, a, "\n\n  #   @package   a.b  \n"), 0);
    CHECK_STREQ(p, "a.b");
    CHECK_EQ_INT(cyc_yaml_header_package(&p, a, "#@package _global_\r\nx: 1"), 0);
    CHECK_STREQ(p, "_global_");
    CHECK_EQ_INT(cyc_yaml_header_package(&p, a, "## @package x\n"), 0);
    CHECK(p == NULL); /* Hydra's ^\s*#\s*@ wants the @ right after the first # */
    CHECK_EQ_INT(cyc_yaml_header_package(&p, a, "# comment\n# @package foo\n"), 0);
    CHECK(p == NULL); /* the first non-header line ends the header */
    CHECK_EQ_INT(cyc_yaml_header_package(&p, a, "x: 1\n# @package foo\n"), 0);
    CHECK(p == NULL);
    CHECK_EQ_INT(cyc_yaml_header_package(&p, a, "# @other thing\n# @package p\n"), 0);
    CHECK_STREQ(p, "p");
    CHECK(cyc_yaml_header_package(&p, a, "# @package\n") < 0);
    CHECK_STREQ(cy_error_last()->msg, "Expected header format: KEY VALUE, got '@package'");
    /* only the first 512 characters are read */
    char big[1200];
    memset(big, '\n', 600);
    strcpy(big + 600, "# @package late\n");
    CHECK_EQ_INT(cyc_yaml_header_package(&p, a, big), 0);
    CHECK(p == NULL);
    cy_arena_free(a);
}

int main(void) {
    RUN(test_default_paths);
    RUN(test_memo_invalidation);
    RUN(test_defaults_with_overrides);
    RUN(test_compose_parsed);
    RUN(test_suggestions);
    RUN(test_header_parsing);
    return harness_summary();
}
