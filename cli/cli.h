/* cli.h — the options of `fusetrace mount` and `fusetrace record`. */
#ifndef FUSETRACE_CLI_CLI_H
#define FUSETRACE_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shim/fs.h"
#include "trace/ktrace.h"

struct cli {
    bool record;                  /* `record` rather than `mount` */
    struct fs_config fs;
    char fuse_opts[1024];         /* -o options handed to libfuse, comma separated */
    bool no_default_permissions;
    const char *db_path;          /* --db */
    bool no_db;                   /* --no-db (record) */
    bool lttng;                   /* --lttng */
    const char *lttng_output;     /* --lttng-output */
    const char *lttng_url;        /* --lttng-url: our own LTTng session, streamed to a relay */
    const char *lttng_session;    /* --lttng-session: its name (default fusetrace-PID) */
    bool drop;                    /* --drop */
    size_t capture_data;          /* --capture-data */
    size_t ring_bytes;            /* --ring-size */
    enum ktrace_mode kernel_trace; /* --kernel-trace */
    char **command;               /* record: argv of the command, NULL-terminated */
    char options_line[2048];      /* the command line as given, for the session row */
    /* mount(8) conventions */
    bool daemon;                  /* --daemon: return once serving, serve in the background */
    const char *log_path;         /* --log / -o log=: the daemon's messages (default syslog) */
    bool remount;                 /* -o remount: change the VFS flags of a running mount */
    char remount_fixed[512];      /* -o options a remount cannot change (comma separated) */
    char o_values[2048];          /* storage for strings taken from -o (source=, db=...) */
    size_t o_used;
};

/* Parse argv (argv[0] is the subcommand).  Returns 0, -1 after printing
 * help (exit 0), or 2 after printing a one-line reason and a usage hint.
 * argv is not modified (the process title keeps what the user typed). */
int cli_parse(int argc, char **argv, bool record, struct cli *out);

void cli_usage_mount(FILE *to);
void cli_usage_record(FILE *to);

#endif
