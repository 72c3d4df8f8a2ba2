/*
 * test_compose_store.c - the config store (cydra/store.h), package sources and the search path.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cydra/compose.h"
#include "cydra/schema.h"
#include "cydra/store.h"
#include "cydra/yaml.h"
#include "harness.h"

#define DB_CONF(X)                                                                                 \
    X(STR, driver, "mysql", "the driver")                                                          \
    X(INT, port, "3306", "the port")
CY_STRUCT(TDBConf, DB_CONF)
CY_SCHEMA_NAMED(TDBConf, "DBConf", DB_CONF, "a database")

static char *yaml_of(const cy_node *n) {
    char *t = NULL;
    if (cy_yaml_emit(&t, n, 0) < 0)
        return strdup("(emit error)");
    return t;
}

static void test_bare_and_hydra_entries(void) {
    cy_store *bare, *full;
    CHECK_EQ_INT(cy_store_new(&bare, CY_STORE_BARE), 0);
    CHECK_EQ_INT(cy_store_new(&full, 0), 0);
    CHECK_EQ_INT(cy_store_type(bare, "hydra"), CY_OBJ_NOT_FOUND);
    CHECK_EQ_INT(cy_store_type(full, "hydra"), CY_OBJ_GROUP);
    CHECK_EQ_INT(cy_store_type(full, "hydra/config"), CY_OBJ_CONFIG);
    CHECK_EQ_INT(cy_store_type(full, "hydra/config.yaml"), CY_OBJ_CONFIG);
    CHECK_EQ_INT(cy_store_type(full, "hydra/launcher/basic"), CY_OBJ_CONFIG);
    CHECK_EQ_INT(cy_store_type(full, "hydra/sweeper/basic"), CY_OBJ_CONFIG);
    CHECK_EQ_INT(cy_store_type(full, "_dummy_empty_config_"), CY_OBJ_CONFIG);
    CHECK_EQ_INT(cy_store_type(full, "hydra/nosuch"), CY_OBJ_NOT_FOUND);

    cy_arena *a = cy_arena_new();
    const char **names;
    size_t n;
    CHECK_EQ_INT(cy_store_list(&names, &n, a, full, "hydra", CY_OBJ_NOT_FOUND), 0);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_STREQ(names[0], "config");
        CHECK_STREQ(names[1], "launcher");
        CHECK_STREQ(names[2], "sweeper");
    }
    CHECK_EQ_INT(cy_store_list(&names, &n, a, full, "hydra", CY_OBJ_CONFIG), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(cy_store_list(&names, &n, a, full, "hydra", CY_OBJ_GROUP), 0);
    CHECK_EQ_INT(n, 2);
    CHECK(cy_store_list(&names, &n, a, full, "nosuch", CY_OBJ_CONFIG) == CY_ENOTFOUND);

    /* the HydraConf instance: typed, Hydra's field order, defaults list kept */
    cy_store_config sc;
    CHECK_EQ_INT(cy_store_load(&sc, a, full, "hydra/config"), 0);
    CHECK_STREQ(cy_node_type_name(sc.node), "HydraConf");
    CHECK_STREQ(cy_node_child(sc.node, 0)->key, "defaults");
    CHECK_EQ_INT(cy_node_len(cy_dict_get(sc.node, "defaults")), 9);
    CHECK_STREQ(sc.provider, "hydra");
    CHECK(sc.package == NULL);
    cy_arena_free(a);
    cy_store_free(bare);
    cy_store_free(full);
}

static void test_store_kinds_and_packages(void) {
    cy_store *s;
    CHECK_EQ_INT(cy_store_new(&s, CY_STORE_BARE), 0);
    cy_arena *a = cy_arena_new();

    CHECK_EQ_INT(cy_store_schema(s, "db", "mysql", &TDBConf_schema), 0);
    CHECK_EQ_INT(cy_store_yaml(s, "db", "pg", "# @package backend\ndriver: pg\nport: 5432\n"), 0);
    cy_node *n = cy_new_dict(a);
    cy_dict_put(n, "driver", cy_new_str(a, "sqlite"));
    CHECK_EQ_INT(cy_store_node(s, "db/local", "sqlite", n), 0);
    cy_store_item it = CY_STORE_ITEM_INIT;
    it.group = "db";
    it.name = "pg_pkg";
    it.yaml = "# @package ignored\ndriver: pg\n";
    it.package = "explicit";
    it.provider = "me";
    CHECK_EQ_INT(cy_store_add(s, &it), 0);

    cy_store_config sc;
    CHECK_EQ_INT(cy_store_load(&sc, a, s, "db/mysql"), 0);
    CHECK_STREQ(cy_node_type_name(sc.node), "DBConf");
    char *t = yaml_of(sc.node);
    CHECK_STREQ(t, "driver: mysql\nport: 3306\n");
    free(t);

    CHECK_EQ_INT(cy_store_load(&sc, a, s, "db/pg.yaml"), 0);
    CHECK_STREQ(sc.package, "backend");
    t = yaml_of(sc.node);
    CHECK_STREQ(t, "driver: pg\nport: 5432\n");
    free(t);

    CHECK_EQ_INT(cy_store_load(&sc, a, s, "db/pg_pkg"), 0);
    CHECK_STREQ(sc.package, "explicit");
    CHECK_STREQ(sc.provider, "me");

    /* the node was copied: changing the original changes nothing stored */
    cy_dict_put(n, "driver", cy_new_str(a, "changed"));
    CHECK_EQ_INT(cy_store_load(&sc, a, s, "db/local/sqlite"), 0);
    t = yaml_of(sc.node);
    CHECK_STREQ(t, "driver: sqlite\n");
    free(t);

    /* every load is a fresh copy */
    cy_dict_put(sc.node, "driver", cy_new_str(a, "mutated"));
    CHECK_EQ_INT(cy_store_load(&sc, a, s, "db/local/sqlite"), 0);
    CHECK_STREQ(cy_dict_get(sc.node, "driver")->v.str.s, "sqlite");

    /* listing: sorted, groups and configs, names without .yaml */
    const char **names;
    size_t cnt;
    CHECK_EQ_INT(cy_store_list(&names, &cnt, a, s, "db", CY_OBJ_NOT_FOUND), 0);
    CHECK_EQ_INT(cnt, 4);
    if (cnt == 4) {
        CHECK_STREQ(names[0], "local");
        CHECK_STREQ(names[1], "mysql");
        CHECK_STREQ(names[2], "pg");
        CHECK_STREQ(names[3], "pg_pkg");
    }

    /* storing twice replaces */
    CHECK_EQ_INT(cy_store_yaml(s, "db", "mysql", "driver: replaced\n"), 0);
    CHECK_EQ_INT(cy_store_load(&sc, a, s, "db/mysql"), 0);
    CHECK_STREQ(cy_node_type_name(sc.node), "dict");
    CHECK_STREQ(cy_dict_get(sc.node, "driver")->v.str.s, "replaced");

    cy_arena_free(a);
    cy_store_free(s);
}

static void test_store_errors(void) {
    cy_store *s;
    CHECK_EQ_INT(cy_store_new(&s, CY_STORE_BARE), 0);
    cy_arena *a = cy_arena_new();
    cy_store_item it = CY_STORE_ITEM_INIT;
    it.name = "x";
    CHECK(cy_store_add(s, &it) < 0); /* no content */
    CHECK(strstr(cy_error_last()->msg, "exactly one") != NULL);
    it.yaml = "a: 1";
    it.schema = &TDBConf_schema;
    CHECK(cy_store_add(s, &it) < 0); /* two contents */
    it.schema = NULL;
    it.name = "";
    CHECK(cy_store_add(s, &it) < 0); /* no name */
    CHECK_EQ_INT(cy_store_yaml(s, NULL, "leaf", "a: 1"), 0);
    CHECK(cy_store_yaml(s, "leaf.yaml", "x", "a: 1") < 0); /* "leaf.yaml" is a config */
    CHECK(strstr(cy_error_last()->msg, "is a config, not a group") != NULL);
    CHECK_EQ_INT(cy_store_yaml(s, "grp", "opt", "a: 1"), 0);
    CHECK(cy_store_yaml(s, NULL, "grp.yaml", "a: 1") == 0); /* a config next to a group is fine */
    CHECK_EQ_INT(cy_store_type(s, "grp"), CY_OBJ_GROUP);
    CHECK_EQ_INT(cy_store_type(s, "grp.yaml"), CY_OBJ_CONFIG);

    /* YAML errors show when the config is loaded */
    CHECK_EQ_INT(cy_store_yaml(s, "bad", "syntax", "a: [1,\n"), 0);
    cy_store_config sc;
    CHECK(cy_store_load(&sc, a, s, "bad/syntax") < 0);
    CHECK(cy_error_last()->code == CY_EPARSE);
    CHECK(cy_store_load(&sc, a, s, "bad/nosuch") == CY_ENOTFOUND);
    CHECK_STREQ(cy_error_last()->msg, "Structured config not found bad/nosuch.yaml");
    /* a bad header */
    CHECK_EQ_INT(cy_store_yaml(s, "bad", "header", "# @package a b\nx: 1\n"), 0);
    CHECK(cy_store_load(&sc, a, s, "bad/header") < 0);
    CHECK_STREQ(cy_error_last()->msg, "Too many components in '@package a b'");
    cy_arena_free(a);
    cy_store_free(s);
}

static void test_instance_and_pkg(void) {
    cy_store *g = cy_store_instance();
    CHECK(g != NULL);
    CHECK(g == cy_store_instance());
    CHECK_EQ_INT(cy_store_type(g, "hydra/config"), CY_OBJ_CONFIG);

    cy_store *hc = cy_store_pkg("hydra.conf");
    CHECK(hc != NULL);
    CHECK_EQ_INT(cy_store_type(hc, "hydra/job_logging/default"), CY_OBJ_CONFIG);
    CHECK_EQ_INT(cy_store_type(hc, "hydra/output/default"), CY_OBJ_CONFIG);
    cy_arena *a = cy_arena_new();
    const char **names;
    size_t n;
    CHECK_EQ_INT(cy_store_list(&names, &n, a, hc, "hydra/job_logging", CY_OBJ_CONFIG), 0);
    CHECK_EQ_INT(n, 4);
    if (n == 4) {
        CHECK_STREQ(names[0], "default");
        CHECK_STREQ(names[1], "disabled");
        CHECK_STREQ(names[2], "none");
        CHECK_STREQ(names[3], "stdout");
    }
    cy_store_config sc;
    CHECK_EQ_INT(cy_store_load(&sc, a, hc, "hydra/output/default"), 0);
    CHECK_STREQ(sc.package, "hydra");
    CHECK(cy_store_register_pkg("hydra.conf", g) < 0);

    cy_store *mine;
    CHECK_EQ_INT(cy_store_new(&mine, CY_STORE_BARE), 0);
    CHECK(cy_store_pkg("myapp.conf") == NULL);
    CHECK_EQ_INT(cy_store_register_pkg("myapp.conf", mine), 0);
    CHECK(cy_store_pkg("myapp.conf") == mine);
    CHECK_EQ_INT(cy_store_register_pkg("myapp.conf", NULL), 0);
    CHECK(cy_store_pkg("myapp.conf") == NULL);
    cy_store_free(mine);
    cy_arena_free(a);
}

typedef struct loader_job {
    cy_store *store;
    int failures;
} loader_job;

static void *load_many(void *arg) {
    loader_job *j = arg;
    for (int i = 0; i < 200; i++) {
        cy_arena *a = cy_arena_new();
        cy_store_config sc;
        if (cy_store_load(&sc, a, j->store, i % 2 ? "db/mysql" : "db/pg") < 0 ||
            cy_node_len(sc.node) != 2)
            j->failures++;
        cy_arena_free(a);
    }
    return NULL;
}

static void test_threads(void) {
    cy_store *s;
    CHECK_EQ_INT(cy_store_new(&s, CY_STORE_BARE), 0);
    CHECK_EQ_INT(cy_store_schema(s, "db", "mysql", &TDBConf_schema), 0);
    CHECK_EQ_INT(cy_store_yaml(s, "db", "pg", "driver: pg\nport: 1\n"), 0);
    pthread_t th[4];
    loader_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (loader_job){s, 0};
        pthread_create(&th[i], NULL, load_many, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(jobs[i].failures, 0);
    }
    cy_store_free(s);
}

/* ---------------------------------------------------------------------------------------------
 * Search path
 */

static char *sp_str(const cy_searchpath *sp) {
    static char buf[1024];
    buf[0] = '\0';
    for (size_t i = 0; i < cy_searchpath_len(sp); i++) {
        strcat(buf, i ? " " : "");
        strcat(buf, cy_searchpath_provider(sp, i));
        strcat(buf, "=");
        strcat(buf, cy_searchpath_path(sp, i));
    }
    return buf;
}

static void test_searchpath_anchors(void) {
    cy_searchpath *sp;
    CHECK_EQ_INT(cy_searchpath_new(&sp), 0);
    cy_searchpath_append(sp, "hydra", "pkg://hydra.conf", NULL, NULL);
    cy_searchpath_append(sp, "schema", "structured://", NULL, NULL);
    /* prepend before the first match of the anchor */
    cy_searchpath_prepend(sp, "cmd", "file:///x", "schema", NULL);
    CHECK_STREQ(sp_str(sp), "hydra=pkg://hydra.conf cmd=file:///x schema=structured://");
    /* append after the last match */
    cy_searchpath_append(sp, "cmd", "file:///y", "cmd", NULL);
    CHECK_STREQ(sp_str(sp),
                "hydra=pkg://hydra.conf cmd=file:///x cmd=file:///y schema=structured://");
    /* anchors by path; unmatched anchors append/prepend at the ends */
    cy_searchpath_append(sp, "a", "p1", NULL, "pkg://hydra.conf");
    cy_searchpath_prepend(sp, "b", "p2", "nosuch", NULL);
    cy_searchpath_append(sp, "c", "p3", "nosuch", NULL);
    CHECK_STREQ(sp_str(sp), "b=p2 hydra=pkg://hydra.conf a=p1 cmd=file:///x cmd=file:///y "
                            "schema=structured:// c=p3");
    /* an anchor matching the first entry prepends */
    cy_searchpath_prepend(sp, "d", "p4", "b", NULL);
    CHECK_STREQ(cy_searchpath_provider(sp, 0), "d");
    /* provider and path must both match when both are given */
    cy_searchpath_append(sp, "e", "p5", "cmd", "file:///x");
    CHECK_STREQ(cy_searchpath_provider(sp, 5), "e");
    cy_searchpath *copy;
    CHECK_EQ_INT(cy_searchpath_copy(&copy, sp), 0);
    CHECK_STREQ(sp_str(copy), sp_str(sp));
    CHECK(cy_searchpath_provider(sp, 99) == NULL);
    cy_searchpath_free(copy);
    cy_searchpath_free(sp);
}

static void test_loader_searchpath(void) {
    cy_loader_opts lo = CY_LOADER_OPTS_INIT;
    cy_loader *l;
    CHECK_EQ_INT(cy_loader_new(&l, &lo), 0);
    CHECK_STREQ(sp_str(cy_loader_searchpath(l)), "hydra=pkg://hydra.conf schema=structured://");
    CHECK(cy_loader_store(l) == cy_store_instance());
    cy_loader_free(l);

    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    lo.config_dir = "/abs/conf";
    lo.extra_dir = "golden/compose/fixtures/basic/"; /* relative: made absolute, slash dropped */
    CHECK_EQ_INT(cy_loader_new(&l, &lo), 0);
    char expect[8192];
    snprintf(expect, sizeof expect,
             "hydra=pkg://hydra.conf main=/abs/conf command-line=file://%s/"
             "golden/compose/fixtures/basic schema=structured://",
             cwd);
    CHECK_STREQ(sp_str(cy_loader_searchpath(l)), expect);
    cy_loader_free(l);

    lo.extra_dir = "no/such/dir";
    CHECK(cy_loader_new(&l, &lo) == CY_ENOTFOUND);
    snprintf(expect, sizeof expect, "Additional config directory '%s/no/such/dir' not found", cwd);
    CHECK_STREQ(cy_error_last()->msg, expect);
    CHECK_STREQ(cy_error_last()->exc, "SearchPathException");

    /* a given search path is used as it is */
    cy_searchpath *sp;
    cy_searchpath_new(&sp);
    cy_searchpath_append(sp, "only", "structured://", NULL, NULL);
    lo = (cy_loader_opts)CY_LOADER_OPTS_INIT;
    lo.search_path = sp;
    CHECK_EQ_INT(cy_loader_new(&l, &lo), 0);
    CHECK_STREQ(sp_str(cy_loader_searchpath(l)), "only=structured://");
    cy_loader_free(l);
    cy_searchpath_free(sp);
}

int main(void) {
    RUN(test_bare_and_hydra_entries);
    RUN(test_store_kinds_and_packages);
    RUN(test_store_errors);
    RUN(test_instance_and_pkg);
    RUN(test_threads);
    RUN(test_searchpath_anchors);
    RUN(test_loader_searchpath);
    return harness_summary();
}
