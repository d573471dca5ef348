/* cmd_import.c — `fusetrace import [--session UUID] TRACE_DIR DB`,
 * `fusetrace import --relay RELAY_DIR OUTDIR`, the same two with `-o DB`
 * (sessions added to one fleet database) and `fusetrace import --live`. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import/commands.h"
#include "import/fleet_merge.h"
#include "import/import_lttng.h"
#include "import/relay_tree.h"
#include "util/text_escape.h"
#include "util/usage.h"

static void usage(FILE *to)
{
    fprintf(to,
        "usage: fusetrace import [--session UUID] TRACE_DIR DB\n"
        "       fusetrace import --relay RELAY_DIR OUTDIR\n"
        "       fusetrace import [--session UUID | --relay] TRACE_DIR|RELAY_DIR -o DB\n"
        "       fusetrace import --live net://RELAY[:LIVEPORT]/host/HOSTNAME/SESSION DB\n\n"
        "Convert an LTTng trace of the fusetrace provider (as written by\n"
        "'fusetrace record --lttng', or stored by a relay daemon for\n"
        "'--lttng-url') into a recording database DB, with the same schema and\n"
        "rows as a direct SQLite recording.  TRACE_DIR is searched for CTF traces\n"
        "(every directory holding a 'metadata' file).  DB must not exist.\n\n"
        "  --session UUID   import this session when the trace holds several\n"
        "                   (the error message lists them)\n"
        "  --relay          RELAY_DIR is an lttng-relayd output directory: import\n"
        "                   each session it holds (HOSTNAME/SESSION-DATETIME/) into\n"
        "                   OUTDIR/HOSTNAME/SESSION-DATETIME.db (OUTDIR and its host\n"
        "                   directories are created 0700).  A session already\n"
        "                   imported there is refused, and named; the others are\n"
        "                   imported.  A session still streaming is stored\n"
        "                   'incomplete': delete its file to import it again later.\n"
        "  -o, --output DB  add the session (with --relay: every session; for a\n"
        "                   recording file given instead of TRACE_DIR: its session)\n"
        "                   to the one database DB, created (0600) if it does not\n"
        "                   exist: a fleet database, one `session` row per host\n"
        "                   session (host and session name), which `sql`, `stats`\n"
        "                   (--by=host, --session), `export` and `view` read per\n"
        "                   session and across them.  A session DB already holds\n"
        "                   (same uuid, or same host and session name) is refused\n"
        "                   and named; the others are added.\n"
        "  --live URL       follow a session a host streams to a relay daemon\n"
        "                   (record/mount --lttng-url, named with --lttng-session),\n"
        "                   storing its events in DB as they arrive (committed\n"
        "                   whenever nothing more is waiting; `fusetrace view -f DB`\n"
        "                   follows it), until the session ends.  A session that\n"
        "                   does not exist yet is waited for: start the live import\n"
        "                   before the host records, since a live reader joining a\n"
        "                   running session gets it from then on only (refused: its\n"
        "                   start is missing).\n"
        "                   LIVEPORT defaults to 5344.  Ctrl-C (SIGINT) or SIGTERM\n"
        "                   ends it early, and so does the relay going away: DB then\n"
        "                   keeps what arrived, with status 'incomplete' and why.\n\n"
        "Without --live, SIGINT or SIGTERM abandons the session being imported:\n"
        "its unfinished database (with -o: the temporary directory\n"
        "'.fusetrace-import-XXXXXX' it is written to, beside DB) is removed and\n"
        "nothing of it is added; sessions finished before are kept; exit status 1.\n"
        "SIGKILL cannot be answered: it leaves the unfinished database (with -o:\n"
        "that temporary directory), to be removed by hand.  DB given with -o gets\n"
        "each session in one transaction, so never half of one.\n\n"
        "Exit status: 0 imported (with --relay: every session; with --live: the\n"
        "session complete); 1 unreadable trace, database error, (--relay, -o) a\n"
        "session refused or failed, (--live) the session stored incomplete,\n"
        "interrupted; 2 usage error.  An import of a trace with discarded events\n"
        "or without its end-of-session event is stored with status 'incomplete'.\n");
}

static void report(const struct import_stats *st, const char *db)
{
    tx_stderr("import", "session %s -> %s: %" PRIu64 " events stored "
            "(%" PRIu64 " requests, %" PRIu64 " replies), %" PRIu64 " discarded by LTTng, "
            "%" PRIu64 " skipped; status %s",
            st->uuid, db, st->stored, st->requests, st->replies, st->discarded,
            st->skipped, st->status);
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        errno = ENOTDIR;
    }
    return -1;
}

/* The signal (SIGINT or SIGTERM) that asked the import to stop; 0 if none. */
static volatile sig_atomic_t stop_by;

static void on_stop_signal(int sig)
{
    stop_by = sig;
}

/* From now on SIGINT and SIGTERM set stop_by instead of killing the process,
 * so an unfinished output is removed on the way out.  A live import wants
 * its blocking reads interrupted; a file import restarts them (the reader
 * checks stop_by at each event). */
static void catch_stop_signals(bool restart)
{
    struct sigaction sa = { .sa_handler = on_stop_signal, .sa_flags = restart ? SA_RESTART : 0 };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* "interrupted by SIGTERM" after a stop signal, else NULL. */
static const char *interrupted(void)
{
    static char why[64];
    if (!stop_by)
        return NULL;
    const char *sig = sigabbrev_np(stop_by);
    snprintf(why, sizeof why, "interrupted by SIG%s", sig ? sig : "?");
    return why;
}

/* Follow one live session into db. */
static int import_live(const char *url, const char *db)
{
    if (strncmp(url, "net://", 6) != 0 && strncmp(url, "net4://", 7) != 0)
        return usage_error("import", "--live: '%s' is not a live session URL "
                           "(net://RELAY[:LIVEPORT]/host/HOSTNAME/SESSION)", url);
    const char *host = strstr(url, "/host/");
    if (!host || !host[6] || !strchr(host + 6, '/') || !strchr(host + 6, '/')[1])
        return usage_error("import", "--live: '%s' names no session "
                           "(net://RELAY[:LIVEPORT]/host/HOSTNAME/SESSION)", url);
    catch_stop_signals(false);
    struct import_opts o = { .live_url = url, .db_path = db, .stop = &stop_by };
    struct import_stats st;
    char err[1024];
    if (import_lttng(&o, &st, err, sizeof err) != 0) {
        tx_stderr("import", "%s", err);
        return 1;
    }
    report(&st, db);
    return strcmp(st.status, "complete") ? 1 : 0;
}

/* Remove a recording the importer wrote and its SQLite side files. */
static void remove_db(const char *db)
{
    static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
    char p[PATH_MAX + 16];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(p, sizeof p, "%s%s", db, suffix[i]);
        unlink(p);
    }
}

/* One session into the fleet database `fleet`: imported into a temporary
 * recording beside it (same filesystem, never under /tmp's size limit),
 * then merged.  Returns 0 added, 1 refused (already there), -1 failed or
 * interrupted (message printed, prefixed by `what`); the temporary
 * directory is removed on every path (a stop signal only sets stop_by). */
static int import_into_fleet(const char *trace_dir, const char *session_uuid,
                             const char *session_name, const char *fleet, const char *what)
{
    char dir[PATH_MAX], tmp[PATH_MAX], db[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s", fleet);
    int len = snprintf(tmp, sizeof tmp, "%s/.fusetrace-import-XXXXXX", dirname(dir));
    if (len < 0 || (size_t)len >= sizeof tmp || !mkdtemp(tmp)) {
        tx_stderr("import", "%s: cannot make a temporary directory beside %s: %s", what, fleet,
                  strerror(len < 0 || (size_t)len >= sizeof tmp ? ENAMETOOLONG : errno));
        return -1;
    }
    snprintf(db, sizeof db, "%s/session.db", tmp);
    struct stat sb;
    if (stat(trace_dir, &sb) == 0 && S_ISREG(sb.st_mode)) {
        /* a recording (record --db): merged as it is */
        rmdir(tmp);
        char err[1024];
        int64_t id = fleet_merge(fleet, trace_dir, session_name, err, sizeof err);
        if (id < 0) {
            tx_stderr("import", "%s: %s", what, err);
            return strstr(err, "already in the database") ? 1 : -1;
        }
        tx_stderr("import", "%s -> %s (session %lld)", what, fleet, (long long)id);
        return 0;
    }
    struct import_opts o = { .trace_dir = trace_dir, .db_path = db, .session_uuid = session_uuid,
                             .stop = &stop_by };
    struct import_stats st;
    char err[1024];
    int ret = -1;
    if (import_lttng(&o, &st, err, sizeof err) != 0) {
        tx_stderr("import", "%s: %s%s", what, err, strstr(err, "--session UUID") && !session_uuid
                  ? " (add it with: fusetrace import --session UUID DIR -o DB)" : "");
    } else if (interrupted()) {
        tx_stderr("import", "%s: %s: not added to %s", what, interrupted(), fleet);
    } else {
        int64_t id = fleet_merge(fleet, db, session_name, err, sizeof err);
        if (id < 0) {
            tx_stderr("import", "%s: %s", what, err);
            ret = strstr(err, "already in the database") ? 1 : -1;
        } else {
            char as[PATH_MAX + 32];
            snprintf(as, sizeof as, "%s (session %lld)", fleet, (long long)id);
            report(&st, as);
            ret = 0;
        }
    }
    remove_db(db);
    rmdir(tmp);
    return ret;
}

/* Every session of a relay output directory into the one database fleet. */
static int import_relay_fleet(const char *relay_dir, const char *fleet)
{
    struct relay_session *ss;
    size_t n;
    char err[1024];
    if (relay_sessions(relay_dir, &ss, &n, err, sizeof err) != 0) {
        tx_stderr("import", "%s", err);
        return 1;
    }
    size_t done = 0, refused = 0, failed = 0;
    for (size_t i = 0; i < n && !interrupted(); i++) {
        const char *name = strrchr(ss[i].rel, '/');
        int r = import_into_fleet(ss[i].dir, NULL, name ? name + 1 : ss[i].rel, fleet, ss[i].rel);
        if (r == 0)
            done++;
        else if (r > 0)
            refused++;
        else
            failed++;
    }
    tx_stderr("import", "%s: %zu session%s added to %s, %zu refused (already there), %zu failed%s%s",
              relay_dir, done, done == 1 ? "" : "s", fleet, refused, failed,
              interrupted() ? "; " : "", interrupted() ? interrupted() : "");
    relay_sessions_free(ss, n);
    return refused || failed || interrupted() ? 1 : 0;
}

/* Every session of a relay output directory, each into its own database. */
static int import_relay(const char *relay_dir, const char *outdir)
{
    struct relay_session *ss;
    size_t n;
    char err[1024];
    if (relay_sessions(relay_dir, &ss, &n, err, sizeof err) != 0) {
        tx_stderr("import", "%s", err);
        return 1;
    }
    if (make_dir(outdir) != 0) {
        tx_stderr("import", "cannot create %s: %s", outdir, strerror(errno));
        relay_sessions_free(ss, n);
        return 1;
    }
    size_t done = 0, refused = 0, failed = 0;
    for (size_t i = 0; i < n && !interrupted(); i++) {
        char db[PATH_MAX + 8], hostdir[PATH_MAX];
        int len = snprintf(db, sizeof db, "%s/%s.db", outdir, ss[i].rel);
        if (len < 0 || (size_t)len >= sizeof db) {
            tx_stderr("import", "%s: path too long", ss[i].rel);
            failed++;
            continue;
        }
        if (access(db, F_OK) == 0) {
            tx_stderr("import", "%s: already imported (%s exists): refused", ss[i].rel, db);
            refused++;
            continue;
        }
        /* the host level (and any further level) of rel */
        for (char *slash = strchr(ss[i].rel, '/'); slash; slash = strchr(slash + 1, '/')) {
            snprintf(hostdir, sizeof hostdir, "%s/%.*s", outdir, (int)(slash - ss[i].rel),
                     ss[i].rel);
            if (make_dir(hostdir) != 0) {
                tx_stderr("import", "cannot create %s: %s", hostdir, strerror(errno));
                break;
            }
        }
        struct import_opts o = { .trace_dir = ss[i].dir, .db_path = db, .stop = &stop_by };
        struct import_stats st;
        if (import_lttng(&o, &st, err, sizeof err) != 0) {
            /* a session that traced several fusetrace processes (a session
             * the user set up, not --lttng-url's) is imported one by one */
            tx_stderr("import", "%s: %s%s", ss[i].rel, err, strstr(err, "--session UUID")
                      ? " (--relay cannot: fusetrace import --session UUID DIR DB)" : "");
            failed++;
            continue;
        }
        report(&st, db);
        done++;
    }
    tx_stderr("import", "%s: %zu session%s imported, %zu refused (already imported), %zu failed%s%s",
              relay_dir, done, done == 1 ? "" : "s", refused, failed,
              interrupted() ? "; " : "", interrupted() ? interrupted() : "");
    relay_sessions_free(ss, n);
    return refused || failed || interrupted() ? 1 : 0;
}

int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "session", required_argument, NULL, 's' },
        { "relay", no_argument, NULL, 'r' },
        { "live", required_argument, NULL, 'l' },
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { 0, 0, 0, 0 },
    };
    struct import_opts o = { 0 };
    bool relay = false;
    const char *live = NULL, *fleet = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o.session_uuid = optarg; break;
        case 'r': relay = true; break;
        case 'l': live = optarg; break;
        case 'o': fleet = optarg; break;
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
    if (live && fleet)
        return usage_error("import", "--live writes its own DB: not with -o");
    if (!live)
        catch_stop_signals(true);
    if (fleet) {
        if (!*fleet)
            return usage_error("import", "-o needs a database path");
        if (relay && o.session_uuid)
            return usage_error("import", "--session and --relay contradict each other (--relay "
                               "imports every session)");
        if (argc - optind < 1)
            return usage_error("import", "missing %s", relay ? "RELAY_DIR" : "TRACE_DIR");
        if (argc - optind > 1)
            return usage_error("import", "too many arguments (with -o DB: one %s)",
                               relay ? "RELAY_DIR" : "TRACE_DIR");
        if (relay)
            return import_relay_fleet(argv[optind], fleet);
        return import_into_fleet(argv[optind], o.session_uuid, NULL, fleet, argv[optind]) == 0
               ? 0 : 1;
    }
    if (live && (relay || o.session_uuid))
        return usage_error("import", "--live follows one session: not with %s",
                           relay ? "--relay" : "--session");
    if (live) {
        if (argc - optind < 1)
            return usage_error("import", "missing DB");
        if (argc - optind > 1)
            return usage_error("import", "too many arguments (--live URL DB)");
        return import_live(live, argv[optind]);
    }
    const char *what = relay ? "OUTDIR" : "DB";
    if (argc - optind < 2)
        return usage_error("import", "missing %s%s", argc - optind == 0
                           ? (relay ? "RELAY_DIR and " : "TRACE_DIR and ") : "", what);
    if (argc - optind > 2)
        return usage_error("import", "too many arguments");
    if (relay && o.session_uuid)
        return usage_error("import", "--session and --relay contradict each other (--relay "
                           "imports every session)");
    if (relay)
        return import_relay(argv[optind], argv[optind + 1]);
    o.trace_dir = argv[optind];
    o.db_path = argv[optind + 1];
    o.stop = &stop_by;

    struct import_stats st;
    char err[1024];
    if (import_lttng(&o, &st, err, sizeof err) != 0) {
        tx_stderr("import", "%s", err);
        return 1;
    }
    report(&st, o.db_path);
    return 0;
}
