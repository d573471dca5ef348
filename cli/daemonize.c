/* daemonize.c — see daemonize.h. */
#include "cli/daemonize.h"
#include "trace/tracer_fork.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

/* How long the parent waits for the daemon to serve.  Mounting and INIT
 * take milliseconds; a daemon still silent after this is stopped. */
#define SERVE_TIMEOUT_MS 60000

static int ready_fd = -1;        /* child: write end of the parent's pipe */
static int log_fd = -1;          /* child: --log file, or -1 for syslog */
static int syslog_pipe = -1;     /* read end drained by the syslog thread */
static pthread_t syslog_thread;
static bool syslog_running;

static void parent_wait(pid_t child, int rfd)
{
    struct pollfd p = { .fd = rfd, .events = POLLIN };
    int n;
    while ((n = poll(&p, 1, SERVE_TIMEOUT_MS)) < 0 && errno == EINTR)
        ;
    char c;
    if (n > 0 && read(rfd, &c, 1) == 1)
        exit(0);   /* serving */
    if (n == 0) {
        fprintf(stderr, "fusetrace: the daemon (pid %ld) did not start serving within %d s; "
                        "stopping it\n", (long)child, SERVE_TIMEOUT_MS / 1000);
        kill(child, SIGTERM);
        exit(1);
    }
    /* The daemon ended without serving: its own message is on stderr. */
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    exit(WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
}

int daemon_start(const char *log_path)
{
    if (!log_path && access("/dev/log", W_OK) < 0)
        fprintf(stderr, "fusetrace: warning: no syslog daemon here (/dev/log: %s): the "
                        "daemon's messages will be lost; -o log=FILE keeps them\n",
                strerror(errno));
    if (log_path) {
        log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
        if (log_fd < 0) {
            fprintf(stderr, "fusetrace: cannot open the log %s: %s\n", log_path, strerror(errno));
            return -1;
        }
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        fprintf(stderr, "fusetrace: pipe: %s\n", strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    /* the daemon goes on emitting LTTng events (--lttng, --lttng-url) */
    sigset_t saved;
    tracer_before_fork(&saved);
    pid_t pid = fork();
    if (pid != 0)
        tracer_after_fork_parent(&saved);
    else
        tracer_after_fork_child(&saved);
    if (pid < 0) {
        fprintf(stderr, "fusetrace: cannot fork the daemon: %s\n", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid > 0) {
        close(p[1]);
        parent_wait(pid, p[0]);   /* exits */
    }
    close(p[0]);
    ready_fd = p[1];
    /* Out of the caller's session: its terminal's signals and hangup are
     * not ours.  No cwd to pin a filesystem (paths are absolute by now). */
    setsid();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        close(null);
    }
    if (chdir("/") < 0)
        fprintf(stderr, "fusetrace: chdir /: %s\n", strerror(errno));
    return 0;
}

/* Each line written to the daemon's stdout/stderr becomes a syslog message. */
static void *syslog_main(void *arg)
{
    (void)arg;
    FILE *in = fdopen(syslog_pipe, "r");
    if (!in)
        return NULL;
    char line[1024];
    while (fgets(line, sizeof(line), in)) {
        line[strcspn(line, "\n")] = '\0';
        syslog(LOG_NOTICE, "%s", line);
    }
    fclose(in);
    return NULL;
}

/* At exit: end the stream the syslog thread reads and let it drain, so the
 * daemon's last words (why it stopped) are not lost. */
static void syslog_flush(void)
{
    if (!syslog_running)
        return;
    fflush(stdout);
    fflush(stderr);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    pthread_join(syslog_thread, NULL);
    syslog_running = false;
}

static int redirect_output(void)
{
    fflush(stdout);
    fflush(stderr);
    int out = log_fd;
    if (out < 0) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
            return -1;
        openlog("fusetrace", LOG_PID, LOG_DAEMON);
        syslog_pipe = p[0];
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int r = pthread_create(&syslog_thread, NULL, syslog_main, NULL);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0) {
            close(p[0]);
            close(p[1]);
            return -1;
        }
        syslog_running = true;
        atexit(syslog_flush);
        out = p[1];
    }
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    close(out);
    log_fd = -1;
    return 0;
}

struct serving_arg {
    char mountpoint[4096];
    char source[4096];
    struct vfs_flags vfs;
    bool daemon;
};

static void *serving_main(void *p)
{
    struct serving_arg *a = p;
    struct stat st;
    /* Through FUSE: answered only once INIT is done and the loop serves. */
    char err[512];
    if (stat(a->mountpoint, &st) < 0) {
        fprintf(stderr, "fusetrace: %s does not answer: %s; unmounting\n", a->mountpoint,
                strerror(errno));
        goto fail;
    }
    if (vfs_flags_apply_super(a->mountpoint, &a->vfs, err, sizeof(err)) < 0) {
        fprintf(stderr, "fusetrace: %s; unmounting\n", err);
        goto fail;
    }
    if (!a->daemon) {
        free(a);
        return NULL;
    }
    if (redirect_output() < 0)
        fprintf(stderr, "fusetrace: cannot set up logging: %s\n", strerror(errno));
    fprintf(stderr, "fusetrace: serving %s on %s (pid %ld)\n", a->source, a->mountpoint,
            (long)getpid());
    fflush(stderr);
    char c = 'R';
    if (write(ready_fd, &c, 1) != 1)
        fprintf(stderr, "fusetrace: could not tell the starting process: %s\n", strerror(errno));
    close(ready_fd);
    ready_fd = -1;
    free(a);
    return NULL;
fail:
    /* the session's own signal handling unmounts and ends the daemon; the
     * parent of a daemon sees it end without serving */
    free(a);
    kill(getpid(), SIGTERM);
    return NULL;
}

int when_serving_start(const char *mountpoint, const char *source, const struct vfs_flags *v,
                       bool daemon)
{
    bool super = v->ro >= 0 || v->sync >= 0 || v->lazytime >= 0;
    if (!daemon && !super)
        return 0;
    struct serving_arg *a = calloc(1, sizeof(*a));
    if (!a) {
        fprintf(stderr, "fusetrace: out of memory\n");
        return -1;
    }
    snprintf(a->mountpoint, sizeof(a->mountpoint), "%s", mountpoint);
    snprintf(a->source, sizeof(a->source), "%s", source);
    a->vfs = *v;
    a->daemon = daemon;
    /* The signals that end the session must reach the serving thread, not
     * this helper. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    int r = pthread_create(&t, NULL, serving_main, a);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0) {
        free(a);
        fprintf(stderr, "fusetrace: cannot start a thread: %s\n", strerror(r));
        return -1;
    }
    pthread_detach(t);
    return 0;
}
