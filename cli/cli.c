/* cli.c — option parsing for `mount` and `record`. */
#include "cli/cli.h"
#include "trace/lttng_control.h"
#include "util/usage.h"
#include "shim/io_mode.h"
#include "shim/passthrough_fd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/duration.h"

static const char common_help[] =
    "Passthrough options:\n"
    "  -o OPT[,OPT...]      mount options: allow_other, default_permissions, ro,\n"
    "                       fsname=NAME (default: the source path), subtype=NAME\n"
    "                       (the type shows as fuse.NAME; default fusetrace),\n"
    "                       source=DIR (instead of the SOURCE argument), the VFS\n"
    "                       flags mount(8) knows (noatime, relatime, strictatime,\n"
    "                       nodiratime, nosymfollow, lazytime, nosuid, nodev,\n"
    "                       noexec, sync, dirsync...), and any other option libfuse\n"
    "                       accepts.  Every --option of fusetrace below may be given\n"
    "                       here too without its dashes (cache=never, writeback,\n"
    "                       db=FILE, log=FILE...), as an fstab line needs.\n"
    "                       mount(8)'s own options (defaults, noauto, nofail,\n"
    "                       _netdev, user, x-*, comment=) are ignored.\n"
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
    "  --io=MODE            how open files' data travel (default cached):\n"
    "                       cached: through the kernel's page cache, filled and\n"
    "                         written back by the daemon (recorded);\n"
    "                       direct: every read and write a request (recorded);\n"
    "                         --cache=never means this.  A shared mmap of such\n"
    "                         a file needs Linux 6.6+ (DIRECT_IO_ALLOW_MMAP);\n"
    "                         older kernels refuse it with ENODEV (said once);\n"
    "                       passthrough: the kernel reads and writes the source file\n"
    "                         itself, the data never reaches the daemon (not\n"
    "                         recorded; opens, closes and the mode are).  Needs\n"
    "                         CAP_SYS_ADMIN and Linux 6.9+; not with --writeback.\n"
    "  --io-rule=GLOB:MODE  opens of files matching GLOB ask for MODE instead\n"
    "                       (repeatable, first match wins).  GLOB (fnmatch) is\n"
    "                       matched against the path below the mount root at open\n"
    "                       ('*' matches '/' too: 'big/*' is everything below big),\n"
    "                       or against the file name if it has no '/'.  An inode\n"
    "                       has one mode at a time: the first open decides, later\n"
    "                       opens follow it (recorded as IO_CONFLICT when their\n"
    "                       rule asked otherwise).  If the kernel does not offer\n"
    "                       passthrough, such opens are served cached (said once).\n"
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
    "  --daemon             return once the mount is serving (exit status 0), or\n"
    "                       with a non-zero status and the reason if it could not\n"
    "                       mount; keep serving in the background.  Its messages go\n"
    "                       to syslog (daemon facility), or to --log FILE.\n"
    "  --log=FILE           with --daemon: append the daemon's messages to FILE.\n"
    "  --stall=DURATION     stall watchdog: a request the daemon has held this long\n"
    "                       is reported on stderr (and recorded, with the thread\n"
    "                       holding it, the backing syscall it is in and, as root,\n"
    "                       that thread's kernel stack), and again when it ends.\n"
    "                       Default 5s; 0 turns it off.  Units ns, us, ms, s, m (a bare\n"
    "                       number is seconds); at least 100ms, checked every 100ms.\n"
    "\n"
    "Recording options:\n"
    "  --db FILE            record to the SQLite database FILE (created 0600; must not\n"
    "                       exist and must not be under the mountpoint).\n"
    "  --lttng              emit LTTng-UST events (provider `fusetrace`).\n"
    "  --lttng-url=URL      emit LTTng-UST events into an LTTng session of our own\n"
    "                       streamed to the relay daemon (lttng-relayd) at URL:\n"
    "                       net://HOST[:CTRLPORT[:DATAPORT]][/TRACEDIR] (or net6://,\n"
    "                       tcp://, tcp6://; ports default to 5342 and 5343), as\n"
    "                       `lttng create --set-url` takes it.  A live session: the\n"
    "                       relay stores it as HOSTNAME/SESSION-DATETIME and serves it\n"
    "                       to live readers (babeltrace2's lttng-live).  Implies\n"
    "                       --lttng; starts lttng-sessiond if none runs.  If the relay\n"
    "                       goes away the mount keeps serving; the end says the\n"
    "                       relay's copy may be incomplete (record exits 124).\n"
    "  --lttng-session=NAME name of that LTTng session (default fusetrace-PID): the\n"
    "                       relay stores it as HOSTNAME/NAME-DATETIME and a live\n"
    "                       reader asks for net://RELAY:LIVEPORT/host/HOSTNAME/NAME.\n"
    "                       Letters, digits, '.', '_', '-'.  A recorder killed\n"
    "                       without its cleanup (SIGKILL) leaves its session active;\n"
    "                       the next recorder with LTTng destroys every fusetrace-PID\n"
    "                       session whose process is gone, which flushes its trace,\n"
    "                       and says where that trace is.\n"
    "  --drop               never slow the filesystem down to record: drop events when\n"
    "                       the ring is full, and count every one dropped.\n"
    "  --capture-data=BYTES store the first BYTES of each read and write (default 0).\n"
    "  --snapshot-data=BYTES\n"
    "                       keep the first BYTES of each regular file the session finds\n"
    "                       already there (its manifest entry), so `fusetrace replay` can\n"
    "                       rebuild it with that content (default 0: sizes only).\n"
    "  --ring-size=BYTES    recorder ring capacity (default chosen by the recorder).\n"
    "  --kernel-trace=MODE  also record the kernel's side of every request (when the\n"
    "                       kernel queued it, when the caller got its answer, and the\n"
    "                       requests the daemon never read), from the tracefs events\n"
    "                       fuse/fuse_request_send and fuse_request_end of this mount's\n"
    "                       connection, in a tracefs instance of the daemon's own\n"
    "                       (instances/fusetrace-PID, removed at the end):\n"
    "                       auto (default): when tracefs and the events are there and\n"
    "                         usable (root), else say why once and record the daemon's\n"
    "                         side only; on: refuse to start without it (exit 2);\n"
    "                       off: never touch tracefs.\n";

void cli_usage_mount(FILE *to)
{
    fprintf(to,
            "usage: fusetrace mount [OPTIONS] SOURCE MOUNTPOINT\n"
            "       fusetrace mount [OPTIONS] DIR\n"
            "\n"
            "       fusetrace mount [OPTIONS] -o source=SOURCE MOUNTPOINT\n"
            "       fusetrace mount -o remount,FLAGS MOUNTPOINT\n"
            "       mount -t fuse.fusetrace SOURCE MOUNTPOINT [-o OPTIONS]   (mount helper)\n"
            "\n"
            "Mount a passthrough of SOURCE on MOUNTPOINT, or over DIR itself (the directory\n"
            "is opened before it is covered, so the mount shows what was there).  Runs in\n"
            "the foreground until Ctrl-C, SIGTERM or `fusermount3 -u MOUNTPOINT` (or\n"
            "`umount`), or in the background with --daemon.  If the daemon dies, the mount\n"
            "goes away with it.  -o remount changes the VFS flags (ro/rw, atime modes,\n"
            "nosuid, nodev, noexec, nosymfollow, nodiratime, sync, lazytime) of a running\n"
            "fusetrace mount; other options are fixed at mount time.\n"
            "Installed as /sbin/mount.fuse.fusetrace, fusetrace is the mount(8) helper\n"
            "for `mount -t fuse.fusetrace` and fstab lines of type fuse.fusetrace (always\n"
            "--daemon).\n"
            "Exit status: 0 once unmounted; 1 if it could not mount or serve; 2 for a\n"
            "usage error or a refused option; 3 if the session did not end cleanly (the\n"
            "recording is incomplete, or the kernel aborted the connection: fusectl's\n"
            "abort, `umount -f`).\n"
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
            "  --no-db              record only to LTTng (with --lttng or --lttng-url).\n"
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

enum { O_CACHE = 256, O_WRITEBACK, O_THREADS, O_DEBUG, O_HANDLES, O_FDCACHE, O_DB, O_NODB,
       O_LTTNG, O_LTTNG_OUT, O_LTTNG_URL, O_LTTNG_SESSION, O_DROP, O_CAPTURE, O_SNAPSHOT, O_RING,
       O_NODP, O_HELP, O_DAEMON, O_LOG, O_STALL, O_IO, O_IO_RULE, O_KTRACE };
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
    { "lttng-url", required_argument, NULL, O_LTTNG_URL },
    { "lttng-session", required_argument, NULL, O_LTTNG_SESSION },
    { "drop", no_argument, NULL, O_DROP },
    { "capture-data", required_argument, NULL, O_CAPTURE },
    { "snapshot-data", required_argument, NULL, O_SNAPSHOT },
    { "ring-size", required_argument, NULL, O_RING },
    { "no-default-permissions", no_argument, NULL, O_NODP },
    { "daemon", no_argument, NULL, O_DAEMON },
    { "log", required_argument, NULL, O_LOG },
    { "stall", required_argument, NULL, O_STALL },
    { "io", required_argument, NULL, O_IO },
    { "io-rule", required_argument, NULL, O_IO_RULE },
    { "kernel-trace", required_argument, NULL, O_KTRACE },
    { "help", no_argument, NULL, O_HELP },
    { 0 },
};

static const char *keep(struct cli *c, const char *v);

/* One of fusetrace's options, from argv (--name[=value]) or from -o
 * (name[=value]).  0 or the usage-error status. */
static int apply_opt(struct cli *c, bool record, int opt, const char *optarg)
{
    size_t v;
    /* getopt_long and take_o give every option that takes a value one;
     * the others get NULL and do not look at it */
    if (!optarg)
        optarg = "";
    switch (opt) {
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
    case O_LTTNG_URL: {
        char why[512];
        if (!lttng_ctl_url_valid(optarg, why, sizeof why))
            return usage_error(cmd_name(record), "--lttng-url: %s", why);
        c->lttng_url = optarg;
        c->lttng = true;
        break;
    }
    case O_LTTNG_SESSION: {
        size_t n = strlen(optarg), ok = strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
        if (n == 0 || n > 48 || ok != n || optarg[0] == '.' || optarg[0] == '-')
            return usage_error(cmd_name(record), "--lttng-session: '%s' is not a session name "
                               "(1 to 48 letters, digits, '.', '_', '-'; not starting with '.' or '-')",
                               optarg);
        c->lttng_session = optarg;
        break;
    }
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
    case O_DAEMON:
        if (record)
            return usage_error(cmd_name(record), "--daemon is a mount option (record runs COMMAND)");
        c->daemon = true;
        break;
    case O_LOG: c->log_path = optarg; break;
    case O_STALL: {
        int64_t ns;
        if (parse_dur(optarg, 1000000000, &ns) != 0
            || (ns != 0 && (ns < 100000000 || ns > 86400000000000LL)))
            return usage_error(cmd_name(record), "--stall must be 0 (off) or a duration from "
                               "100ms to 24h (e.g. 5s, 500ms), not '%s'", optarg);
        c->fs.stall_ns = (uint64_t)ns;
        break;
    }
    case O_IO:
        if (io_mode_parse(optarg, &c->fs.io.dflt) < 0)
            return usage_error(cmd_name(record), "--io must be cached, direct or passthrough, not '%s'", optarg);
        c->fs.io.dflt_given = true;
        break;
    case O_IO_RULE: {
        /* a copy the rule can cut at its ':' and keep for the mount's life */
        char why[160], *spec = (char *)keep(c, optarg);
        if (!spec)
            return usage_error(cmd_name(record), "too many options");
        if (io_rule_add(&c->fs.io, spec, why, sizeof why) < 0)
            return usage_error(cmd_name(record), "%s", why);
        break;
    }
    case O_KTRACE:
        if (ktrace_parse_mode(optarg, &c->kernel_trace) < 0)
            return usage_error(cmd_name(record), "--kernel-trace must be auto, on or off, not '%s'", optarg);
        break;
    case O_HELP:
        return usage_error(cmd_name(record), "help is not an -o option");
    default:
        return usage_error(cmd_name(record), "unknown option");
    }
    return 0;
}

static const struct option *find_longopt(const char *name)
{
    for (const struct option *o = longopts; o->name; o++)
        if (!strcmp(o->name, name))
            return o;
    return NULL;
}

/* A copy of `v` that lives as long as the cli (strings taken from -o). */
static const char *keep(struct cli *c, const char *v)
{
    size_t n = strlen(v) + 1;
    if (n > sizeof(c->o_values) - c->o_used)
        return NULL;
    char *p = c->o_values + c->o_used;
    memcpy(p, v, n);
    c->o_used += n;
    return p;
}

/* The FUSE kernel's own mount options, which mount(8) reads from mountinfo
 * and passes back on a remount: fixed, and nothing to say about. */
static bool is_kernel_fuse_option(const char *o)
{
    static const char *const opts[] = { "fd=", "rootmode=", "user_id=", "group_id=",
                                        "max_read=", "blksize=", "default_permissions",
                                        "allow_other" };
    for (size_t i = 0; i < sizeof(opts) / sizeof(*opts); i++) {
        size_t n = strlen(opts[i]);
        if (opts[i][n - 1] == '=' ? !strncmp(o, opts[i], n) : !strcmp(o, opts[i]))
            return true;
    }
    return false;
}

/* -o options we act on ourselves; the rest go to libfuse untouched.  The
 * list is copied first: tokenising the caller's argv in place would show
 * "-o allow_other default_permissions" in ps. */
static int take_o(struct cli *c, bool record, const char *arg)
{
    char list[1024];
    if (strlen(arg) >= sizeof(list))
        return usage_error(cmd_name(record), "-o list too long");
    strcpy(list, arg);
    for (char *save, *o = strtok_r(list, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        if (!strcmp(o, "remount") && record)
            return usage_error(cmd_name(record), "-o remount is for mount (of a running mount)");
        if (!strcmp(o, "remount"))
            continue;   /* found before parsing (cli_parse) */
        char err[160];
        switch (vfs_option(o, c->remount, &c->fs.vfs, err, sizeof(err))) {
        case MOPT_TAKEN:
        case MOPT_DROPPED:
            continue;
        case MOPT_REFUSED:
            return usage_error(cmd_name(record), "%s", err);
        case MOPT_NOT_OURS:
            break;
        }
        if (c->remount && is_kernel_fuse_option(o))
            continue;   /* mount(8) passes the mount's own back on remount */
        if (c->remount) {
            /* what a remount cannot change: said, not silently dropped */
            size_t len = strlen(c->remount_fixed);
            snprintf(c->remount_fixed + len, sizeof(c->remount_fixed) - len, "%s%s",
                     len ? "," : "", o);
            continue;
        }
        /* fusetrace's own options, without their dashes (fstab) */
        char *eq = strchr(o, '=');
        if (eq)
            *eq = '\0';
        const struct option *lo = find_longopt(o);
        if (lo && strcmp(o, "help") != 0) {
            if ((lo->has_arg == required_argument) != (eq != NULL))
                return lo->has_arg == required_argument
                           ? usage_error(cmd_name(record), "-o %s needs a value (NAME=VALUE)", o)
                           : usage_error(cmd_name(record), "-o %s takes no value", o);
            const char *v = eq ? keep(c, eq + 1) : NULL;
            if (eq && !v)
                return usage_error(cmd_name(record), "-o values too long");
            int r = apply_opt(c, record, lo->val, v);
            if (r)
                return r;
            continue;
        }
        if (eq)
            *eq = '=';
        if (!strncmp(o, "source=", 7)) {
            if (!(c->fs.source = keep(c, o + 7)) || !o[7])
                return usage_error(cmd_name(record), "-o source= needs a directory");
            continue;
        }
        if (!strcmp(o, "allow_other"))
            c->fs.allow_other = true;
        else if (!strcmp(o, "default_permissions"))
            c->fs.default_permissions = true;
        else if (!strcmp(o, "ro"))
            c->fs.read_only = true;
        else if (!strcmp(o, "rw"))
            c->fs.read_only = false;
        else if (!strncmp(o, "fsname=", 7))
            c->fs.own_fsname = true;
        else if (!strncmp(o, "subtype=", 8))
            c->fs.own_subtype = true;
        if (!strcmp(o, "allow_other") || !strcmp(o, "default_permissions"))
            continue;   /* added back by the session after deciding */
        if (append_opt(c, o) < 0)
            return usage_error(cmd_name(record), "too many -o options");
    }
    return 0;
}

/* --io, --io-rule against the rest.  --cache=never is direct I/O: it sets
 * the default and refuses another --io.  Passthrough cannot work without
 * CAP_SYS_ADMIN (FUSE_DEV_IOC_BACKING_OPEN) nor with the writeback cache
 * (the kernel ignores FUSE_PASSTHROUGH then): refused, never degraded, as
 * the user asked for it by name.  0, or the usage error's status. */
static int io_options_check(struct cli *c)
{
    const char *cmd = cmd_name(c->record);
    struct io_policy *io = &c->fs.io;
    if (c->fs.cache == CACHE_NEVER) {
        if (io->dflt_given && io->dflt != IO_DIRECT)
            return usage_error(cmd, "--cache=never means --io=direct; it contradicts --io=%s",
                               io_mode_name(io->dflt));
        io->dflt = IO_DIRECT;
    }
    if (!io_policy_may_ask(io, IO_PASSTHROUGH))
        return 0;
    if (c->fs.writeback)
        return usage_error(cmd, "passthrough I/O cannot be combined with --writeback "
                                "(the kernel refuses passthrough on a writeback-cache mount)");
    if (!passthrough_capable())
        return usage_error(cmd, "passthrough I/O needs CAP_SYS_ADMIN (the kernel's "
                                "FUSE_DEV_IOC_BACKING_OPEN requires it)");
    return 0;
}

int cli_parse(int argc, char **argv, bool record, struct cli *c)
{
    memset(c, 0, sizeof(*c));
    vfs_flags_init(&c->fs.vfs);
    c->record = record;
    c->fs.cache = CACHE_AUTO;
    c->fs.threads = 10;
    c->fs.handles = HANDLES_PREFER;
    c->fs.fd_cache = 1024;
    c->fs.stall_ns = 5000000000ULL;
    c->fs.io.dflt = IO_CACHED;

    size_t used = 0;
    for (int i = 0; i < argc && used < sizeof(c->options_line) - 1; i++) {
        int n = snprintf(c->options_line + used, sizeof(c->options_line) - used, "%s%s",
                         i ? " " : "fusetrace ", argv[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }

    /* -o remount changes how every other -o option is read, wherever it
     * comes (mount(8) passes "-o ro,remount"). */
    for (int i = 1; i < argc && !record && argv[i]; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--"))
            break;
        const char *list = !strcmp(a, "-o") && i + 1 < argc ? argv[i + 1]
                           : !strncmp(a, "-o", 2) ? a + 2 : NULL;
        for (const char *p = list; p && (p = strstr(p, "remount")); p += 7)
            if ((p == list || p[-1] == ',') && (p[7] == ',' || p[7] == '\0'))
                c->remount = true;
    }

    optind = 1;
    opterr = 0;
    /* '+': stop at the first non-option so that `record DIR -- cmd -x` works
     * and the command's own options are never taken for ours. */
    int opt, r;
    /* ':' first: a missing value is reported as such, not as "unknown". */
    while ((opt = getopt_long(argc, argv, "+:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            if ((r = take_o(c, record, optarg)) != 0)
                return r;
            break;
        case 'h':
        case O_HELP:
            if (record)
                cli_usage_record(stdout);
            else
                cli_usage_mount(stdout);
            return -1;
        case ':':
            return usage_error(cmd_name(record), "option '%s' needs a value", argv[optind - 1]);
        case '?':
            return usage_error(cmd_name(record), "unknown option '%s'", argv[optind - 1]);
        default:
            if ((r = apply_opt(c, record, opt, optarg)) != 0)
                return r;
            break;
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
        if (c->fs.source)
            return usage_error(cmd_name(record), "-o source= is a mount option (record mounts over DIR itself)");
        c->fs.source = rest[0];
        c->fs.mountpoint = rest[0];
        c->command = rest + dashes + 1;
        if (c->no_db && !c->lttng)
            return usage_error(cmd_name(record), "--no-db without --lttng or --lttng-url would record nothing");
        if (c->no_db && c->db_path)
            return usage_error(cmd_name(record), "--no-db and --db contradict each other");
    } else if (c->remount) {
        /* mount(8) passes the source too */
        if (nrest < 1)
            return usage_error(cmd_name(record), "missing MOUNTPOINT for -o remount");
        if (nrest > 2)
            return usage_error(cmd_name(record), "unexpected argument '%s'", rest[2]);
        c->fs.mountpoint = rest[nrest - 1];
        c->fs.source = c->fs.source ? c->fs.source : rest[0];
    } else if (c->fs.source) {
        /* -o source=DIR: the one argument is the mountpoint */
        if (nrest < 1)
            return usage_error(cmd_name(record), "missing MOUNTPOINT (the source is -o source=%s)", c->fs.source);
        if (nrest > 1)
            return usage_error(cmd_name(record), "two sources: -o source= and '%s'", rest[0]);
        c->fs.mountpoint = rest[0];
    } else {
        if (nrest < 1)
            return usage_error(cmd_name(record), "missing SOURCE (and MOUNTPOINT)");
        if (nrest > 2)
            return usage_error(cmd_name(record), "unexpected argument '%s'", rest[2]);
        c->fs.source = rest[0];
        c->fs.mountpoint = nrest == 2 ? rest[1] : rest[0];
    }
    if (c->lttng_url && c->lttng_output)
        return usage_error(cmd_name(record), "--lttng-url and --lttng-output contradict each other "
                           "(the trace goes to the relay, not to a local directory)");
    if (c->lttng_session && !c->lttng_url && !(record && c->lttng))
        return usage_error(cmd_name(record), record
                           ? "--lttng-session names our own LTTng session: it needs --lttng or --lttng-url"
                           : "--lttng-session names our own LTTng session: it needs --lttng-url");
    if (c->log_path && !c->daemon)
        return usage_error(cmd_name(record), "--log is for --daemon (in the foreground messages go to stderr)");
    if (c->no_default_permissions && !c->fs.allow_other)
        return usage_error(cmd_name(record), "--no-default-permissions only makes sense with -o allow_other");
    if (c->no_default_permissions && c->fs.default_permissions)
        return usage_error(cmd_name(record), "--no-default-permissions contradicts -o default_permissions");
    if ((r = io_options_check(c)) != 0)
        return r;
    if (c->drop && !c->db_path && !(record && !c->no_db))
        return usage_error(cmd_name(record), "--drop needs a database to record to (--db)");
    if (c->capture_data && !c->db_path && !c->lttng && !(record && !c->no_db))
        return usage_error(cmd_name(record), "--capture-data needs a recording (--db or --lttng)");
    if (c->fs.snapshot_data && !c->db_path && !c->lttng && !(record && !c->no_db))
        return usage_error(cmd_name(record), "--snapshot-data needs a recording (--db or --lttng)");
    if (c->kernel_trace == KTRACE_ON && !c->db_path && !c->lttng && !(record && !c->no_db))
        return usage_error(cmd_name(record), "--kernel-trace=on needs a recording (--db or --lttng)");
    return 0;
}
