/* cmd_mount.c — `fusetrace mount` and `fusetrace record`.
 *
 * Order matters and is the same for both: recorder (so the root's NEW event
 * is recorded) → source opened (before the mount may cover it) → mount →
 * serve.  `record` serves on a thread while the main thread runs COMMAND in
 * the mounted directory, then unmounts and finalises the recording.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "shim/creds.h"
#include "shim/session.h"
#include "trace/lttng_control.h"
#include "trace/recorder.h"

mode_t user_umask = 022;

#define EXIT_FUSETRACE_FAILED 125
#define EXIT_RECORDING_INCOMPLETE 124

/* True if `path` (which may not exist yet) would live at or under `dir`. */
static bool path_is_under(const char *path, const char *dir)
{
    char rdir[PATH_MAX], rpath[PATH_MAX], parent[PATH_MAX];
    if (!realpath(dir, rdir))
        return false;
    snprintf(parent, sizeof(parent), "%s", path);
    char *slash = strrchr(parent, '/');
    if (!slash)
        snprintf(parent, sizeof(parent), ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    if (!realpath(parent, rpath))
        return false;
    size_t n = strlen(rdir);
    return strncmp(rpath, rdir, n) == 0 && (rpath[n] == '/' || rpath[n] == '\0' || n == 1);
}

static void timestamped(char *buf, size_t len, const char *suffix)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    snprintf(buf, len, "fusetrace-%s%s", stamp, suffix);
}

/* Check SOURCE and MOUNTPOINT and make them absolute, before anything is
 * mounted: afterwards resolving the mountpoint would go through the mount. */
static char abs_source[PATH_MAX], abs_mountpoint[PATH_MAX];

static int check_dirs(struct cli *cli)
{
    struct stat st;
    if (stat(cli->fs.source, &st) < 0) {
        fprintf(stderr, "fusetrace: %s: %s\n", cli->fs.source, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "fusetrace: %s is not a directory\n", cli->fs.source);
        return -1;
    }
    if (stat(cli->fs.mountpoint, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "fusetrace: mountpoint %s is not a directory\n", cli->fs.mountpoint);
        return -1;
    }
    if (!realpath(cli->fs.source, abs_source) || !realpath(cli->fs.mountpoint, abs_mountpoint)) {
        fprintf(stderr, "fusetrace: cannot resolve %s: %s\n", cli->fs.mountpoint, strerror(errno));
        return -1;
    }
    cli->fs.source = abs_source;
    cli->fs.mountpoint = abs_mountpoint;
    return 0;
}

/* Decide the recording's sinks and open the recorder.  Refuses a database
 * under the mountpoint: the shim would be serving its own writes (a
 * deadlock at worst, a recording of itself at best). */
static int open_recorder(struct cli *cli, char *db_buf, size_t db_len)
{
    const char *db = cli->db_path;
    if (!db && cli->record && !cli->no_db) {
        timestamped(db_buf, db_len, ".db");
        db = db_buf;
    }
    if (!db && !cli->lttng)
        return 0;
    if (db && path_is_under(db, cli->fs.mountpoint)) {
        fprintf(stderr,
                "fusetrace: refusing to record to %s: it is under the mountpoint %s "
                "(the filesystem would record its own writes); use --db with a path elsewhere\n",
                db, cli->fs.mountpoint);
        return -1;
    }
    struct rec_config rc = {
        .db_path = db,
        .lttng = cli->lttng,
        .drop = cli->drop,
        .ring_bytes = cli->ring_bytes,
        .capture_data = cli->capture_data,
        .snapshot_data = cli->fs.snapshot_data,
        .source = cli->fs.source,
        .mountpoint = cli->fs.mountpoint,
        .options = cli->options_line,
    };
    char cmdline[4096] = "";
    if (cli->command) {
        size_t used = 0;
        for (char **a = cli->command; *a && used < sizeof(cmdline) - 1; a++) {
            int n = snprintf(cmdline + used, sizeof(cmdline) - used, "%s%s", used ? " " : "", *a);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        rc.command = cmdline;
    }
    char err[512];
    if (recorder_open(&rc, err, sizeof(err)) < 0) {
        fprintf(stderr, "fusetrace: cannot record: %s\n", err);
        return -1;
    }
    if (db)
        fprintf(stderr, "fusetrace: recording to %s\n", db);
    cli->db_path = db;
    return 0;
}

static int finish_recording(void)
{
    if (!rec_enabled())
        return 0;
    struct rec_result res;
    recorder_close(&res);
    /* recorder_close has said why on stderr */
    return res.complete ? 0 : -1;
}

int cmd_mount(int argc, char **argv)
{
    struct cli cli;
    int r = cli_parse(argc, argv, false, &cli);
    if (r)
        return r < 0 ? 0 : r;
    if (cli.fs.allow_other && !cli.no_default_permissions)
        cli.fs.default_permissions = true;
    if ((r = creds_policy(&cli.fs)) != 0)
        return r;
    cli.fs.splice = !(cli.db_path || cli.lttng);
    if (check_dirs(&cli) < 0)
        return 1;

    char db[PATH_MAX];
    if (open_recorder(&cli, db, sizeof(db)) < 0)
        return 1;
    struct fs fs;
    if (fs_open(&fs, &cli.fs) < 0) {
        finish_recording();
        return 1;
    }
    int status = 0;
    if (session_mount(&fs, &cli, true) < 0) {
        status = 1;
    } else {
        if (session_loop(&fs) < 0)
            status = 1;
        session_end(&fs, true);
    }
    fs_close(&fs);
    if (finish_recording() < 0 && status == 0)
        status = 3;
    return status;
}

/* ---- record --------------------------------------------------------------- */

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t interrupts;

static void forward_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (child_pid <= 0)
        return;
    /* First signal: let COMMAND end by itself (a blocked FUSE request gets
     * INTERRUPT from the kernel).  A terminal's Ctrl-C, quit or hangup
     * (SI_KERNEL) already reached the whole foreground process group,
     * COMMAND included (it stays in ours): passing it on would deliver it
     * twice, and a second SIGINT inside a program's SIGINT handler kills
     * most programs.  A kill(2) aimed at us alone is passed on.  Second
     * signal: kill COMMAND. */
    if (interrupts++)
        kill((pid_t)child_pid, SIGKILL);
    else if (si->si_code != SI_KERNEL)
        kill((pid_t)child_pid, sig);
}

static void *serve(void *arg)
{
    struct fs *fs = arg;
    return (void *)(intptr_t)session_loop(fs);
}

/* Fork COMMAND in DIR.  The child enters the mount before it execs, so the
 * recorder meets its pid first under our own name; once the exec is
 * confirmed (the close-on-exec pipe reads EOF) the recorder re-reads
 * identities, and what COMMAND does is attributed to COMMAND. */
static pid_t spawn_command(char **command, const char *dir)
{
    int execd[2];
    if (pipe2(execd, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid != 0) {
        close(execd[1]);
        if (pid > 0) {
            char c;
            while (read(execd[0], &c, 1) < 0 && errno == EINTR)
                ;
            rec_identities_changed();
        }
        close(execd[0]);
        return pid;
    }
    close(execd[0]);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    umask(user_umask);
    /* Entering DIR by path after the mount lands in the mount, not in the
     * directory it covers. */
    if (chdir(dir) < 0) {
        fprintf(stderr, "fusetrace: cannot enter %s: %s\n", dir, strerror(errno));
        _exit(126);
    }
    execvp(command[0], command);
    fprintf(stderr, "fusetrace: cannot run %s: %s\n", command[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
}

int cmd_record(int argc, char **argv)
{
    struct cli cli;
    int r = cli_parse(argc, argv, true, &cli);
    if (r)
        return r < 0 ? 0 : r;
    if (cli.fs.allow_other && !cli.no_default_permissions)
        cli.fs.default_permissions = true;
    if ((r = creds_policy(&cli.fs)) != 0)
        return r;
    cli.fs.splice = false;
    if (check_dirs(&cli) < 0)
        return EXIT_FUSETRACE_FAILED;

    char lttng_dir[PATH_MAX] = "";
    char session_name[64] = "";
    struct lttng_ctl lttng = { 0 };
    if (cli.lttng) {
        if (cli.lttng_output)
            snprintf(lttng_dir, sizeof(lttng_dir), "%s", cli.lttng_output);
        else
            timestamped(lttng_dir, sizeof(lttng_dir), ".lttng");
        if (path_is_under(lttng_dir, cli.fs.mountpoint)) {
            fprintf(stderr, "fusetrace: refusing to write the LTTng trace to %s: it is under %s\n",
                    lttng_dir, cli.fs.mountpoint);
            return EXIT_FUSETRACE_FAILED;
        }
        snprintf(session_name, sizeof(session_name), "fusetrace-%ld", (long)getpid());
        char err[512];
        bool started;
        pid_t sessiond;
        if (lttng_ctl_ensure_sessiond(&started, &sessiond, err, sizeof(err)) < 0 ||
            lttng_ctl_start(&lttng, session_name, lttng_dir, err, sizeof(err)) < 0) {
            fprintf(stderr, "fusetrace: cannot start an LTTng session: %s\n", err);
            return EXIT_FUSETRACE_FAILED;
        }
        if (started)
            fprintf(stderr, "fusetrace: started lttng-sessiond (pid %ld)\n", (long)sessiond);
    }

    char db[PATH_MAX];
    struct fs fs;
    int status = EXIT_FUSETRACE_FAILED;
    if (open_recorder(&cli, db, sizeof(db)) < 0)
        goto out_lttng;
    if (fs_open(&fs, &cli.fs) < 0)
        goto out_rec;
    if (session_mount(&fs, &cli, false) < 0)
        goto out_fs;

    pthread_t server;
    if (pthread_create(&server, NULL, serve, &fs) != 0) {
        fprintf(stderr, "fusetrace: cannot start the server thread\n");
        session_request_unmount(&fs);
        session_end(&fs, false);
        goto out_fs;
    }
    struct sigaction sa = { .sa_sigaction = forward_signal, .sa_flags = SA_SIGINFO };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    pid_t pid = spawn_command(cli.command, cli.fs.mountpoint);
    int wstatus = 0;
    if (pid < 0) {
        fprintf(stderr, "fusetrace: cannot fork: %s\n", strerror(errno));
    } else {
        child_pid = pid;
        while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
            ;
        child_pid = 0;
        status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    }
    session_request_unmount(&fs);
    pthread_join(server, NULL);
    session_end(&fs, false);
out_fs:
    fs_close(&fs);
out_rec:
    if (finish_recording() < 0 && status == 0)
        status = EXIT_RECORDING_INCOMPLETE;
out_lttng:
    if (cli.lttng) {
        char err[512];
        uint64_t discarded = 0;
        if (lttng_ctl_stop(&lttng, &discarded, err, sizeof(err)) < 0) {
            fprintf(stderr, "fusetrace: stopping the LTTng session: %s\n", err);
            if (status == 0)
                status = EXIT_RECORDING_INCOMPLETE;
        } else {
            fprintf(stderr, "fusetrace: LTTng trace in %s\n", lttng_dir);
            if (discarded) {
                fprintf(stderr, "fusetrace: LTTng discarded %llu events\n",
                        (unsigned long long)discarded);
                if (status == 0)
                    status = EXIT_RECORDING_INCOMPLETE;
            }
        }
    }
    return status;
}
