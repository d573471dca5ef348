/* io_mode.c — see io_mode.h. */
#include "shim/io_mode.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

static const char *const mode_names[IO_MODE_COUNT] = {
    [IO_NONE] = "none", [IO_CACHED] = "cached", [IO_DIRECT] = "direct",
    [IO_PASSTHROUGH] = "passthrough",
};

const char *io_mode_name(enum io_mode m)
{
    return (unsigned)m < IO_MODE_COUNT ? mode_names[m] : "?";
}

int io_mode_parse(const char *s, enum io_mode *out)
{
    for (int m = IO_CACHED; m < IO_MODE_COUNT; m++)
        if (!strcmp(s, mode_names[m])) {
            *out = (enum io_mode)m;
            return 0;
        }
    return -1;
}

int io_rule_add(struct io_policy *p, char *spec, char *why, size_t len)
{
    char *colon = strrchr(spec, ':');
    if (!colon || colon == spec) {
        snprintf(why, len, "--io-rule wants GLOB:MODE, not '%s'", spec);
        return -1;
    }
    enum io_mode m;
    if (io_mode_parse(colon + 1, &m) < 0) {
        snprintf(why, len, "--io-rule mode must be cached, direct or passthrough, not '%s'",
                 colon + 1);
        return -1;
    }
    if (p->nrules >= IO_RULES_MAX) {
        snprintf(why, len, "at most %d --io-rule options", IO_RULES_MAX);
        return -1;
    }
    *colon = '\0';
    p->rules[p->nrules++] = (struct io_rule){ .glob = spec, .mode = m };
    return 0;
}

bool io_policy_may_ask(const struct io_policy *p, enum io_mode m)
{
    if (p->dflt == m)
        return true;
    for (unsigned i = 0; i < p->nrules; i++)
        if (p->rules[i].mode == m)
            return true;
    return false;
}

enum io_mode io_policy_choose(const struct io_policy *p, const char *path, int *rule)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (unsigned i = 0; i < p->nrules; i++) {
        const char *g = p->rules[i].glob;
        if (fnmatch(g, strchr(g, '/') ? path : base, 0) == 0) {
            if (rule)
                *rule = (int)i;
            return p->rules[i].mode;
        }
    }
    if (rule)
        *rule = -1;
    return p->dflt;
}
