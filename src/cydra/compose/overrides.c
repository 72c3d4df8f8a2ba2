/*
 * overrides.c - command-line overrides as composition uses them: parsed with the override grammar
 * (cydra/override.h) and their values turned into config nodes, as Hydra's Override.value() hands
 * Python values to OmegaConf.
 */
#include <stdlib.h>
#include <string.h>

#include "compose_internal.h"
#include "cydra/override.h"

bool cyc_ovr_is_hydra(const ovr *o) {
    return strncmp(o->key, "hydra.", 6) == 0 || strncmp(o->key, "hydra/", 6) == 0;
}

const char *cyc_ovr_key_element(cy_arena *a, const ovr *o) {
    const char *prefix = o->type == OVR_DEL         ? "~"
                         : o->type == OVR_ADD       ? "+"
                         : o->type == OVR_FORCE_ADD ? "++"
                                                    : "";
    if (o->package)
        return cy_arena_printf(a, "%s%s@%s", prefix, o->key, o->package);
    return cy_arena_printf(a, "%s%s", prefix, o->key);
}

static cy_node *to_node(cy_arena *a, const cy_override_value *v);

static void put_key(cy_arena *a, cy_node *dict, const cy_override_value *k, cy_node *child) {
    char buf[32];
    switch (k->kind) {
    case CY_OV_INT:
        cy_dict_put_kind(dict, cy_arena_printf(a, "%lld", (long long)k->u.integer), CY_KEY_INT,
                         child);
        break;
    case CY_OV_FLOAT:
        cy_dict_put_kind(dict, cy_arena_strdup(a, cy_float_repr(k->u.flt.value, buf)), CY_KEY_FLOAT,
                         child);
        break;
    case CY_OV_BOOL:
        cy_dict_put_kind(dict, k->u.boolean ? "True" : "False", CY_KEY_BOOL, child);
        break;
    case CY_OV_STRING:
    case CY_OV_QUOTED:
        cy_dict_put(dict, cy_arena_strdup(a, k->u.str.text), child);
        break;
    default:
        cy_dict_put(dict, "None", child);
        break;
    }
}

static cy_node *to_node(cy_arena *a, const cy_override_value *v) {
    switch (v->kind) {
    case CY_OV_NULL:
        return cy_new_null(a);
    case CY_OV_BOOL:
        return cy_new_bool(a, v->u.boolean != 0);
    case CY_OV_INT:
        return cy_new_int(a, v->u.integer);
    case CY_OV_FLOAT:
        return cy_new_float(a, v->u.flt.value);
    case CY_OV_STRING:
    case CY_OV_QUOTED:
        return cy_new_str(a, cy_arena_strndup(a, v->u.str.text, v->u.str.len));
    case CY_OV_LIST: {
        cy_node *l = cy_new_list(a);
        for (size_t i = 0; i < v->u.list.count; i++) {
            cy_node *c = to_node(a, v->u.list.items[i]);
            if (!c)
                return NULL;
            cy_list_push(l, c);
        }
        return l;
    }
    case CY_OV_DICT: {
        cy_node *d = cy_new_dict(a);
        for (size_t i = 0; i < v->u.dict.count; i++) {
            cy_node *c = to_node(a, v->u.dict.values[i]);
            if (!c)
                return NULL;
            put_key(a, d, v->u.dict.keys[i], c);
        }
        return d;
    }
    default:
        return NULL; /* a sweep nested in a list or dict */
    }
}

/* repr(Override) as the dataclass prints it. */
static const char *override_repr(cy_arena *a, const cy_override *ov) {
    char *val = NULL;
    if (cy_override_value_repr(&val, ov->value) < 0)
        return NULL;
    const char *r = cy_arena_printf(
        a,
        "Override(type=<OverrideType.%s: %d>, key_or_group=%s, value_type=<ValueType.%s: %d>, "
        "_value=%s, package=%s, input_line=%s, config_loader=None)",
        cy_override_type_name(ov->type), (int)ov->type + 1, cyc_py_repr_str(a, ov->key_or_group),
        cy_override_value_type_name(ov->value_type),
        (int)ov->value_type /* Hydra's ValueType numbers */, val,
        ov->package ? cyc_py_repr_str(a, ov->package) : "None",
        cyc_py_repr_str(a, ov->input_line ? ov->input_line : ""));
    free(val);
    return r;
}

int cyc_ovr_parse_all(ovr **out, cy_arena *a, const char *const *lines, size_t n) {
    ovr *v = cy_arena_alloc(a, (n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        cy_override *ov;
        cy_override_error err = CY_OVERRIDE_ERROR_INIT;
        if (cy_override_parse(&ov, lines[i], &err) < 0) {
            int code = err.code ? err.code : CY_EPARSE;
            cy_error_set(code, err.exc ? err.exc : "OverrideParseException", "%s",
                         err.message ? err.message : "cannot parse override");
            cy_override_error_clear(&err);
            return code;
        }
        ovr *o = &v[i];
        switch (ov->type) {
        case CY_OVERRIDE_CHANGE:
            o->type = OVR_CHANGE;
            break;
        case CY_OVERRIDE_ADD:
            o->type = OVR_ADD;
            break;
        case CY_OVERRIDE_FORCE_ADD:
            o->type = OVR_FORCE_ADD;
            break;
        case CY_OVERRIDE_DEL:
            o->type = OVR_DEL;
            break;
        }
        o->key = cy_arena_strdup(a, ov->key_or_group);
        o->package = ov->package ? cy_arena_strdup(a, ov->package) : NULL;
        o->input_line = cy_arena_strdup(a, ov->input_line ? ov->input_line : lines[i]);
        switch (ov->value_type) {
        case CY_OV_VT_NONE:
            o->value_type = OVR_VALUE_NONE;
            break;
        case CY_OV_VT_ELEMENT:
            o->value_type = OVR_VALUE_ELEMENT;
            break;
        case CY_OV_VT_SIMPLE_CHOICE_SWEEP:
            o->value_type = OVR_VALUE_SIMPLE_SWEEP;
            break;
        default:
            o->value_type = OVR_VALUE_SWEEP;
            break;
        }
        if (o->value_type == OVR_VALUE_ELEMENT) {
            const cy_override_value *pv = cy_override_python_value(ov);
            o->value = pv ? to_node(a, pv) : NULL;
            if (pv && !o->value) {
                cy_override_free(ov);
                return cy_error_set(CY_ECOMPOSE, "ConfigCompositionException",
                                    "Sweep values are only supported at the top level of an "
                                    "override: '%s'",
                                    lines[i]);
            }
        }
        if (o->type == OVR_DEL && ov->value)
            o->repr = override_repr(a, ov);
        cy_override_free(ov);
    }
    *out = v;
    return 0;
}
