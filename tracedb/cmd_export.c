/* cmd_export.c — `fusetrace export DB --format=perfetto|jsonl [-o FILE]`. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tracedb/commands.h"
#include "tracedb/export.h"
#include "tracedb/tracedb.h"
#include "util/text_escape.h"
#include "tracedb/session_select.h"
#include "util/usage.h"
#include "util/out_file.h"

static void usage(FILE *to)
{
    fprintf(to,
        "usage: fusetrace export DB --format=perfetto|jsonl [-o FILE] [--session ID|HOST]\n\n"
        "Export a recording.\n"
        "  --format=perfetto  Chrome/Perfetto trace-event JSON (open it in\n"
        "                     ui.perfetto.dev or chrome://tracing): each request a\n"
        "                     slice on the application process and thread that\n"
        "                     made it, labelled 'OP FILE ERRNO', each process\n"
        "                     named by its last ancestors and command line; the\n"
        "                     daemon a process of its own with its backing\n"
        "                     syscalls on its worker threads, a flow from each\n"
        "                     request to its first backing call on each worker\n"
        "                     (the calls after it on that thread are the same\n"
        "                     request's); counters of requests in flight and,\n"
        "                     with the kernel's side, of the kernel's queue.\n"
        "  --format=jsonl     one JSON object per line and request (the op view's\n"
        "                     columns), with its reply and latency;\n"
        "                     scenarios/lnav/fusetrace.json makes lnav read it\n"
        "                     (lnav -i scenarios/lnav/fusetrace.json; SQL table\n"
        "                     fusetrace_jsonl).\n"
        "  -o, --output FILE  write to FILE (default: standard output)\n"
        "  --session ID|HOST  of a fleet database (`fusetrace import -o`): export\n"
        "                     session ID, or the one session of HOST; needed\n"
        "                     when the database holds several sessions (each\n"
        "                     has its own clock, pids and threads)\n\n"
        "Exit status: 0 exported; 1 unreadable recording or write error; 2 usage.\n");
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, 'o' },
        { "session", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *format = NULL, *output = NULL, *session_arg = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 's': session_arg = optarg; break;
        case 'h': usage(stdout); return 0;
        case ':': return usage_error("export", "option needs an argument");
        default: {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown option '%s'", argv[optind - 1]);
            return usage_error("export", "%s", msg);
        }
        }
    }
    if (argc - optind < 1)
        return usage_error("export", "missing DB");
    if (argc - optind > 1)
        return usage_error("export", "too many arguments");
    if (!format)
        return usage_error("export", "missing --format=perfetto|jsonl");
    bool perfetto = !strcmp(format, "perfetto");
    if (!perfetto && strcmp(format, "jsonl") != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "unknown format '%.64s' (perfetto or jsonl)", format);
        return usage_error("export", "%s", msg);
    }

    sqlite3 *db;
    char err[1024] = "";
    struct tracedb_info info;
    if (tracedb_open(argv[optind], &db, &info, err, sizeof err) != 0) {
        tx_stderr("export", "%s", err);
        return 1;
    }
    if (session_arg && (session_select(db, session_arg, true, err, sizeof err) < 0
                        || tracedb_reread(db, &info) != 0)) {
        tx_stderr("export", "%s: %s", argv[optind], err[0] ? err : sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    if (info.sessions > 1) {
        /* the exporters draw one timeline of one host's pids and threads */
        tx_stderr("export", "%s: %s %" PRId64 " sessions: export one at a time with "
                  "--session ID", argv[optind], session_arg ? "the selection holds" :
                  "a fleet database of", info.sessions);
        sqlite3_close(db);
        return 1;
    }
    /* Said before the data, like sql's note: whoever reads the export
     * should know it stops where the recording stopped. */
    if (info.status == TRACEDB_RECORDING)
        tx_stderr("export", "note: the recording is still being written; exporting what it holds");
    else if (info.status != TRACEDB_COMPLETE)
        tx_stderr("export", "note: incomplete recording: %s", info.reason);
    FILE *f = stdout;
    if (output && strcmp(output, "-") != 0) {
        f = out_file_open(output, false);
        if (!f) {
            tx_stderr("export", "cannot create %s: %s", output, strerror(errno));
            sqlite3_close(db);
            return 1;
        }
    }
    struct export_counts n;
    int rc = perfetto ? export_perfetto(db, f, &n, err, sizeof err)
                      : export_jsonl(db, f, &n, err, sizeof err);
    sqlite3_close(db);
    bool werr = ferror(f) != 0;
    if (f != stdout)
        werr |= fclose(f) != 0;
    else
        werr |= fflush(f) != 0;
    if (rc != 0 || werr) {
        tx_stderr("export", "%s", rc ? err : "write error");
        if (f != stdout)
            unlink(output);
        return 1;
    }
    if (perfetto)
        fprintf(stderr, "fusetrace export: %" PRIu64 " requests, %" PRIu64 " backing calls, %"
                PRIu64 " flow steps, %" PRIu64 " counter samples\n",
                n.requests, n.backing, n.flows, n.counters);
    else
        fprintf(stderr, "fusetrace export: %" PRIu64 " requests\n", n.requests);
    return 0;
}
