/* main.c — `fusetrace SUBCOMMAND ...`: the dispatcher. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/mount_helper.h"
#include "import/commands.h"
#include "replay/commands.h"
#include "tracedb/commands.h"
#include "viewer/viewer.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    { "mount", cmd_mount, "mount a traced passthrough of a directory (foreground)" },
    { "record", cmd_record, "mount over DIR, run a command in it, record everything" },
    { "view", cmd_view, "replay a recording in the terminal" },
    { "sql", cmd_sql, "run SQL queries on a recording" },
    { "stats", cmd_stats, "print a summary of a recording" },
    { "import", cmd_import, "convert an LTTng trace of fusetrace into a recording database" },
    { "export", cmd_export, "write a recording as Perfetto/Chrome trace JSON or JSON lines" },
    { "scenario", cmd_scenario, "list or run the diagnostic scenarios" },
    { "replay", cmd_replay, "re-execute a recording against a directory" },
};

static void usage(FILE *to)
{
    fprintf(to, "usage: fusetrace COMMAND [ARGS...]\n\n"
                "A FUSE passthrough that records every request, reply, inode-table change\n"
                "and backing syscall to SQLite and LTTng.\n\nCommands:\n");
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(*subcommands); i++)
        fprintf(to, "  %-9s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(to, "\n'fusetrace COMMAND --help' describes each command's options.\n");
}

int main(int argc, char **argv)
{
    /* Run by mount(8) as /sbin/mount.fuse.fusetrace (cli/mount_helper.h). */
    if (mount_helper_invoked(argv[0]))
        return mount_helper_main(argc, argv);
    if (argc < 2) {
        fprintf(stderr, "fusetrace: missing command\nTry 'fusetrace --help'.\n");
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("fusetrace %s\n", FUSETRACE_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(*subcommands); i++)
        if (!strcmp(argv[1], subcommands[i].name))
            return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "fusetrace: unknown command '%s'\nTry 'fusetrace --help'.\n", argv[1]);
    return 2;
}
