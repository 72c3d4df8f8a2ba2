"""The composition golden cases: what tests/oracle/compose_gen.py runs through real Hydra.

A case composes `config` from the fixture directory `dir` (under tests/golden/compose/fixtures, the
primary config directory, provider "main") and/or the structured configs of `app`
(tests/oracle/compose_apps.py), with `overrides`, in `mode` (RUN or MULTIRUN). `cd` adds a
directory as -cd/--config-dir does. `record` lists extra sections to record ("hydra": the whole
--cfg hydra output, "sources": the --info searchpath table). `show` lists (part, package, resolve)
triples to print as `--cfg part -p package [--resolve]` does. `hint` is the "Did you mean" line Cydra
adds after Hydra's error text (Hydra has no such line). "@FIXTURES@" in an override stands for the
absolute fixtures directory. Compositions run with the fixtures directory as working directory.
"""

CASES = []


def case(id, dir=None, config="config", overrides=(), mode="RUN", app=None, cd=None, record=(),
         hint=None, show=()):
    CASES.append(dict(id=id, dir=dir, config=config, overrides=list(overrides), mode=mode,
                      app=app, cd=cd, record=list(record), hint=hint, show=list(show)))


# ---- basic: group choices, appends, deletions, config overrides on a YAML primary
case("basic_default", "basic", record=["hydra", "sources"],
     show=[("job", None, False), ("all", None, False), ("job", "db", False),
           ("job", "app.workers", False), ("job", "debug", False), ("job", "nosuch", False),
           ("job", "_global_", False), ("hydra", "hydra.job", False), ("all", "db.port", False),
           ("hydra", "db", False), ("job", "hydra", False), ("hydra", "hydra.help", False)])
case("basic_choice", "basic", overrides=["db=postgresql"])
case("basic_choice_twice", "basic", overrides=["db=postgresql", "db=mysql"])
case("basic_no_option", "basic", overrides=["db=nosuch"])
case("basic_no_option_close", "basic", overrides=["db=mysq"])
case("basic_append_group", "basic", overrides=["+server=nginx"])
case("basic_append_group_list", "basic", overrides=["+server=[apache,nginx]"])
case("basic_override_unlisted_group", "basic", overrides=["server=nginx"])
case("basic_append_existing_group", "basic", overrides=["+db=postgresql"])
case("basic_delete_group", "basic", overrides=["~db"])
case("basic_delete_group_value", "basic", overrides=["~db=mysql"])
case("basic_delete_group_wrong_value", "basic", overrides=["~db=postgresql"])
case("basic_delete_unlisted_group", "basic", overrides=["~server"])
case("basic_delete_group_int", "basic", overrides=["~db=1"])
case("basic_delete_group_quoted", "basic", overrides=["~db='mysql'"])
case("basic_delete_root_key", "basic", overrides=["~=1"])
case("basic_force_add_group", "basic", overrides=["++db=mysql"])
case("basic_group_null", "basic", overrides=["db=null"])
case("basic_group_int", "basic", overrides=["db=1"])
case("basic_group_options", "basic", overrides=["db=[mysql,postgresql]"])
case("basic_group_pkg_unknown", "basic", overrides=["db@backup=mysql"])
case("basic_group_pkg_append", "basic", overrides=["+db@backup=postgresql"])
case("basic_group_dict", "basic", overrides=["db={driver:sqlite}"])
case("basic_values", "basic", overrides=["app.workers=8", "debug=true", "db.port=1"])
case("basic_choice_and_value", "basic", overrides=["db=postgresql", "db.timeout=20"])
case("basic_unknown_key", "basic", overrides=["app.nosuch=1"])
case("basic_typo_key", "basic", overrides=["app.worker=3"], hint="app.workers")
case("basic_typo_top", "basic", overrides=["debugg=true"], hint="debug")
case("basic_typo_group_as_key", "basic", overrides=["dbb.port=1"], hint="db.port")
case("basic_unknown_deep", "basic", overrides=["a.b.c=1"])
case("basic_add_deep", "basic", overrides=["+a.b.c=1"])
case("basic_add_existing", "basic", overrides=["+app.name=x"])
case("basic_force_add", "basic", overrides=["++app.name=x", "++app.extra=1", "++new=[1,2]"])
case("basic_add_dict_existing", "basic", overrides=["+app={workers:2}"])
case("basic_delete_key", "basic", overrides=["~app.workers"])
case("basic_delete_key_value", "basic", overrides=["~app.workers=4"])
case("basic_delete_key_wrong", "basic", overrides=["~app.workers=5"])
case("basic_delete_nosuch", "basic", overrides=["~nosuch"])
case("basic_delete_typo", "basic", overrides=["~debg"], hint="debug")
case("basic_delete_bool", "basic", overrides=["~debug=0"])
case("basic_pkg_on_key", "basic", overrides=["app@foo=1"])
case("basic_plain", "basic", config="plain")
case("basic_plain_overrides", "basic", config="plain", overrides=["a=2", "+c=3", "~b"])
case("basic_empty", "basic", config="empty", overrides=["+x=1"])
case("basic_no_primary", "basic", config=None, overrides=["+x=1"])
case("basic_missing_primary", "basic", config="nosuch")
case("basic_list_primary", "basic", config="list_primary")
case("basic_ambiguous", "basic", overrides=["app.workers=1,2"])
case("basic_needs_multirun", "basic", overrides=["app.workers=range(1,3)"])
case("basic_choice_needs_multirun", "basic", overrides=["db=choice(mysql,postgresql)"])
case("basic_multirun", "basic", mode="MULTIRUN",
     overrides=["db=mysql,postgresql", "app.workers=2", "debug=choice(true,false)"])
case("basic_multirun_hydra_sweep", "basic", mode="MULTIRUN",
     overrides=["hydra/launcher=basic,basic"])
case("basic_hydra_overrides", "basic", record=["hydra"],
     overrides=["hydra.run.dir=out/x", "hydra.job.chdir=true", "app.workers=2",
                "hydra/job_logging=disabled", "hydra/hydra_logging=none", "+new='a b'"])
case("basic_hydra_unknown", "basic", overrides=["hydra.nosuch=1"])
case("basic_hydra_bad_bool", "basic", overrides=["hydra.job.chdir=maybe"])
case("basic_hydra_no_option", "basic", overrides=["hydra/launcher=nosuch"])
case("basic_hydra_job_name", "basic", overrides=["hydra.job.name=custom"])
case("basic_dirname", "basic",
     overrides=["hydra.job.config.override_dirname.kv_sep=:",
                "hydra.job.config.override_dirname.item_sep=_",
                "hydra.job.config.override_dirname.exclude_keys=[debug]",
                "debug=true", "db=postgresql", "app.workers=3"])
case("basic_env_set", "basic", overrides=["+hydra.job.env_set.FOO=bar"])
case("basic_job_logging_stdout", "basic", record=["hydra"],
     overrides=["hydra/job_logging=stdout", "hydra/hydra_logging=hydra_debug"])
case("basic_extra_dir", "basic", cd="searchpath/extra", overrides=["db=extra_db"],
     record=["sources"])
case("basic_primary_in_group", "basic", config="db/mysql", overrides=["port=1"])
case("basic_delete_hydra_group", "basic", overrides=["~hydra/job_logging"], record=["hydra"])
case("basic_hydra_group_choices", "basic",
     overrides=["hydra/sweeper=basic", "hydra/output=default", "hydra/help=default"])
case("basic_extra_dir_primary", "basic", cd="searchpath/extra", config="extra_primary")

# ---- _self_ placement
case("self_first", "self_order", config="self_first")
case("self_last", "self_order", config="self_last")
case("self_missing_warns", "self_order", config="no_self")
case("self_missing_no_content", "self_order", config="no_self_no_content")
case("self_only", "self_order", config="only_self")
case("self_empty_defaults", "self_order", config="empty_defaults")
case("self_empty_defaults_append", "self_order", config="empty_defaults",
     overrides=["+db=mysql"])
case("self_duplicate", "self_order", config="dup_self")
case("self_with_package", "self_order", config="self_pkg")
case("self_nested_first", "self_order", config="nested")
case("self_nested_last", "self_order", config="nested", overrides=["db=self_last"])

# ---- packages
case("pkg_default", "packages")
case("pkg_global_header", "packages", overrides=["db=pg_global"])
case("pkg_header", "packages", overrides=["db=pg_pkg"])
case("pkg_header_on_pkg", "packages", overrides=["db@backup=pg_pkg"])
case("pkg_group_header", "packages", overrides=["db=pg_group"])
case("pkg_header_after_comment", "packages", overrides=["db=pg_empty_header"])
case("pkg_header_spaced", "packages", overrides=["db=pg_hdr_blank"])
case("pkg_backup_choice", "packages", overrides=["db@backup=postgresql"])
case("pkg_backup_no_option", "packages", overrides=["db@backup=nosuch"])
case("pkg_backup_delete", "packages", overrides=["~db@backup"])
case("pkg_append_pkg", "packages", overrides=["+db@extra.x=postgresql"])
case("pkg_global", "packages", config="config_global")
case("pkg_global_override", "packages", config="config_global",
     overrides=["db@_global_=postgresql"])
case("pkg_global_override_plain", "packages", config="config_global",
     overrides=["db=postgresql"])
case("pkg_here", "packages", config="config_here")
case("pkg_deep", "packages", config="config_deep")
case("pkg_deep_override", "packages", config="config_deep",
     overrides=["db@a.b.c=postgresql", "server/sub=b", "server/sub@server=a"])
case("pkg_deep_override_global", "packages", config="config_deep",
     overrides=["server/sub@sub_global=b", "db@server_db=mysql"])
case("pkg_paths", "packages", config="config_path")
case("pkg_group_keyword", "packages", config="config_group_pkg")

# ---- nesting
case("nested_default", "nested")
case("nested_choice", "nested", overrides=["group1=file2"])
case("nested_inner_choice", "nested", overrides=["group1/group2=file2"])
case("nested_inner_wrong_key", "nested", overrides=["group2=file2"])
case("nested_inner_after_abs", "nested", overrides=["group1=file2", "group2=file1"])
case("nested_same_level_override", "nested", overrides=["group1=same_level"])
case("nested_options", "nested", config="config_options")
case("nested_options_override", "nested", config="config_options", overrides=["group2=file1"])
case("nested_options_delete", "nested", config="config_options", overrides=["~group2"])
case("nested_paths", "nested", config="config_paths")
case("nested_abs", "nested", config="config_abs")

# ---- optional
case("optional_default", "optional")
case("optional_choice_present", "optional", overrides=["cache=memcached"])
case("optional_choice_missing", "optional", overrides=["db=nosuch"])
case("optional_config_path", "optional", config="config_path")

# ---- override entries in defaults lists
case("ovr_default", "override")
case("ovr_in_primary", "override", config="config_ovr")
case("ovr_in_primary_cmdline", "override", config="config_ovr", overrides=["db=sqlite"])
case("ovr_wrong_order", "override", config="wrong_order")
case("ovr_multiple", "override", config="multiple")
case("ovr_no_match", "override", config="ovr_nosuch")
case("ovr_dup_final", "override", config="dup_final")
case("ovr_nested", "override", config="config_stack_ovr")
case("ovr_experiment", "override", overrides=["+experiment=exp1"])
case("ovr_experiment_cmdline_wins", "override", overrides=["+experiment=exp1", "db=sqlite"])
case("ovr_experiment_new_default", "override", overrides=["+experiment=exp2"])
case("ovr_experiment_values", "override", overrides=["+experiment=exp1", "lr=0.25"])

# ---- mandatory choices
case("mandatory_missing", "mandatory")
case("mandatory_given", "mandatory", overrides=["db=postgresql"])
case("mandatory_multirun", "mandatory", mode="MULTIRUN", overrides=["db=mysql,postgresql"])
case("mandatory_pkg", "mandatory", config="config_pkg")
case("mandatory_pkg_given", "mandatory", config="config_pkg",
     overrides=["db@main_db=mysql"])
case("mandatory_no_options", "mandatory", config="config_empty_group")

# ---- interpolated choices
case("interp_default", "interp")
case("interp_follows", "interp", overrides=["db=postgresql"])
case("interp_overridden", "interp", overrides=["db_schema=postgresql"])
case("interp_config_path", "interp", config="config_path")
case("interp_bad_key", "interp", config="bad_key")
case("interp_forward", "interp", config="forward")
case("interp_options", "interp", config="options_interp")
case("interp_nested_override", "interp", config="nested_override")
case("interp_legacy", "interp", config="legacy")
case("interp_resolver", "interp", config="resolver")

# ---- malformed defaults lists and headers
for name in ["defaults_mapping", "defaults_str", "int_item", "too_many_keys", "bad_value",
             "bad_list_value", "dict_value", "header_short", "header_long", "missing_cfg",
             "missing_option", "missing_group", "nested_missing", "sp_nonprimary",
             "self_in_group", "none_item", "keyword_group"]:
    case("err_" + name, "errors", config=name)

# ---- config overrides and their values
case("val_none", "values",
     show=[("job", "i", False), ("job", "i", True), ("job", None, True), ("job", "b", False),
           ("job", "m", False), ("job", "b.d", False), ("job", "f", False), ("job", "t", False),
           ("job", "l", False), ("job", "b.c", True), ("job", "s", False)])
case("val_resolve_error", "values", overrides=["+bad=${nosuch}"],
     show=[("job", None, True), ("job", "bad", False)])
case("val_scalars", "values",
     overrides=["a=2", "s='quoted, value'", "f=2", "t=false", "n={x:1}", "+z=null"])
case("val_strings", "values", overrides=["s=${a}", "+u=\\${a}", "+v=a\\ b", "+w=\"x\""])
case("val_list", "values", overrides=["b.c=[3]", "l=[]", "+l2=[1,[2,3],{k:v}]"])
case("val_dict_merge", "values", overrides=["b={c:[9],g:1}"])
case("val_dict_replace", "values", overrides=["b.e={}"])
case("val_missing", "values", overrides=["m=5"])
case("val_interp_target", "values", overrides=["a=7"])
case("val_delete_null", "values", overrides=["~n"])
case("val_delete_missing", "values", overrides=["~m"])
case("val_delete_interp", "values", overrides=["~i=1"])
case("val_delete_interp_wrong", "values", overrides=["~i=2"])
case("val_delete_float", "values", overrides=["~f=1.5", "~t=1"])
case("val_delete_nested", "values", overrides=["~b.e.f", "~b.c"])
case("val_delete_list_value", "values", overrides=["~l=[x,y]"])
case("val_add_null_slot", "values", overrides=["+n=1"])
case("val_add_missing_slot", "values", overrides=["+m=1"])
case("val_add_list", "values", overrides=["+l=[z]"])
case("val_list_index", "values", overrides=["b.c.0=5"])
case("val_nested_new", "values", overrides=["+p.q.r=1", "++p.q.s=2"])
case("val_override_into_value", "values", overrides=["a.x=1"])
case("val_override_under_missing", "values", overrides=["m.x=1"])
case("val_type_change", "values", overrides=["a=abc", "b=5"])
case("val_parse_error", "values", overrides=["a=[1,"])

# ---- hydra.searchpath and -cd
case("sp_in_primary", "searchpath/primary", record=["sources"])
case("sp_cmdline", "searchpath/primary", config="no_sp",
     overrides=["hydra.searchpath=[searchpath/extra]", "+db=extra_db"], record=["sources"])
case("sp_cmdline_shadow", "searchpath/primary", config="no_sp",
     overrides=["hydra.searchpath=[file://@FIXTURES@/searchpath/extra]", "+db=local_db"],
     record=["sources"])
case("sp_not_list", "searchpath/primary", config="bad_sp")
case("sp_cmdline_not_list", "searchpath/primary", config="no_sp",
     overrides=["hydra.searchpath=searchpath/extra"])
case("sp_unavailable", "searchpath/primary", config="no_sp",
     overrides=["hydra.searchpath=[nosuch/dir]"], record=["sources"])
case("sp_missing_main_dir", "searchpath/nosuch_dir", config="config")

# ---- structured configs in the store
case("mnist_default", None, app="mnist", config="mnistconf", record=["hydra", "sources"],
     show=[("job", "adadelta", False), ("job", "steplr.gamma", False),
           ("job", "adadelta.params", False), ("job", None, True), ("job", "adadelta", True)])
case("mnist_values", None, app="mnist", config="mnistconf",
     overrides=["epochs=3", "save_model=true", "checkpoint_name=experiment0.pt",
                "adadelta.lr=0.5"])
case("mnist_unknown", None, app="mnist", config="mnistconf", overrides=["foo=1"])
case("mnist_typo", None, app="mnist", config="mnistconf", overrides=["epoch=3"], hint="epochs")
case("mnist_typo_nested", None, app="mnist", config="mnistconf", overrides=["adadelta.lrr=3"],
     hint="adadelta.lr")
case("mnist_typo_prefix", None, app="mnist", config="mnistconf", overrides=["adadeltaa.lr=3"],
     hint="adadelta.lr")
case("mnist_append_existing", None, app="mnist", config="mnistconf",
     overrides=["+adadelta.lr=2"])
case("mnist_bad_int", None, app="mnist", config="mnistconf", overrides=["epochs=abc"])
case("mnist_bad_bool", None, app="mnist", config="mnistconf", overrides=["no_cuda=maybe"])
case("mnist_null_typed", None, app="mnist", config="mnistconf", overrides=["epochs=null"])
case("mnist_struct_wrong", None, app="mnist", config="mnistconf", overrides=["adadelta=1"])
case("mnist_delete", None, app="mnist", config="mnistconf", overrides=["~seed", "~adadelta"])
case("mnist_delete_wrong", None, app="mnist", config="mnistconf", overrides=["~seed=2"])
case("mnist_delete_typed_child", None, app="mnist", config="mnistconf",
     overrides=["~adadelta.lr"])
case("mnist_delete_missing_value", None, app="mnist", config="mnistconf",
     overrides=["~adadelta.params"])
case("mnist_readd", None, app="mnist", config="mnistconf", overrides=["~seed", "+seed=5"])
case("mnist_add", None, app="mnist", config="mnistconf",
     overrides=["+new=1", "++epochs=3", "+adadelta.foo=1"])
case("mnist_interp_value", None, app="mnist", config="mnistconf",
     overrides=["checkpoint_name=${seed}.pt", "epochs=${seed}"])
case("mnist_dict_merge", None, app="mnist", config="mnistconf",
     overrides=["adadelta={lr:2,rho:0.1}"])
case("mnist_under_missing", None, app="mnist", config="mnistconf",
     overrides=["adadelta.params.a=1"])
case("mnist_ambiguous", None, app="mnist", config="mnistconf", overrides=["epochs=1,2"])
case("mnist_multirun", None, app="mnist", config="mnistconf", mode="MULTIRUN",
     overrides=["adadelta.lr=0.001,0.01,0.1", "seed=5"], record=["hydra"])
case("mnist_hydra_run_dir", None, app="mnist", config="mnistconf",
     overrides=["hydra.run.dir=o", "hydra.mode=RUN"], record=["hydra"])

case("typed_default", "typed", app="typed")
case("typed_root_conflict", "typed", app="typed", config="root_conflict")
case("typed_bad_value", "typed", app="typed", overrides=["base.epochs=abc"])
case("typed_options_from_both", "typed", app="typed", overrides=["opt=nosuch"])
case("typed_store_option", "typed", app="typed", overrides=["opt=huge"])
case("typed_bad_merge", "typed", app="typed", config="bad_merge")
case("typed_schema_match", "typed", app="typed", config="config_matched")
case("typed_schema_match_bad", "typed", app="typed", config="config_matched",
     overrides=["matched=db_bad"])
case("typed_schema_match_override", "typed", app="typed", config="config_matched",
     overrides=["matched.port=abc"])

case("sgroups_default", None, app="sgroups", config="sconfig", record=["hydra"])
case("sgroups_choice", None, app="sgroups", config="sconfig",
     overrides=["optim=sgd", "optim.momentum=0.9"])
case("sgroups_no_option", None, app="sgroups", config="sconfig", overrides=["optim=nosuch"])
case("sgroups_bad_float", None, app="sgroups", config="sconfig", overrides=["optim.lr=abc"])
case("sgroups_delete_group", None, app="sgroups", config="sconfig", overrides=["~optim"])
case("sgroups_unknown_in_option", None, app="sgroups", config="sconfig",
     overrides=["optim.nosuch=1"])
