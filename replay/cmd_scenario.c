/* cmd_scenario.c — `fusetrace scenario list | run NAME...|all`.
 *
 * The scenarios are data (workload scripts, options, SQL assertions) run by
 * the shell script scenarios/run; this command finds that directory and
 * execs the script with FUSETRACE set to this very binary.  Search order:
 *   1. $FUSETRACE_SCENARIOS (a directory holding `run`);
 *   2. the source tree this binary was built from (works from the build
 *      directory: FUSETRACE_SCENARIO_SRC_DIR, set by meson);
 *   3. BINDIR/../share/fusetrace/scenarios next to the running binary
 *      (a relocated install);
 *   4. the configured install location (FUSETRACE_SCENARIO_INSTALL_DIR).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay/commands.h"
#include "util/usage.h"

#ifndef FUSETRACE_SCENARIO_SRC_DIR
#define FUSETRACE_SCENARIO_SRC_DIR ""
#endif
#ifndef FUSETRACE_SCENARIO_INSTALL_DIR
#define FUSETRACE_SCENARIO_INSTALL_DIR "/usr/local/share/fusetrace/scenarios"
#endif

static void usage(FILE *to)
{
    fprintf(to,
        "usage: fusetrace scenario list\n"
        "       fusetrace scenario run NAME... | all\n\n"
        "Scenarios are small workloads that reproduce real situations (inode\n"
        "reuse, handle fallback, create races, fd pressure, interrupted locks,\n"
        "git, make, tar...), each recorded on a scratch directory under /tmp and\n"
        "checked with SQL assertions on the recording.  'run' prints every\n"
        "assertion with PASS or FAIL and the offending rows, and keeps the\n"
        "recording of a failed scenario.  Each scenario's README.md says what it\n"
        "shows and which query to read.\n\n"
        "The scenario directory is $FUSETRACE_SCENARIOS if set, else the source\n"
        "tree the binary was built from, else share/fusetrace/scenarios of the\n"
        "installation.  Needs root (it mounts).\n\n"
        "Exit status: 0 all assertions passed; 1 an assertion or a workload\n"
        "failed; 2 usage error or no scenario directory.\n");
}

static bool has_runner(const char *dir)
{
    char p[PATH_MAX];
    if (!dir || !*dir || snprintf(p, sizeof p, "%s/run", dir) >= (int)sizeof p)
        return false;
    return access(p, R_OK) == 0;
}

static bool find_dir(char *out, size_t cap)
{
    const char *env = getenv("FUSETRACE_SCENARIOS");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return has_runner(out);
    }
    if (has_runner(FUSETRACE_SCENARIO_SRC_DIR)) {
        snprintf(out, cap, "%s", FUSETRACE_SCENARIO_SRC_DIR);
        return true;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            static const char rel[] = "/../share/fusetrace/scenarios";
            size_t el = strlen(exe);
            if (el + sizeof rel <= cap) {
                /* exe's bytes, then rel with its NUL (sizeof rel counts it) */
                snprintf(out, cap, "%s%s", exe, rel);
                if (has_runner(out))
                    return true;
            }
        }
    }
    snprintf(out, cap, "%s", FUSETRACE_SCENARIO_INSTALL_DIR);
    return has_runner(out);
}

int cmd_scenario(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("scenario", "missing 'list' or 'run'");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    bool list = !strcmp(argv[1], "list");
    if (!list && strcmp(argv[1], "run") != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "unknown action '%.64s' (list or run)", argv[1]);
        return usage_error("scenario", "%s", msg);
    }
    if (list && argc > 2)
        return usage_error("scenario", "'list' takes no arguments");
    if (!list && argc < 3)
        return usage_error("scenario", "missing scenario NAME (or 'all')");
    for (int i = 2; i < argc; i++)
        if (argv[i][0] == '-')
            return usage_error("scenario", "scenario names do not start with '-'");

    char dir[PATH_MAX];
    if (!find_dir(dir, sizeof dir)) {
        fprintf(stderr, "fusetrace scenario: no scenario directory found (looked for 'run' in "
                "$FUSETRACE_SCENARIOS, %s, and share/fusetrace/scenarios); set "
                "FUSETRACE_SCENARIOS\n", *FUSETRACE_SCENARIO_SRC_DIR
                ? FUSETRACE_SCENARIO_SRC_DIR : "the source tree");
        return 2;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "fusetrace scenario: cannot find my own binary: %s\n", strerror(errno));
        return 1;
    }
    self[n] = 0;
    setenv("FUSETRACE", self, 1);
    char runner[PATH_MAX + 8];
    snprintf(runner, sizeof runner, "%s/run", dir);
    char **args = calloc((size_t)argc + 3, sizeof *args);
    if (!args) {
        fprintf(stderr, "fusetrace scenario: out of memory\n");
        return 1;
    }
    int k = 0;
    args[k++] = "bash";
    args[k++] = runner;
    for (int i = 1; i < argc; i++)
        args[k++] = argv[i];
    args[k] = NULL;
    fflush(NULL);
    execvp("bash", args);
    fprintf(stderr, "fusetrace scenario: cannot run bash %s: %s\n", runner, strerror(errno));
    free(args);
    return 1;
}
