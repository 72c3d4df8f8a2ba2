/*
 * completion.c - --shell-completion (-sc): Hydra's BashCompletion, FishCompletion and
 * ZshCompletion (zsh uses the bash script).
 *
 *     eval "$(./build/mnist_00 -sc install=bash)"     # then: ./build/mnist_00 adad<TAB>
 *
 * `install=SHELL` prints a script that registers a completion function for the program's name;
 * the function calls the program back with `-sc query=SHELL` and the partial command line in
 * COMP_LINE. The query completes as Hydra's CompletionPlugin does: config groups and their
 * options (`db=`, `db=mysql`, `hydra/launcher=`), `+group`/`~group`, dotted config keys of the
 * config composed with the words typed so far (`adadelta.` -> `adadelta.lr=`), the current value
 * after `key=`, and file names after `key=./` or `key=/`. Beyond Hydra, the word after
 * -cp/--config-path/-cd/--config-dir completes to directories (fish has no filename fallback),
 * and a partial command line that argparse would reject (`-cp` without its value) gives no
 * candidates instead of a usage message printed into the terminal.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app_internal.h"
#include "args.h"
#include "cydra/log.h"
#include "cydra/override.h"

/* ---------------------------------------------------------------------------------------------
 * A list of candidate strings
 */

typedef struct strlist {
    char **items;
    size_t n, cap;
} strlist;

static void sl_add_owned(strlist *l, char *s) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        if (!l->items)
            abort();
    }
    l->items[l->n++] = s;
}

static char *cat3(const char *a, const char *b, const char *c) {
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (!s)
        abort();
    snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

static void sl_add(strlist *l, const char *a, const char *b, const char *c) {
    sl_add_owned(l, cat3(a, b, c));
}

static void sl_free(strlist *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted(set(l)) */
static void sl_sort_unique(strlist *l) {
    if (l->n)
        qsort(l->items, l->n, sizeof *l->items, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (k > 0 && strcmp(l->items[k - 1], l->items[i]) == 0) {
            free(l->items[i]);
            continue;
        }
        l->items[k++] = l->items[i];
    }
    l->n = k;
}

static bool starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---------------------------------------------------------------------------------------------
 * The command line
 */

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (unsigned char)c >= 0x80;
}

/* CompletionPlugin.strip_python_or_app_name: the line without "python app.py" or "app".
 * Returns NULL where Hydra raises "Error parsing line". */
static const char *strip_app_name(const char *line) {
    const char *p = line;
    while (is_space(*p))
        p++;
    /* ^\s*[\w\/]*python[3]?\s*[\w/\.]*\s*(.*) - the greedy [\w\/]* backtracks to the last
     * "python" inside the run of word characters */
    size_t run = 0;
    while (is_word(p[run]) || p[run] == '/')
        run++;
    const char *py = NULL;
    for (size_t i = 0; i + 6 <= run; i++)
        if (strncmp(p + i, "python", 6) == 0)
            py = p + i;
    if (py) {
        const char *q = py + 6;
        if (*q == '3')
            q++;
        while (is_space(*q))
            q++;
        while (is_word(*q) || *q == '/' || *q == '.')
            q++;
        while (is_space(*q))
            q++;
        return q;
    }
    /* ^\s*[\w_\-=\./]+\s*(.*) */
    const char *q = p;
    while (is_word(*q) || *q == '-' || *q == '=' || *q == '.' || *q == '/')
        q++;
    if (q == p)
        return NULL;
    while (is_space(*q))
        q++;
    return q;
}

/* line.split() */
static char **split_words(const char *line, size_t *n) {
    char **w = calloc(strlen(line) / 2 + 2, sizeof *w);
    if (!w)
        abort();
    *n = 0;
    const char *p = line;
    for (;;) {
        while (is_space(*p))
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && !is_space(*p))
            p++;
        w[(*n)++] = strndup(s, (size_t)(p - s));
    }
    return w;
}

/* ---------------------------------------------------------------------------------------------
 * Files
 */

static bool is_dir(const char *path) {
    struct stat st;
    return path[0] && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* os.path.join(dirname, file) */
static char *path_join(const char *dir, const char *file) {
    size_t n = strlen(dir);
    return cat3(dir, n == 0 || dir[n - 1] == '/' ? "" : "/", file);
}

/* CompletionPlugin.complete_files; dirs_only for -cp/-cd (directories get a trailing '/'). */
static void complete_files(strlist *out, const char *word, const char *key_eq, bool dirs_only) {
    char *dirname, *prefix;
    if (is_dir(word)) {
        dirname = strdup(word);
        prefix = strdup("");
    } else {
        const char *slash = strrchr(word, '/');
        dirname = slash ? strndup(word, (size_t)(slash - word + (slash == word))) : strdup("");
        prefix = strdup(slash ? slash + 1 : word);
    }
    const char *listed = dirname[0] ? dirname : dirs_only ? "." : NULL;
    DIR *d = listed ? opendir(listed) : NULL;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            if (!starts_with(e->d_name, prefix))
                continue;
            char *p = path_join(dirname, e->d_name);
            if (dirs_only) {
                if (!is_dir(p) || (e->d_name[0] == '.' && prefix[0] != '.')) {
                    free(p);
                    continue;
                }
                char *q = cat3(p, "/", "");
                free(p);
                p = q;
            }
            sl_add(out, key_eq, p, "");
            free(p);
        }
        closedir(d);
    }
    free(dirname);
    free(prefix);
}

/* CompletionPlugin._get_filename: "key=./pa" -> ("key=", "./pa"); NULL when not a file name. */
static char *filename_of(const char *word, char **key_eq) {
    const char *eq = strrchr(word, '=');
    if (!eq || !eq[1])
        return NULL;
    const char *f = eq + 1;
    static const char *const prefixes[] = {".", "/", "\\", "./", ".\\"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (starts_with(f, prefixes[i])) {
            *key_eq = strndup(word, (size_t)(f - word));
            return strdup(f);
        }
    return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Config groups and keys
 */

static void group_options(const char ***out, size_t *n, cy_arena *a, cy_repo *repo,
                          const char *group, cy_object_type filter) {
    *out = NULL;
    *n = 0;
    if (!repo || (group[0] && !cy_repo_group_exists(repo, group)))
        return;
    if (cy_repo_group_options(out, n, a, repo, group, filter) < 0) {
        cy_error_clear();
        *out = NULL;
        *n = 0;
    }
}

/* CompletionPlugin._query_config_groups */
static bool query_groups(strlist *out, const char *word_in, cy_arena *a, cy_repo *repo) {
    char prefix[2] = {0, 0};
    const char *word = word_in;
    bool deletion = word[0] == '~';
    if (word[0] == '+' || word[0] == '~') {
        prefix[0] = word[0];
        word++;
    }
    const char *eq = strrchr(word, '='), *slash = strrchr(word, '/');
    bool exact = false;
    const char **opts;
    size_t nopts;
    if (eq) {
        char *parent = strndup(word, (size_t)(eq - word));
        group_options(&opts, &nopts, a, repo, parent, CY_OBJ_CONFIG);
        for (size_t i = 0; i < nopts; i++) {
            char *name = parent[0] ? cat3(parent, "=", opts[i]) : strdup(opts[i]);
            if (starts_with(name, word))
                sl_add(out, prefix, name, "");
            free(name);
            exact = true;
        }
        free(parent);
    } else {
        char *parent = slash ? strndup(word, (size_t)(slash - word)) : strdup("");
        group_options(&opts, &nopts, a, repo, parent, CY_OBJ_GROUP);
        for (size_t i = 0; i < nopts; i++) {
            char *name = parent[0] ? cat3(parent, "/", opts[i]) : strdup(opts[i]);
            if (starts_with(name, word)) {
                const char **files, **dirs;
                size_t nf, nd;
                group_options(&files, &nf, a, repo, name, CY_OBJ_CONFIG);
                group_options(&dirs, &nd, a, repo, name, CY_OBJ_GROUP);
                const char *suffix = nd == 0 && nf > 0 && !deletion ? "="
                                     : nd > 0 && nf == 0            ? "/"
                                                                    : "";
                sl_add(out, prefix, name, suffix);
            }
            free(name);
        }
        free(parent);
    }
    return exact;
}

static bool is_config(const cy_node *n) {
    return n && (n->kind == CY_DICT || n->kind == CY_LIST);
}

/* str(value) as Hydra puts a primitive after "key=" (bools in lower case). */
static const char *primitive_text(const cy_node *v) {
    if (v->kind == CY_BOOL)
        return v->v.b ? "true" : "false";
    if (v->kind == CY_STR || v->kind == CY_INTERP)
        return v->v.str.s;
    if (v->kind == CY_MISSING)
        return "???";
    return cy_node_pystr(v);
}

/* CompletionPlugin._get_matches */
static void get_matches(strlist *out, const cy_node *config, const char *word) {
    if (!is_config(config))
        return; /* Hydra: [] for None, an assertion for a primitive */
    size_t wl = strlen(word);
    if (wl > 0 && (word[wl - 1] == '.' || word[wl - 1] == '=')) {
        char *exact = strndup(word, wl - 1);
        const cy_node *node = NULL;
        int rc = cy_select(config, exact, &node, CY_SELECT_THROW_ON_MISSING);
        free(exact);
        if (rc < 0) {
            bool missing = cy_error_last()->code == CY_EMISSING;
            cy_error_clear();
            if (missing) /* conf_node = "" */
                sl_add(out, word, "", "");
            return;
        }
        if (!node || node->kind == CY_NULL)
            return;
        if (is_config(node)) {
            strlist sub = {0};
            get_matches(&sub, node, "");
            for (size_t i = 0; i < sub.n; i++)
                sl_add(out, word, sub.items[i], "");
            sl_free(&sub);
        } else {
            sl_add(out, word, primitive_text(node), "");
        }
        return;
    }
    const char *dot = strrchr(word, '.');
    if (dot) {
        char *base = strndup(word, (size_t)(dot - word));
        const cy_node *node = NULL;
        if (cy_select(config, base, &node, 0) < 0) {
            cy_error_clear();
            node = NULL;
        }
        strlist sub = {0};
        get_matches(&sub, node, dot + 1);
        for (size_t i = 0; i < sub.n; i++)
            sl_add(out, base, ".", sub.items[i]);
        sl_free(&sub);
        free(base);
        return;
    }
    for (size_t i = 0; i < cy_node_len(config); i++) {
        const cy_node *c = cy_node_child(config, i);
        char idx[32];
        const char *key = c->key;
        bool child_config = is_config(c);
        if (config->kind == CY_LIST) {
            snprintf(idx, sizeof idx, "%zu", i);
            key = idx;
            const cy_node *v; /* ListConfig items are read resolved */
            if (cy_node_resolve(c, &v) == 0)
                child_config = is_config(v);
            else
                cy_error_clear();
        }
        if (starts_with(key, word))
            sl_add(out, key, child_config ? "." : "=", "");
    }
}

/* CompletionPlugin._query */
static void query(strlist *out, const char *line, cy_loader *loader, const char *config_name,
                  const char *prog) {
    bool new_word = line[0] == '\0' || line[strlen(line) - 1] == ' ';
    size_t nw;
    char **words = split_words(line, &nw);
    char **argv = calloc(nw + 2, sizeof *argv);
    if (!argv)
        abort();
    argv[0] = (char *)prog;
    for (size_t i = 0; i < nw; i++)
        argv[i + 1] = words[i];
    cy_args args;
    char *error = NULL;
    cy_arena *a = cy_arena_new();
    const char *last = nw ? words[nw - 1] : "";
    const char *before = nw > 1 ? words[nw - 2] : "";
    static const char *const dir_flags[] = {"-cp", "--config-path", "-cd", "--config-dir"};
    bool dir_word = false, dir_next = false;
    for (size_t i = 0; i < 4; i++) {
        dir_word |= !new_word && strcmp(before, dir_flags[i]) == 0;
        dir_next |= new_word && strcmp(last, dir_flags[i]) == 0;
    }
    if (dir_word || dir_next) {
        complete_files(out, dir_word ? last : "", "", true);
        sl_sort_unique(out);
        goto done_no_args;
    }
    if (cy_args_parse(&args, (int)nw + 1, argv, prog, &error) < 0) {
        free(error);
        goto done_no_args;
    }
    {
        const char **ov = args.overrides;
        size_t n = args.noverrides;
        const char *word = "";
        if (!new_word && n > 0)
            word = ov[--n];
        char *key_eq = NULL, *file = filename_of(word, &key_eq);
        if (file) {
            complete_files(out, file, key_eq, false);
            free(file);
            free(key_eq);
        } else {
            cy_repo *repo = NULL;
            if (cy_loader_repo(&repo, a, loader) < 0) {
                cy_error_clear();
                repo = NULL;
            }
            bool exact = query_groups(out, word, a, repo);
            if (!exact) {
                cy_compose_opts co = CY_COMPOSE_OPTS_INIT;
                co.config_name = config_name;
                co.overrides = ov;
                co.n_overrides = n;
                co.mode = args.multirun ? CY_MODE_MULTIRUN : CY_MODE_RUN;
                cy_composed res;
                if (cy_compose(&res, a, loader, &co) == 0)
                    get_matches(out, res.cfg, word);
                cy_error_clear();
            }
        }
        sl_sort_unique(out);
        free(args.overrides);
    }
done_no_args:
    cy_arena_free(a);
    for (size_t i = 0; i < nw; i++)
        free(words[i]);
    free(words);
    free(argv);
}

/* ---------------------------------------------------------------------------------------------
 * The shells
 */

static void bash_install(const char *exec) {
    printf("export _HYDRA_OLD_COMP=$(complete -p %s 2> /dev/null)\n", exec);
    fputs("hydra_bash_completion()\n"
          "{\n"
          "    words=($COMP_LINE)\n"
          "    if [ \"${words[0]}\" == \"python\" ]; then\n"
          "        if (( ${#words[@]} < 2 )); then\n"
          "            return\n"
          "        fi\n"
          "        file_path=$(pwd)/${words[1]}\n"
          "        if [ ! -f \"$file_path\" ]; then\n"
          "            return\n"
          "        fi\n"
          "        grep \"@hydra.main\" $file_path -q\n"
          "        helper=\"${words[0]} ${words[1]}\"\n"
          "    else\n"
          "        helper=\"${words[0]}\"\n"
          "        true\n"
          "    fi\n"
          "\n"
          "    EXECUTABLE=($(command -v $helper))\n"
          "    if [ \"$HYDRA_COMP_DEBUG\" == \"1\" ]; then\n"
          "        printf \"EXECUTABLE_FIRST='${EXECUTABLE[0]}'\\n\"\n"
          "    fi\n"
          "    if ! [ -x \"${EXECUTABLE[0]}\" ]; then\n"
          "        false\n"
          "    fi\n"
          "\n"
          "    if [ $? == 0 ]; then\n"
          "        choices=$( COMP_POINT=$COMP_POINT COMP_LINE=$COMP_LINE $helper -sc "
          "query=bash)\n"
          "        word=${words[$COMP_CWORD]}\n"
          "\n"
          "        if [ \"$HYDRA_COMP_DEBUG\" == \"1\" ]; then\n"
          "            printf \"\\n\"\n"
          "            printf \"COMP_LINE='$COMP_LINE'\\n\"\n"
          "            printf \"COMP_POINT='$COMP_POINT'\\n\"\n"
          "            printf \"Word='$word'\\n\"\n"
          "            printf \"Output suggestions:\\n\"\n"
          "            printf \"\\t%s\\n\" ${choices[@]}\n"
          "        fi\n"
          "        COMPREPLY=($( compgen -o nospace -o default -W \"$choices\" -- \"$word\" ));\n"
          "    fi\n"
          "}\n"
          "\n"
          "COMP_WORDBREAKS=${COMP_WORDBREAKS//=}\n"
          "COMP_WORDBREAKS=$COMP_WORDBREAKS complete -o nospace -o default -F "
          "hydra_bash_completion ",
          stdout);
    printf("%s\n", exec);
}

static void bash_uninstall(void) {
    const char *old = getenv("_HYDRA_OLD_COMP");
    printf("unset hydra_bash_completion\n%s\nunset _HYDRA_OLD_COMP\n", old ? old : "");
}

static void fish_install(const char *exec) {
    fputs("function hydra_fish_completion\n"
          "    # Hydra will access COMP_LINE to generate completion candidates\n"
          "    set -lx COMP_LINE (commandline -cp)\n"
          "\n"
          "    # Find out how to call the underlying script\n"
          "    set -l parts (commandline -cpo)\n"
          "    if test \"$parts[1]\" = \"python\" -o \"$parts[1]\" = \"python3\"\n"
          "        set cmd \"$parts[1] $parts[2]\"\n"
          "        if not grep -q \"@hydra.main\" $parts[2]\n"
          "            return\n"
          "        end\n"
          "    else\n"
          "        set cmd \"$parts[1]\"\n"
          "    end\n"
          "\n"
          "    # Generate candidates\n"
          "    eval \"$cmd -sc query=fish\"\n"
          "end\n"
          "        \n",
          stdout);
    /* Hydra also registers `python3 <script>`; a C program is only ever run as itself */
    printf("complete -c %s -x -a '(hydra_fish_completion)'\n\n", exec);
}

static void fish_uninstall(const char *exec) {
    printf("complete -e -c %s\nfunction hydra_fish_completion\nend\n", exec);
}

static int fail(const char *fmt, const char *arg) {
    cy_log_flush();
    fflush(stdout);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 1;
}

int cy__shell_completion(const struct cy_args *args, cy_loader *loader, const char *config_name,
                         const char *prog) {
    /* OmegaConf.from_dotlist(overrides): the last value of each key counts */
    static const char *const subcommands[] = {"install", "uninstall", "query"};
    const char *value[3] = {NULL, NULL, NULL};
    bool given[3] = {false, false, false};
    for (size_t i = 0; i < args->noverrides; i++) {
        const char *o = args->overrides[i], *eq = strchr(o, '=');
        size_t klen = eq ? (size_t)(eq - o) : strlen(o);
        for (int k = 0; k < 3; k++)
            if (strlen(subcommands[k]) == klen && strncmp(o, subcommands[k], klen) == 0) {
                given[k] = true;
                value[k] = eq ? eq + 1 : NULL;
            }
    }
    if (given[0] + given[1] + given[2] != 1)
        return fail("Expecting one subcommand from %s to be set",
                    "['install', 'uninstall', 'query']");
    int cmd = given[0] ? 0 : given[1] ? 1 : 2;
    const char *shell = value[cmd] ? value[cmd] : "None";
    int kind = strcmp(shell, "bash") == 0   ? 0
               : strcmp(shell, "fish") == 0 ? 1
               : strcmp(shell, "zsh") == 0  ? 2
                                            : -1;
    if (kind < 0) {
        cy_log_flush();
        fflush(stdout);
        fprintf(stderr,
                "No completion plugin for '%s' found, available : \n\tbash\n\tfish\n\tzsh\n",
                shell);
        return 1;
    }
    if (cmd == 0) {
        if (kind == 1)
            fish_install(prog);
        else
            bash_install(prog);
        return 0;
    }
    if (cmd == 1) {
        if (kind == 1)
            fish_uninstall(prog);
        else
            bash_uninstall();
        return 0;
    }
    const char *line = getenv("COMP_LINE");
    if (!line)
        return fail("%s", "KeyError: 'COMP_LINE'");
    const char *rest = strip_app_name(line);
    if (!rest)
        return fail("Error parsing line '%s'", line);
    strlist out = {0};
    query(&out, rest, loader, config_name, prog);
    for (size_t i = 0; i < out.n; i++) {
        fputs(out.items[i], stdout);
        if (i + 1 < out.n)
            fputs(kind == 1 ? "\n" : " ", stdout);
    }
    fputs("\n", stdout);
    sl_free(&out);
    return 0;
}
