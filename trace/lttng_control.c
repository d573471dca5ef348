/* lttng_control.c — see lttng_control.h. */
#include "trace/lttng_control.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SUBBUF_SIZE "--subbuf-size=4M"
#define NUM_SUBBUF  "--num-subbuf=8"
#define CHANNEL     "fusetrace"

/* lttng_ctl_run with a deadline: timeout_ms < 0 waits for ever; on expiry
 * the child is killed and LTTNG_CTL_TIMED_OUT returned. */
#define LTTNG_CTL_TIMED_OUT (-2)
static int run_until(char *const argv[], char *out, size_t outcap, char *err, size_t errlen,
                     int timeout_ms);

int lttng_ctl_run(char *const argv[], char *out, size_t outcap, char *err, size_t errlen)
{
    return run_until(argv, out, outcap, err, errlen, -1);
}

static int run_until(char *const argv[], char *out, size_t outcap, char *err, size_t errlen,
                     int timeout_ms)
{
    int po[2], pe[2];
    if (out && outcap)
        out[0] = 0;
    if (err && errlen)
        err[0] = 0;
    if (pipe2(po, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(pe, O_CLOEXEC) != 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);

    /* Read both pipes until EOF so the child never blocks on a full pipe. */
    char ebuf[2048];
    size_t olen = 0, elen = 0;
    struct pollfd pf[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
    int open_fds = 2;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    bool timed_out = false;
    while (open_fds > 0) {
        int wait_ms = -1;
        if (timeout_ms >= 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
            if (spent >= timeout_ms) {
                /* the pipes stay open in a grandchild at worst: stop reading */
                kill(pid, SIGKILL);
                timed_out = true;
                break;
            }
            wait_ms = timeout_ms - (int)spent;
        }
        int pr = poll(pf, 2, wait_ms);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pr == 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char tmp[4096];
            ssize_t n = read(pf[i].fd, tmp, sizeof tmp);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open_fds--;
                continue;
            }
            if (i == 0 && out && outcap) {
                size_t take = (size_t)n < outcap - 1 - olen ? (size_t)n : outcap - 1 - olen;
                memcpy(out + olen, tmp, take);
                olen += take;
                out[olen] = 0;
            } else if (i == 1) {
                size_t take = (size_t)n < sizeof ebuf - 1 - elen ? (size_t)n : sizeof ebuf - 1 - elen;
                memcpy(ebuf + elen, tmp, take);
                elen += take;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
    ebuf[elen] = 0;
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (timed_out) {
        if (err && errlen)
            snprintf(err, errlen, "no answer within %d s", timeout_ms / 1000);
        return LTTNG_CTL_TIMED_OUT;
    }
    if (err && errlen) {
        /* The first non-empty stderr line says what went wrong. */
        char *line = ebuf;
        while (*line == '\n')
            line++;
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        snprintf(err, errlen, "%s", line);
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

bool lttng_ctl_sessiond_running(void)
{
    char *argv[] = { "lttng", "list", NULL };
    char out[256], err[256];
    return lttng_ctl_run(argv, out, sizeof out, err, sizeof err) == 0;
}

static bool on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char buf[4096];
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);
        if (n && n < sizeof buf - strlen(prog) - 2) {
            snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, prog);
            if (access(buf, X_OK) == 0)
                return true;
        }
        path += n + (colon ? 1 : 0);
    }
    return false;
}

static pid_t read_pidfile(void)
{
    char path[4200];
    if (geteuid() == 0) {
        snprintf(path, sizeof path, "/var/run/lttng/lttng-sessiond.pid");
    } else {
        const char *home = getenv("LTTNG_HOME");
        if (!home)
            home = getenv("HOME");
        if (!home)
            return 0;
        snprintf(path, sizeof path, "%s/.lttng/lttng-sessiond.pid", home);
    }
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    long v = 0;
    if (fscanf(f, "%ld", &v) != 1)
        v = 0;
    fclose(f);
    return (pid_t)v;
}

int lttng_ctl_ensure_sessiond(bool *started, pid_t *pid, char *err, size_t errlen)
{
    *started = false;
    *pid = 0;
    if (!on_path("lttng") || !on_path("lttng-sessiond")) {
        snprintf(err, errlen, "lttng-sessiond not found (install lttng-tools)");
        return -1;
    }
    if (lttng_ctl_sessiond_running()) {
        *pid = read_pidfile();
        return 0;
    }
    char *argv[] = { "lttng-sessiond", "--daemonize", NULL };
    char why[512];
    int rc = lttng_ctl_run(argv, NULL, 0, why, sizeof why);
    if (rc != 0) {
        snprintf(err, errlen, "lttng-sessiond --daemonize failed (status %d): %s", rc, why);
        return -1;
    }
    for (int i = 0; i < 100; i++) {
        if (lttng_ctl_sessiond_running()) {
            *started = true;
            *pid = read_pidfile();
            return 0;
        }
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    snprintf(err, errlen, "lttng-sessiond started but does not answer");
    return -1;
}

static int lttng(char *const argv[], char *out, size_t outcap, char *err, size_t errlen,
                 const char *what)
{
    char why[512];
    int rc = lttng_ctl_run(argv, out, outcap, why, sizeof why);
    if (rc != 0) {
        if (rc == 127)
            snprintf(err, errlen, "%s: cannot run lttng (install lttng-tools)", what);
        else if (rc > 128 && !why[0])
            /* lttng 2.13 dies of SIGPIPE, silently, when the session
             * daemon's connection to a relay fails */
            snprintf(err, errlen, "%s: lttng was killed by signal %d", what, rc - 128);
        else
            snprintf(err, errlen, "%s failed: %s", what, why[0] ? why : "unknown error");
        return -1;
    }
    return 0;
}

static int make_outdir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0700) == 0)
        return 0;
    if (errno != EEXIST) {
        snprintf(err, errlen, "cannot create trace directory %s: %s", dir, strerror(errno));
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "trace directory %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    bool empty = true;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = false;
    closedir(d);
    if (!empty) {
        snprintf(err, errlen, "refusing to trace into %s: directory is not empty", dir);
        return -1;
    }
    if (chmod(dir, 0700) != 0) {
        snprintf(err, errlen, "chmod %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

int lttng_ctl_start(struct lttng_ctl *c, const char *name, const char *outdir,
                    char *err, size_t errlen)
{
    return lttng_ctl_start_pid(c, name, outdir, getpid(), err, errlen);
}

static bool good_name(struct lttng_ctl *c, const char *name, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (!name || !*name || strlen(name) >= sizeof c->session || strchr(name, '/')) {
        snprintf(err, errlen, "bad LTTng session name");
        return false;
    }
    snprintf(c->session, sizeof c->session, "%s", name);
    return true;
}

static int configure_and_start(struct lttng_ctl *c, pid_t pid, char *err, size_t errlen);

int lttng_ctl_start_pid(struct lttng_ctl *c, const char *name, const char *outdir,
                        pid_t pid, char *err, size_t errlen)
{
    char output[4200];
    if (!good_name(c, name, err, errlen))
        return -1;
    if (!outdir || strlen(outdir) >= sizeof c->outdir) {
        snprintf(err, errlen, "bad trace directory");
        return -1;
    }
    snprintf(c->outdir, sizeof c->outdir, "%s", outdir);
    if (make_outdir(outdir, err, errlen) != 0)
        return -1;
    snprintf(output, sizeof output, "--output=%s", outdir);

    char *create[] = { "lttng", "create", c->session, output, NULL };
    if (lttng(create, NULL, 0, err, errlen, "lttng create") != 0)
        return -1;
    c->created = true;
    return configure_and_start(c, pid, err, errlen);
}

int lttng_ctl_start_url(struct lttng_ctl *c, const char *name, const char *url,
                        pid_t pid, char *err, size_t errlen)
{
    char why[256], set_url[4200];
    if (!good_name(c, name, err, errlen))
        return -1;
    if (!lttng_ctl_url_valid(url, why, sizeof why)) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    snprintf(set_url, sizeof set_url, "--set-url=%s", url);
    /* --live: the relay serves the session to live readers as well as
     * storing it (default live timer: 1 s). */
    char *create[] = { "lttng", "create", c->session, "--live", set_url, NULL };
    if (lttng(create, NULL, 0, err, errlen, "lttng create") != 0)
        return -1;
    c->created = true;
    return configure_and_start(c, pid, err, errlen);
}

/* Channel, events, context and pid tracking of a created session, then
 * start; on failure the session is destroyed. */
static int configure_and_start(struct lttng_ctl *c, pid_t pid, char *err, size_t errlen)
{
    char *chan[] = { "lttng", "enable-channel", "--userspace", "--session", c->session,
                     "--buffers-uid", SUBBUF_SIZE, NUM_SUBBUF, "--discard", CHANNEL, NULL };
    char *ev[] = { "lttng", "enable-event", "--userspace", "--session", c->session,
                   "--channel", CHANNEL, "fusetrace:*", NULL };
    char *ctx[] = { "lttng", "add-context", "--userspace", "--session", c->session,
                    "--channel", CHANNEL, "--type=vpid", "--type=vtid", NULL };
    char vpid[32];
    snprintf(vpid, sizeof vpid, "--vpid=%ld", (long)pid);
    char *untrack[] = { "lttng", "untrack", "--userspace", "--session", c->session,
                        "--all", "--vpid", NULL };
    char *track[] = { "lttng", "track", "--userspace", "--session", c->session, vpid, NULL };
    char *start[] = { "lttng", "start", c->session, NULL };
    char why[512];
    if (lttng(chan, NULL, 0, err, errlen, "lttng enable-channel") != 0
        || lttng(ev, NULL, 0, err, errlen, "lttng enable-event") != 0
        || lttng(ctx, NULL, 0, err, errlen, "lttng add-context") != 0
        || (pid > 0 && lttng(untrack, NULL, 0, err, errlen, "lttng untrack") != 0)
        || (pid > 0 && lttng(track, NULL, 0, err, errlen, "lttng track") != 0)
        || lttng(start, NULL, 0, err, errlen, "lttng start") != 0) {
        char *destroy[] = { "lttng", "destroy", c->session, NULL };
        lttng_ctl_run(destroy, NULL, 0, why, sizeof why);
        c->created = false;
        return -1;
    }
    c->started = true;
    return 0;
}

static int tighten(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)f;
    if (flag == FTW_SL)
        return 0;
    chmod(path, S_ISDIR(st->st_mode) ? 0700 : 0600);
    return 0;
}

/* How long stopping a session streamed to a relay may take.  `lttng stop`
 * waits until the consumer daemon has sent everything; a relay that stopped
 * answering (a network partition, a stopped process) would keep the caller
 * waiting for ever. */
#define RELAY_STOP_TIMEOUT_MS 15000

/* Stop and destroy a session streamed to a relay, each step bounded.  When
 * the relay does not answer, the session is destroyed without waiting for
 * its data (`--no-wait`); if even that does not return, it is left to the
 * session daemon, said in err. */
static int stop_relay_session(struct lttng_ctl *c, uint64_t *discarded, char *err, size_t errlen)
{
    char why[512];
    int rc = 0;
    bool answered = true;
    if (c->started) {
        char *stop[] = { "lttng", "stop", c->session, NULL };
        int r = run_until(stop, NULL, 0, why, sizeof why, RELAY_STOP_TIMEOUT_MS);
        if (r == LTTNG_CTL_TIMED_OUT) {
            answered = false;
            snprintf(err, errlen, "lttng stop: the relay does not answer (waited %d s for "
                     "the trace data to be sent)", RELAY_STOP_TIMEOUT_MS / 1000);
            rc = -1;
        } else if (r != 0) {
            snprintf(err, errlen, "lttng stop failed: %s", why[0] ? why : "unknown error");
            rc = -1;
        }
        c->started = false;
    }
    if (answered && discarded) {
        char *list[] = { "lttng", "list", c->session, NULL };
        char out[16384];
        if (run_until(list, out, sizeof out, why, sizeof why, RELAY_STOP_TIMEOUT_MS) == 0)
            for (char *p = out; (p = strstr(p, "Discarded events:")); p++)
                *discarded += strtoull(p + strlen("Discarded events:"), NULL, 10);
    }
    char *destroy[] = { "lttng", "destroy", c->session, NULL };
    char *destroy_now[] = { "lttng", "destroy", "--no-wait", c->session, NULL };
    int r = run_until(answered ? destroy : destroy_now, NULL, 0, why, sizeof why,
                      RELAY_STOP_TIMEOUT_MS);
    if (r != 0 && rc == 0) {
        if (r == LTTNG_CTL_TIMED_OUT)
            snprintf(err, errlen, "lttng destroy: the relay does not answer (waited %d s)",
                     RELAY_STOP_TIMEOUT_MS / 1000);
        else if (r > 128 && !why[0])
            snprintf(err, errlen, "lttng destroy: lttng was killed by signal %d", r - 128);
        else
            snprintf(err, errlen, "lttng destroy failed: %s", why[0] ? why : "unknown error");
        rc = -1;
    } else if (r == LTTNG_CTL_TIMED_OUT) {
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, "; lttng destroy --no-wait did not return either: the "
                 "session %s is left to the session daemon", c->session);
    }
    c->created = false;
    return rc;
}

int lttng_ctl_stop(struct lttng_ctl *c, uint64_t *discarded, char *err, size_t errlen)
{
    int rc = 0;
    if (discarded)
        *discarded = 0;
    if (!c->created)
        return 0;
    if (!c->outdir[0])
        return stop_relay_session(c, discarded, err, errlen);
    if (c->started) {
        char *stop[] = { "lttng", "stop", c->session, NULL };
        if (lttng(stop, NULL, 0, err, errlen, "lttng stop") != 0)
            rc = -1;
        c->started = false;
    }
    char *list[] = { "lttng", "list", c->session, NULL };
    char out[16384], why[512];
    if (lttng_ctl_run(list, out, sizeof out, why, sizeof why) == 0 && discarded) {
        for (char *p = out; (p = strstr(p, "Discarded events:")); p++)
            *discarded += strtoull(p + strlen("Discarded events:"), NULL, 10);
    }
    char *destroy[] = { "lttng", "destroy", c->session, NULL };
    if (lttng(destroy, NULL, 0, rc ? why : err, rc ? sizeof why : errlen, "lttng destroy") != 0)
        rc = -1;
    c->created = false;
    /* The consumer daemon created the files with its own modes (a relay
     * stores its copy under its own rules). */
    if (c->outdir[0] && nftw(c->outdir, tighten, 16, FTW_PHYS) != 0 && rc == 0) {
        snprintf(err, errlen, "cannot restrict permissions under %s: %s", c->outdir,
                 strerror(errno));
        rc = -1;
    }
    return rc;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 5)
        return false;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

bool lttng_ctl_url_valid(const char *url, char *why, size_t whylen)
{
    static const char *const protos[] = { "net://", "net6://", "tcp://", "tcp6://" };
    const char *p = NULL;
    for (size_t i = 0; i < sizeof protos / sizeof *protos && !p; i++)
        if (!strncmp(url, protos[i], strlen(protos[i])))
            p = url + strlen(protos[i]);
    if (!p) {
        if (!strncmp(url, "file://", 7))
            snprintf(why, whylen, "'%s' is a local path: use --lttng-output=DIR for a local trace, "
                     "--lttng-url=net://HOST for a relay", url);
        else
            snprintf(why, whylen, "'%s' is not a relay URL: expected net://HOST[:CTRLPORT[:DATAPORT]]"
                     "[/TRACEDIR] (or net6://, tcp://, tcp6://)", url);
        return false;
    }
    /* HOST: a name or IPv4 address up to ':' or '/', or [IPv6] */
    const char *h = p;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close || close == p + 1) {
            snprintf(why, whylen, "'%s': an IPv6 address needs its closing ']'", url);
            return false;
        }
        p = close + 1;
    } else {
        p += strcspn(p, ":/");
        for (const char *q = h; q < p; q++)
            if (!(*q == '-' || *q == '.' || *q == '_' || (*q >= '0' && *q <= '9')
                  || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))) {
                snprintf(why, whylen, "'%s': bad character '%c' in the host name", url, *q);
                return false;
            }
    }
    if (p == h) {
        snprintf(why, whylen, "'%s': no host", url);
        return false;
    }
    for (int port = 0; port < 2 && *p == ':'; port++) {
        size_t n = strcspn(p + 1, ":/");
        if (!all_digits(p + 1, n)) {
            snprintf(why, whylen, "'%s': a port is a number from 1 to 65535", url);
            return false;
        }
        p += 1 + n;
    }
    if (*p && *p != '/') {
        snprintf(why, whylen, "'%s': unexpected '%s' after the ports", url, p);
        return false;
    }
    return true;
}

/* The pid in an own session's name ("fusetrace-1234"), or 0. */
static long own_session_pid(const char *name)
{
    size_t n = strlen(LTTNG_CTL_OWN_PREFIX);
    if (strncmp(name, LTTNG_CTL_OWN_PREFIX, n) != 0 || !name[n])
        return 0;
    char *end;
    errno = 0;
    long pid = strtol(name + n, &end, 10);
    if (errno || *end || pid <= 0 || name[n] < '1' || name[n] > '9')
        return 0;
    return pid;
}

/* EPERM: a process we may not signal is still a process. */
static bool process_exists(long pid)
{
    return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* How long destroying a stale session may take: it flushes the dead
 * recorder's buffers to disk (or to a relay that may be gone). */
#define STALE_DESTROY_TIMEOUT_MS 15000

static void destroy_stale(struct lttng_stale *s)
{
    char why[512] = "";
    bool relay = s->output[0] != '/';
    char *destroy[] = { "lttng", "destroy", s->session, NULL };
    char *destroy_now[] = { "lttng", "destroy", "--no-wait", s->session, NULL };
    int r = run_until(relay ? destroy_now : destroy, NULL, 0, why, sizeof why,
                      STALE_DESTROY_TIMEOUT_MS);
    if (r == LTTNG_CTL_TIMED_OUT) {
        snprintf(s->err, sizeof s->err, "lttng destroy did not return within %d s",
                 STALE_DESTROY_TIMEOUT_MS / 1000);
        return;
    }
    if (r != 0) {
        snprintf(s->err, sizeof s->err, "lttng destroy failed: %.200s", why[0] ? why : "unknown error");
        return;
    }
    s->destroyed = true;
    /* Tighten only a directory a recorder made (make_outdir: 0700), not
     * whatever a hand-made session of the same name wrote to. */
    struct stat st;
    if (!relay && lstat(s->output, &st) == 0 && S_ISDIR(st.st_mode)
        && (st.st_mode & 07777) == 0700 && st.st_uid == geteuid())
        nftw(s->output, tighten, 16, FTW_PHYS);
}

int lttng_ctl_sweep_stale(struct lttng_stale *found, int max, char *err, size_t errlen)
{
    char *list[] = { "lttng", "list", NULL };
    size_t cap = 1 << 20;
    char *out = malloc(cap), why[512] = "";
    if (!out || run_until(list, out, cap, why, sizeof why, STALE_DESTROY_TIMEOUT_MS) != 0) {
        snprintf(err, errlen, "lttng list failed: %s",
                 !out ? strerror(ENOMEM) : why[0] ? why : "no session daemon answers");
        free(out);
        return -1;
    }
    /* lttng 2.13:
     *   "  1) NAME [active]"            (or [inactive])
     *   "    Trace output: /dir"        (or net://host:port/...)  */
    int n = 0;
    struct lttng_stale *cur = NULL;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[64];
        int idx;
        if (sscanf(line, " %d) %63s [", &idx, name) == 2) {
            cur = NULL;
            long pid = own_session_pid(name);
            if (pid == 0 || (pid != (long)getpid() && process_exists(pid)))
                continue;
            if (n < max) {
                cur = &found[n];
                memset(cur, 0, sizeof *cur);
                snprintf(cur->session, sizeof cur->session, "%s", name);
                cur->pid = pid;
            }
            n++;
            continue;
        }
        const char *key = "Trace output: ";
        char *p = strstr(line, key);
        if (cur && p)
            snprintf(cur->output, sizeof cur->output, "%s", p + strlen(key));
    }
    free(out);
    for (int i = 0; i < n && i < max; i++)
        destroy_stale(&found[i]);
    return n;
}
