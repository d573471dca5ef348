/* relay_tree.c — see relay_tree.h. */
#include "import/relay_tree.h"

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* nftw has no user pointer: the walk's state is static (the command walks
 * one tree per process). */
static struct relay_session *found;
static size_t nfound, capfound;
static size_t base_len;
static bool oom;

static int visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    if (type != FTW_D || ftw->level == 0)
        return 0;
    const char *name = path + ftw->base;
    if (strcmp(name, "ust") != 0 && strcmp(name, "kernel") != 0)
        return 0;
    size_t dlen = ftw->base ? (size_t)ftw->base - 1 : 0;
    /* a session holding both ust and kernel is one session */
    for (size_t i = 0; i < nfound; i++)
        if (strlen(found[i].dir) == dlen && !strncmp(found[i].dir, path, dlen))
            return 0;
    if (nfound == capfound) {
        size_t nc = capfound ? 2 * capfound : 16;
        struct relay_session *n = realloc(found, nc * sizeof *n);
        if (!n) {
            oom = true;
            return 1;
        }
        found = n;
        capfound = nc;
    }
    char *dir = strndup(path, dlen);
    /* the base itself is a session directory: named by its last component */
    const char *rel = dir;
    if (dlen > base_len)
        rel = dir + base_len + 1;
    else if (strrchr(dir, '/'))
        rel = strrchr(dir, '/') + 1;
    char *relc = dir ? strdup(rel) : NULL;
    if (!dir || !relc) {
        free(dir);
        oom = true;
        return 1;
    }
    found[nfound++] = (struct relay_session){ dir, relc };
    return 0;
}

static int by_rel(const void *a, const void *b)
{
    return strcmp(((const struct relay_session *)a)->rel, ((const struct relay_session *)b)->rel);
}

int relay_sessions(const char *base, struct relay_session **out, size_t *n,
                   char *err, size_t errlen)
{
    struct stat st;
    *out = NULL;
    *n = 0;
    if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", base);
        return -1;
    }
    found = NULL;
    nfound = capfound = 0;
    oom = false;
    /* walk "dir", not "dir/": the paths nftw builds then start with it */
    char *root = strdup(base);
    if (!root) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    base_len = strlen(root);
    while (base_len > 1 && root[base_len - 1] == '/')
        root[--base_len] = '\0';
    int walked = nftw(root, visit, 16, FTW_PHYS);
    free(root);
    if (walked != 0 || oom) {
        snprintf(err, errlen, oom ? "out of memory" : "%s: cannot walk the directory", base);
        relay_sessions_free(found, nfound);
        return -1;
    }
    if (nfound == 0) {
        snprintf(err, errlen, "%s: no session directory (HOSTNAME/SESSION-DATETIME/ holding "
                 "ust/ or kernel/) under it: not an lttng-relayd output directory", base);
        relay_sessions_free(found, nfound);
        return -1;
    }
    qsort(found, nfound, sizeof *found, by_rel);
    *out = found;
    *n = nfound;
    found = NULL;
    nfound = capfound = 0;
    return 0;
}

void relay_sessions_free(struct relay_session *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].dir);
        free(s[i].rel);
    }
    free(s);
}
