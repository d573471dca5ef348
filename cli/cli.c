/* cli.c — option parsing for `mount` and `record`. */
#include "cli/cli.h"
#include "util/usage.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char common_help[] =
    "Passthrough options:\n"
    "  -o OPT[,OPT...]      FUSE mount options: allow_other, default_permissions, ro,\n"
    "                       fsname=NAME, and any other option libfuse accepts.\n"
    "                       allow_other makes every operation run with the calling\n"
    "                       process's uid/gid/groups, and turns on default_permissions\n"
    "                       (kernel permission checks) unless --no-default-permissions.\n"
    "                       Taking callers' ids needs CAP_SETUID and CAP_SETGID; a\n"
    "                       daemon without them serves allow_other single-user (as\n"
    "                       its own uid) and only with default_permissions.\n"
    "  --no-default-permissions\n"
    "                       with allow_other: let the source check permissions (as the\n"
    "                       caller) instead of the kernel; FUSE_ACCESS is answered.\n"
    "  --cache=MODE         never: no kernel caching (direct I/O, timeouts 0);\n"
    "                       auto (default): 1 s entry/attr timeouts;\n"
    "                       always: 1 day timeouts, keep page and readdir caches.\n"
    "  --writeback          use the kernel's writeback cache (faster small writes; do\n"
    "                       not change the source behind the mount's back).\n"
    "  --threads=N          at most N worker threads (default 10).\n"
    "  --handles=POLICY     how inodes are remembered:\n"
    "                       prefer (default): file handles, no fd pinned per inode;\n"
    "                         filesystems without handles fall back to an O_PATH fd;\n"
    "                       never: an O_PATH fd pinned per inode;\n"
    "                       mandatory: refuse inodes that have no file handle.\n"
    "                       Handles need CAP_DAC_READ_SEARCH; without it prefer\n"
    "                       degrades to never (said once on stderr).\n"
    "  --fd-cache=N         fds kept open for handle-backed inodes (default 1024).\n"
    "  --debug              log every FUSE request and reply on stderr (libfuse -d).\n"
    "\n"
    "Recording options:\n"
    "  --db FILE            record to the SQLite database FILE (created 0600; must not\n"
    "                       exist and must not be under the mountpoint).\n"
    "  --lttng              emit LTTng-UST events (provider `fusetrace`).\n"
    "  --drop               never slow the filesystem down to record: drop events when\n"
    "                       the ring is full, and count every one dropped.\n"
    "  --capture-data=BYTES store the first BYTES of each read and write (default 0).\n"
    "  --snapshot-data=BYTES\n"
    "                       keep the first BYTES of each regular file the session finds\n"
    "                       already there (its manifest entry), so `fusetrace replay` can\n"
    "                       rebuild it with that content (default 0: sizes only).\n"
    "  --ring-size=BYTES    recorder ring capacity (default chosen by the recorder).\n";

void cli_usage_mount(FILE *to)
{
    fprintf(to,
            "usage: fusetrace mount [OPTIONS] SOURCE MOUNTPOINT\n"
            "       fusetrace mount [OPTIONS] DIR\n"
            "\n"
            "Mount a passthrough of SOURCE on MOUNTPOINT, or over DIR itself (the directory\n"
            "is opened before it is covered, so the mount shows what was there).  Runs in\n"
            "the foreground until Ctrl-C, SIGTERM or `fusermount3 -u MOUNTPOINT`.  If the\n"
            "daemon dies, the mount goes away with it (auto_unmount).\n"
            "\n%s",
            common_help);
}

void cli_usage_record(FILE *to)
{
    fprintf(to,
            "usage: fusetrace record [OPTIONS] DIR -- COMMAND [ARGS...]\n"
            "\n"
            "Mount over DIR, run COMMAND with DIR as its working directory, unmount when it\n"
            "exits, and exit with COMMAND's status.  Everything is recorded to a database\n"
            "(default: ./fusetrace-YYYYmmdd-HHMMSS.db, path printed on stderr).\n"
            "Exit status: COMMAND's status; 125 if fusetrace itself failed; 124 if COMMAND\n"
            "succeeded but the recording is incomplete (events lost, database error).\n"
            "A first Ctrl-C reaches COMMAND (SIGINT/SIGTERM/SIGHUP sent to record alone\n"
            "are passed on); a second kills it.\n"
            "\n%s"
            "  --no-db              record only to LTTng (with --lttng).\n"
            "  --lttng-output=DIR   with --lttng: create an LTTng session of our own writing\n"
            "                       to DIR (default ./fusetrace-YYYYmmdd-HHMMSS.lttng).\n",
            common_help);
}

/* The subcommand's name in messages. */
static const char *cmd_name(bool record)
{
    return record ? "record" : "mount";
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (shift && v > (~0ULL >> shift))
        return -1;   /* would overflow: refuse rather than wrap */
    v <<= shift;
    if (*end)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int append_opt(struct cli *c, const char *opt)
{
    size_t len = strlen(c->fuse_opts);
    int n = snprintf(c->fuse_opts + len, sizeof(c->fuse_opts) - len, "%s%s", len ? "," : "", opt);
    return n < 0 || (size_t)n >= sizeof(c->fuse_opts) - len ? -1 : 0;
}

/* -o options we act on ourselves; the rest go to libfuse untouched. */
static int take_o(struct cli *c, char *list)
{
    for (char *save, *o = strtok_r(list, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        if (!strcmp(o, "allow_other"))
            c->fs.allow_other = true;
        else if (!strcmp(o, "default_permissions"))
            c->fs.default_permissions = true;
        else if (!strcmp(o, "ro"))
            c->fs.read_only = true;
        if (!strcmp(o, "allow_other") || !strcmp(o, "default_permissions"))
            continue;   /* added back by the session after deciding */
        if (append_opt(c, o) < 0)
            return -1;
    }
    return 0;
}

int cli_parse(int argc, char **argv, bool record, struct cli *c)
{
    enum { O_CACHE = 256, O_WRITEBACK, O_THREADS, O_DEBUG, O_HANDLES, O_FDCACHE, O_DB, O_NODB,
           O_LTTNG, O_LTTNG_OUT, O_DROP, O_CAPTURE, O_SNAPSHOT, O_RING, O_NODP, O_HELP };
    static const struct option longopts[] = {
        { "cache", required_argument, NULL, O_CACHE },
        { "writeback", no_argument, NULL, O_WRITEBACK },
        { "threads", required_argument, NULL, O_THREADS },
        { "debug", no_argument, NULL, O_DEBUG },
        { "handles", required_argument, NULL, O_HANDLES },
        { "fd-cache", required_argument, NULL, O_FDCACHE },
        { "db", required_argument, NULL, O_DB },
        { "no-db", no_argument, NULL, O_NODB },
        { "lttng", no_argument, NULL, O_LTTNG },
        { "lttng-output", required_argument, NULL, O_LTTNG_OUT },
        { "drop", no_argument, NULL, O_DROP },
        { "capture-data", required_argument, NULL, O_CAPTURE },
        { "snapshot-data", required_argument, NULL, O_SNAPSHOT },
        { "ring-size", required_argument, NULL, O_RING },
        { "no-default-permissions", no_argument, NULL, O_NODP },
        { "help", no_argument, NULL, O_HELP },
        { 0 },
    };
    memset(c, 0, sizeof(*c));
    c->record = record;
    c->fs.cache = CACHE_AUTO;
    c->fs.threads = 10;
    c->fs.handles = HANDLES_PREFER;
    c->fs.fd_cache = 1024;

    size_t used = 0;
    for (int i = 0; i < argc && used < sizeof(c->options_line) - 1; i++) {
        int n = snprintf(c->options_line + used, sizeof(c->options_line) - used, "%s%s",
                         i ? " " : "fusetrace ", argv[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }

    optind = 1;
    opterr = 0;
    /* '+': stop at the first non-option so that `record DIR -- cmd -x` works
     * and the command's own options are never taken for ours. */
    int opt;
    /* ':' first: a missing value is reported as such, not as "unknown". */
    while ((opt = getopt_long(argc, argv, "+:o:h", longopts, NULL)) != -1) {
        size_t v;
        switch (opt) {
        case 'o':
            if (take_o(c, optarg) < 0)
                return usage_error(cmd_name(record), "too many -o options");
            break;
        case O_CACHE:
            if (!strcmp(optarg, "never")) c->fs.cache = CACHE_NEVER;
            else if (!strcmp(optarg, "auto")) c->fs.cache = CACHE_AUTO;
            else if (!strcmp(optarg, "always")) c->fs.cache = CACHE_ALWAYS;
            else return usage_error(cmd_name(record), "--cache must be never, auto or always, not '%s'", optarg);
            break;
        case O_WRITEBACK: c->fs.writeback = true; break;
        case O_THREADS:
            if (parse_size(optarg, &v) < 0 || v < 1 || v > 1024)
                return usage_error(cmd_name(record), "--threads must be a number from 1 to 1024, not '%s'", optarg);
            c->fs.threads = (unsigned)v;
            break;
        case O_DEBUG: c->fs.debug = true; break;
        case O_HANDLES:
            if (!strcmp(optarg, "never")) c->fs.handles = HANDLES_NEVER;
            else if (!strcmp(optarg, "prefer")) c->fs.handles = HANDLES_PREFER;
            else if (!strcmp(optarg, "mandatory")) c->fs.handles = HANDLES_MANDATORY;
            else return usage_error(cmd_name(record), "--handles must be never, prefer or mandatory, not '%s'", optarg);
            break;
        case O_FDCACHE:
            if (parse_size(optarg, &v) < 0 || v < 1 || v > 1000000)
                return usage_error(cmd_name(record), "--fd-cache must be a number from 1 to 1000000, not '%s'", optarg);
            c->fs.fd_cache = (unsigned)v;
            break;
        case O_DB: c->db_path = optarg; break;
        case O_NODB:
            if (!record)
                return usage_error(cmd_name(record), "--no-db is a record option (mount records only with --db)");
            c->no_db = true;
            break;
        case O_LTTNG: c->lttng = true; break;
        case O_LTTNG_OUT:
            if (!record)
                return usage_error(cmd_name(record), "--lttng-output is a record option");
            c->lttng_output = optarg;
            break;
        case O_DROP: c->drop = true; break;
        case O_CAPTURE:
            if (parse_size(optarg, &v) < 0 || v > (1u << 20))
                return usage_error(cmd_name(record), "--capture-data must be a byte count up to 1M, not '%s'", optarg);
            c->capture_data = v;
            break;
        case O_SNAPSHOT:
            if (parse_size(optarg, &v) < 0 || v > (1u << 20))
                return usage_error(cmd_name(record), "--snapshot-data must be a byte count up to 1M, not '%s'", optarg);
            c->fs.snapshot_data = v;
            break;
        case O_RING:
            if (parse_size(optarg, &v) < 0 || v < 4096 || v > (1ull << 32))
                return usage_error(cmd_name(record), "--ring-size must be a byte count from 4K to 4G, not '%s'", optarg);
            c->ring_bytes = v;
            break;
        case O_NODP: c->no_default_permissions = true; break;
        case 'h':
        case O_HELP:
            if (record)
                cli_usage_record(stdout);
            else
                cli_usage_mount(stdout);
            return -1;
        case ':':
            return usage_error(cmd_name(record), "option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error(cmd_name(record), "unknown option '%s'", argv[optind - 1]);
        }
    }

    char **rest = argv + optind;
    int nrest = argc - optind;
    /* getopt consumes a "--" that comes before any operand, so
     * `record -- cmd` arrives here as just "cmd": DIR is what is missing. */
    if (record && optind > 1 && !strcmp(argv[optind - 1], "--"))
        return usage_error(cmd_name(record), "missing DIR before '--'");
    if (record) {
        int dashes = -1;
        for (int i = 0; i < nrest; i++)
            if (!strcmp(rest[i], "--")) {
                dashes = i;
                break;
            }
        if (dashes < 0)
            return usage_error(cmd_name(record), "missing '-- COMMAND' after DIR");
        if (dashes == 0)
            return usage_error(cmd_name(record), "missing DIR before '--'");
        if (dashes > 1)
            return usage_error(cmd_name(record), "one DIR expected before '--', got extra '%s'", rest[1]);
        if (dashes + 1 >= nrest)
            return usage_error(cmd_name(record), "missing COMMAND after '--'");
        c->fs.source = rest[0];
        c->fs.mountpoint = rest[0];
        c->command = rest + dashes + 1;
        if (c->no_db && !c->lttng)
            return usage_error(cmd_name(record), "--no-db without --lttng would record nothing");
        if (c->no_db && c->db_path)
            return usage_error(cmd_name(record), "--no-db and --db contradict each other");
    } else {
        if (nrest < 1)
            return usage_error(cmd_name(record), "missing SOURCE (and MOUNTPOINT)");
        if (nrest > 2)
            return usage_error(cmd_name(record), "unexpected argument '%s'", rest[2]);
        c->fs.source = rest[0];
        c->fs.mountpoint = nrest == 2 ? rest[1] : rest[0];
    }
    if (c->no_default_permissions && !c->fs.allow_other)
        return usage_error(cmd_name(record), "--no-default-permissions only makes sense with -o allow_other");
    if (c->no_default_permissions && c->fs.default_permissions)
        return usage_error(cmd_name(record), "--no-default-permissions contradicts -o default_permissions");
    if (c->drop && !c->db_path && !(record && !c->no_db))
        return usage_error(cmd_name(record), "--drop needs a database to record to (--db)");
    if (c->capture_data && !c->db_path && !c->lttng && !(record && !c->no_db))
        return usage_error(cmd_name(record), "--capture-data needs a recording (--db or --lttng)");
    if (c->fs.snapshot_data && !c->db_path && !c->lttng && !(record && !c->no_db))
        return usage_error(cmd_name(record), "--snapshot-data needs a recording (--db or --lttng)");
    return 0;
}
