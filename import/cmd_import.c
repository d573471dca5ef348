/* cmd_import.c — `fusetrace import [--session UUID] TRACE_DIR DB`. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "import/commands.h"
#include "import/import_lttng.h"
#include "util/text_escape.h"
#include "util/usage.h"

static void usage(FILE *to)
{
    fprintf(to,
        "usage: fusetrace import [--session UUID] TRACE_DIR DB\n\n"
        "Convert an LTTng trace of the fusetrace provider (as written by\n"
        "'fusetrace record --lttng') into a recording database DB, with the same\n"
        "schema and rows as a direct SQLite recording.  TRACE_DIR is searched\n"
        "for CTF traces (every directory holding a 'metadata' file).  DB must not\n"
        "exist.\n\n"
        "  --session UUID   import this session when the trace holds several\n"
        "                   (the error message lists them)\n\n"
        "Exit status: 0 imported; 1 unreadable trace or database error;\n"
        "2 usage error.  An import of a trace with discarded events or without\n"
        "its end-of-session event is stored with status 'incomplete'.\n");
}

int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "session", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { 0, 0, 0, 0 },
    };
    struct import_opts o = { 0 };
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o.session_uuid = optarg; break;
        case 'h': usage(stdout); return 0;
        case ':': {
            char msg[128];
            snprintf(msg, sizeof msg, "option '%s' needs a value", argv[optind - 1]);
            return usage_error("import", "%s", msg);
        }
        default: {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown option '%s'", argv[optind - 1]);
            return usage_error("import", "%s", msg);
        }
        }
    }
    if (argc - optind < 2)
        return usage_error("import", "%s", argc - optind == 0 ? "missing TRACE_DIR and DB" : "missing DB");
    if (argc - optind > 2)
        return usage_error("import", "too many arguments");
    o.trace_dir = argv[optind];
    o.db_path = argv[optind + 1];

    struct import_stats st;
    char err[1024];
    if (import_lttng(&o, &st, err, sizeof err) != 0) {
        tx_stderr("import", "%s", err);
        return 1;
    }
    tx_stderr("import", "session %s -> %s: %" PRIu64 " events stored "
            "(%" PRIu64 " requests, %" PRIu64 " replies), %" PRIu64 " discarded by LTTng, "
            "%" PRIu64 " skipped; status %s",
            st.uuid, o.db_path, st.stored, st.requests, st.replies, st.discarded,
            st.skipped, st.status);
    return 0;
}
