/* locktest.c — POSIX record locks, flock and xattrs through a fusetrace mount,
 * checked against the source directory underneath it.
 *
 *   locktest MOUNTPOINT SOURCE
 *
 * MOUNTPOINT must be a fusetrace mount of SOURCE (run as root: trusted.*
 * xattrs, device nodes).  Lock owners are processes, so every party in a
 * lock test is an "agent": a forked child that runs one command at a time
 * from a pipe and answers on another, which lets a test keep a request
 * blocked in one process while it acts in others.
 *
 * Prints one "ok"/"not ok" line per check; exit 0 iff all passed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static const char *mnt, *src;
static int failures, checks;

static void check(int cond, const char *name, const char *fmt, ...)
{
    checks++;
    if (cond) {
        printf("ok - %s\n", name);
    } else {
        failures++;
        printf("not ok - %s: ", name);
        va_list ap;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
    }
    fflush(stdout);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *mp(const char *name)   /* path under the mount */
{
    static char b[8][4096];
    static int i;
    char *p = b[i++ & 7];
    snprintf(p, 4096, "%s/%s", mnt, name);
    return p;
}

static char *sp(const char *name)   /* path in the source */
{
    static char b[8][4096];
    static int i;
    char *p = b[i++ & 7];
    snprintf(p, 4096, "%s/%s", src, name);
    return p;
}

static void make_file(const char *name)
{
    int fd = open(sp(name), O_CREAT | O_TRUNC | O_WRONLY, 0666);
    if (fd < 0 || write(fd, "0123456789", 10) != 10) {
        perror(name);
        exit(2);
    }
    close(fd);
}

/* ---- agents ------------------------------------------------------------- */

struct agent {
    pid_t pid;
    int cmd, resp;
};

static void on_alarm(int sig) { (void)sig; }

/* The parent's ends of every live agent's pipes: a new child must close
 * them, or an agent would never see EOF on its command pipe. */
static int agent_fds[256];
static int n_agent_fds;

static void agent_fd_forget(int fd)
{
    for (int i = 0; i < n_agent_fds; i++)
        if (agent_fds[i] == fd)
            agent_fds[i] = agent_fds[--n_agent_fds];
}

static void close_agent_fds(void)
{
    for (int i = 0; i < n_agent_fds; i++)
        close(agent_fds[i]);
}

/* Commands (one line each), answers "rc errno [type start len pid]":
 *   o PATH FLAGS          open -> fd
 *   c FD                  close
 *   l FD CMD TYPE START LEN   fcntl lock command (GETLK forms answer the lock)
 *   f FD OP               flock
 *   a MS                  arm SIGALRM (handler without SA_RESTART) in MS ms */
static void agent_loop(int cmd, int resp)
{
    struct sigaction sa = { .sa_handler = on_alarm };   /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    FILE *in = fdopen(cmd, "r");
    char line[4200];
    while (fgets(line, sizeof(line), in)) {
        char out[256];
        long rc = 0;
        errno = 0;
        if (line[0] == 'o') {
            char path[4096];
            int flags;
            sscanf(line + 2, "%4095s %d", path, &flags);
            rc = open(path, flags, 0666);
        } else if (line[0] == 'c') {
            rc = close(atoi(line + 2));
        } else if (line[0] == 'l') {
            int fd, c, type;
            long long start, len;
            sscanf(line + 2, "%d %d %d %lld %lld", &fd, &c, &type, &start, &len);
            struct flock fl = { .l_type = (short)type, .l_whence = SEEK_SET,
                                .l_start = start, .l_len = len };
            rc = fcntl(fd, c, &fl);
            int e = errno;
            snprintf(out, sizeof(out), "%ld %d %d %lld %lld %d\n", rc, rc < 0 ? e : 0, fl.l_type,
                     (long long)fl.l_start, (long long)fl.l_len, fl.l_pid);
            if (write(resp, out, strlen(out)) < 0)
                _exit(3);
            continue;
        } else if (line[0] == 'f') {
            int fd, op;
            sscanf(line + 2, "%d %d", &fd, &op);
            rc = flock(fd, op);
        } else if (line[0] == 'a') {
            struct itimerval it = { .it_value = { 0, atoi(line + 2) * 1000 } };
            rc = setitimer(ITIMER_REAL, &it, NULL);
        }
        int e = errno;
        snprintf(out, sizeof(out), "%ld %d\n", rc, rc < 0 ? e : 0);
        if (write(resp, out, strlen(out)) < 0)
            _exit(3);
    }
    _exit(0);
}

static struct agent agent_new(void)
{
    int c[2], r[2];
    if (pipe(c) || pipe(r)) {
        perror("pipe");
        exit(2);
    }
    struct agent a = { .pid = fork() };
    if (a.pid < 0) {
        perror("fork");
        exit(2);
    }
    if (a.pid == 0) {
        close(c[1]);
        close(r[0]);
        close_agent_fds();
        agent_loop(c[0], r[1]);
    }
    close(c[0]);
    close(r[1]);
    a.cmd = c[1];
    a.resp = r[0];
    agent_fds[n_agent_fds++] = a.cmd;
    agent_fds[n_agent_fds++] = a.resp;
    return a;
}

static void agent_send(struct agent *a, const char *fmt, ...)
{
    char b[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof(b), fmt, ap);
    va_end(ap);
    strcat(b, "\n");
    if (write(a->cmd, b, strlen(b)) < 0) {
        perror("agent write");
        exit(2);
    }
}

/* Wait up to ms for the answer; 1 and the answer in buf, or 0 on timeout. */
static int agent_wait(struct agent *a, int ms, char *buf, size_t n)
{
    struct pollfd p = { .fd = a->resp, .events = POLLIN };
    if (poll(&p, 1, ms) <= 0)
        return 0;
    ssize_t k = read(a->resp, buf, n - 1);
    if (k <= 0)
        return 0;
    buf[k] = '\0';
    return 1;
}

struct res {
    long rc;
    int err;
    int type;
    long long start, len;
    int pid;
    int answered;
};

static struct res parse(const char *b, int answered)
{
    struct res r = { .rc = -1, .err = ETIMEDOUT, .answered = answered };
    if (answered)
        sscanf(b, "%ld %d %d %lld %lld %d", &r.rc, &r.err, &r.type, &r.start, &r.len, &r.pid);
    return r;
}

static struct res agent_call(struct agent *a, const char *fmt, ...)
{
    char b[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof(b), fmt, ap);
    va_end(ap);
    agent_send(a, "%s", b);
    char out[256];
    return parse(out, agent_wait(a, 10000, out, sizeof(out)));
}

static struct res agent_reply(struct agent *a, int ms)
{
    char out[256];
    return parse(out, agent_wait(a, ms, out, sizeof(out)));
}

static void agent_close(struct agent *a)
{
    agent_fd_forget(a->cmd);
    agent_fd_forget(a->resp);
    close(a->cmd);
    close(a->resp);
}

static void agent_end(struct agent *a)
{
    agent_close(a);
    int st;
    if (waitpid(a->pid, &st, 0) < 0)
        perror("waitpid");
}

static int a_open(struct agent *a, const char *path, int flags)
{
    struct res r = agent_call(a, "o %s %d", path, flags);
    if (r.rc < 0) {
        fprintf(stderr, "agent open %s: %s\n", path, strerror(r.err));
        exit(2);
    }
    return (int)r.rc;
}

static struct res a_lock(struct agent *a, int fd, int cmd, int type, long long start, long long len)
{
    return agent_call(a, "l %d %d %d %lld %lld", fd, cmd, type, start, len);
}

static const char *tname(int t)
{
    return t == F_RDLCK ? "RD" : t == F_WRLCK ? "WR" : t == F_UNLCK ? "UN" : "?";
}

#define ERR(r) ((r).answered ? strerrorname_np((r).err) ?: "ok" : "no answer")

/* ---- POSIX locks ---------------------------------------------------------- */

static void test_conflicts(void)
{
    make_file("conf");
    struct agent m = agent_new(), s = agent_new(), m2 = agent_new();
    int mfd = a_open(&m, mp("conf"), O_RDWR), sfd = a_open(&s, sp("conf"), O_RDWR);
    int m2fd = a_open(&m2, mp("conf"), O_RDWR);

    struct res r = a_lock(&m, mfd, F_SETLK, F_WRLCK, 0, 100);
    check(r.rc == 0, "posix: write lock via mount", "%s", ERR(r));
    r = a_lock(&s, sfd, F_SETLK, F_WRLCK, 50, 10);
    check(r.rc < 0 && r.err == EAGAIN, "posix: mount lock blocks source lock", "got %s", ERR(r));
    r = a_lock(&s, sfd, F_GETLK, F_WRLCK, 0, 0);
    check(r.rc == 0 && r.type == F_WRLCK && r.start == 0 && r.len == 100,
          "posix: source GETLK sees mount lock range", "type %s start %lld len %lld", tname(r.type),
          r.start, r.len);
    r = a_lock(&s, sfd, F_SETLK, F_RDLCK, 200, 10);
    check(r.rc == 0, "posix: read lock via source", "%s", ERR(r));
    r = a_lock(&m, mfd, F_SETLK, F_WRLCK, 205, 1);
    check(r.rc < 0 && r.err == EAGAIN, "posix: source lock blocks mount lock", "got %s", ERR(r));
    r = a_lock(&m, mfd, F_GETLK, F_WRLCK, 150, 100);
    check(r.rc == 0 && r.type == F_RDLCK && r.start == 200 && r.len == 10 && r.pid == s.pid,
          "posix: mount GETLK reports source lock and its pid",
          "type %s start %lld len %lld pid %d (want %d)", tname(r.type), r.start, r.len, r.pid, s.pid);
    r = a_lock(&m2, m2fd, F_GETLK, F_WRLCK, 0, 0);
    check(r.rc == 0 && r.type == F_WRLCK && r.start == 0 && r.len == 100 && r.pid == m.pid,
          "posix: mount GETLK reports other mount owner and its pid",
          "type %s start %lld len %lld pid %d (want %d)", tname(r.type), r.start, r.len, r.pid, m.pid);
    r = a_lock(&m2, m2fd, F_SETLK, F_RDLCK, 10, 1);
    check(r.rc < 0 && r.err == EAGAIN, "posix: two mount owners conflict", "got %s", ERR(r));
    r = a_lock(&m, mfd, F_GETLK, F_WRLCK, 0, 100);
    check(r.rc == 0 && r.type == F_UNLCK, "posix: GETLK ignores the owner's own locks",
          "type %s start %lld", tname(r.type), r.start);
    r = a_lock(&m, mfd, F_SETLK, F_RDLCK, 0, 10);
    check(r.rc == 0, "posix: owner downgrades part of its own lock", "%s", ERR(r));
    r = a_lock(&m2, m2fd, F_SETLK, F_RDLCK, 0, 10);
    check(r.rc == 0, "posix: downgraded range is shared", "%s", ERR(r));
    a_lock(&m2, m2fd, F_SETLK, F_UNLCK, 0, 0);
    r = a_lock(&m, mfd, F_SETLK, F_UNLCK, 40, 20);
    check(r.rc == 0, "posix: unlock middle via mount", "%s", ERR(r));
    r = a_lock(&s, sfd, F_GETLK, F_WRLCK, 40, 20);
    check(r.rc == 0 && r.type == F_UNLCK, "posix: unlocked hole is free at the source", "type %s",
          tname(r.type));
    r = a_lock(&s, sfd, F_GETLK, F_WRLCK, 10, 31);
    check(r.rc == 0 && r.type == F_WRLCK && r.start == 10 && r.len == 30,
          "posix: split lock keeps its left part", "type %s start %lld len %lld", tname(r.type),
          r.start, r.len);
    agent_end(&m);   /* exit closes its fds: FLUSH drops its locks */
    usleep(100000);
    r = a_lock(&s, sfd, F_SETLK, F_WRLCK, 0, 100);
    check(r.rc == 0, "posix: exit of the owner releases its locks", "%s", ERR(r));
    agent_end(&s);
    agent_end(&m2);
}

static void test_setlkw(void)
{
    make_file("wait");
    struct agent m = agent_new(), s = agent_new();
    int mfd = a_open(&m, mp("wait"), O_RDWR), sfd = a_open(&s, sp("wait"), O_RDWR);
    a_lock(&s, sfd, F_SETLK, F_WRLCK, 0, 0);
    agent_send(&m, "l %d %d %d 0 0", mfd, F_SETLKW, F_WRLCK);
    struct res r = agent_reply(&m, 400);
    check(!r.answered, "setlkw: waits while the source holds the lock", "answered %s", ERR(r));
    double t0 = now_s();
    a_lock(&s, sfd, F_SETLK, F_UNLCK, 0, 0);
    r = agent_reply(&m, 5000);
    check(r.answered && r.rc == 0 && now_s() - t0 < 2, "setlkw: granted after release", "%s after %.2fs",
          ERR(r), now_s() - t0);
    r = a_lock(&s, sfd, F_SETLK, F_RDLCK, 5, 1);
    check(r.rc < 0 && r.err == EAGAIN, "setlkw: granted lock is held at the source", "got %s", ERR(r));
    agent_end(&m);
    agent_end(&s);
}

static void test_interrupt(void)
{
    make_file("intr");
    struct agent m = agent_new(), s = agent_new(), x = agent_new();
    int mfd = a_open(&m, mp("intr"), O_RDWR), sfd = a_open(&s, sp("intr"), O_RDWR);
    int xfd = a_open(&x, sp("intr"), O_RDWR);
    a_lock(&s, sfd, F_SETLK, F_WRLCK, 0, 0);
    agent_call(&m, "a 300");
    double t0 = now_s();
    struct res r = a_lock(&m, mfd, F_SETLKW, F_WRLCK, 0, 0);
    check(r.rc < 0 && r.err == EINTR && now_s() - t0 < 3, "setlkw: SIGALRM interrupts with EINTR",
          "%s after %.2fs", ERR(r), now_s() - t0);
    a_lock(&s, sfd, F_SETLK, F_UNLCK, 0, 0);
    usleep(300000);
    r = a_lock(&x, xfd, F_GETLK, F_WRLCK, 0, 0);
    check(r.rc == 0 && r.type == F_UNLCK, "setlkw: interrupted request leaves no lock", "type %s pid %d",
          tname(r.type), r.pid);
    r = a_lock(&m, mfd, F_SETLK, F_WRLCK, 0, 0);
    check(r.rc == 0, "setlkw: owner can lock after its interrupted wait", "%s", ERR(r));
    a_lock(&m, mfd, F_SETLK, F_UNLCK, 0, 0);

    /* A waiter killed outright: the kernel waits for our answer to the
     * INTERRUPT before the process can die. */
    a_lock(&s, sfd, F_SETLK, F_WRLCK, 0, 0);
    struct agent k = agent_new();
    int kfd = a_open(&k, mp("intr"), O_RDWR);
    agent_send(&k, "l %d %d %d 0 0", kfd, F_SETLKW, F_WRLCK);
    usleep(200000);
    t0 = now_s();
    kill(k.pid, SIGKILL);
    int st;
    pid_t w = 0;
    while (now_s() - t0 < 5 && (w = waitpid(k.pid, &st, WNOHANG)) == 0)
        usleep(10000);
    check(w == k.pid, "setlkw: SIGKILLed waiter exits promptly", "still there after %.1fs", now_s() - t0);
    a_lock(&s, sfd, F_SETLK, F_UNLCK, 0, 0);
    if (w != k.pid)
        waitpid(k.pid, &st, 0);   /* a request stuck in the daemon ends with the grant */
    agent_close(&k);
    usleep(300000);
    r = a_lock(&x, xfd, F_GETLK, F_WRLCK, 0, 0);
    check(r.rc == 0 && r.type == F_UNLCK, "setlkw: killed waiter leaves no lock", "type %s",
          tname(r.type));
    agent_end(&m);
    agent_end(&s);
    agent_end(&x);
}

/* Blocked waiters, many more than worker threads: the mount must keep
 * answering.  `kind` 0 = F_SETLKW, 1 = flock(LOCK_EX). */
static pid_t spawn_waiter(const char *path, int kind, int done_fd)
{
    pid_t p = fork();
    if (p != 0)
        return p;
    close_agent_fds();
    int fd = open(path, O_RDWR);
    if (fd < 0)
        _exit(10);
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    int r = kind == 0 ? fcntl(fd, F_SETLKW, &fl) : flock(fd, LOCK_EX);
    if (r < 0)
        _exit(11);
    if (write(done_fd, "x", 1) != 1)
        _exit(12);
    close(fd);      /* drops either kind of lock, letting the next one in */
    _exit(0);
}

#define NWAITERS 24

static void test_many_waiters(void)
{
    make_file("many-posix");
    make_file("many-flock");
    make_file("probe");
    struct agent s = agent_new();
    int pfd = a_open(&s, sp("many-posix"), O_RDWR), ffd = a_open(&s, sp("many-flock"), O_RDWR);
    a_lock(&s, pfd, F_SETLK, F_WRLCK, 0, 0);
    agent_call(&s, "f %d %d", ffd, LOCK_EX);

    int done[2];
    if (pipe2(done, O_NONBLOCK)) {
        perror("pipe");
        exit(2);
    }
    pid_t pids[2 * NWAITERS];
    for (int i = 0; i < NWAITERS; i++) {
        pids[2 * i] = spawn_waiter(mp("many-posix"), 0, done[1]);
        pids[2 * i + 1] = spawn_waiter(mp("many-flock"), 1, done[1]);
    }
    usleep(500000);
    char c;
    check(read(done[0], &c, 1) < 0, "waiters: all blocked while held", "one was granted");

    /* Probe from a child, so that a starved mount fails the check instead
     * of hanging the test. */
    int pr[2];
    if (pipe(pr)) {
        perror("pipe");
        exit(2);
    }
    pid_t prober = fork();
    if (prober == 0) {
        close_agent_fds();
        double worst = 0;
        int ok = 1;
        for (int i = 0; i < 5; i++) {
            double t0 = now_s();
            struct stat st;
            ok &= stat(mp("probe"), &st) == 0;
            int fd = open(mp("probe"), O_RDONLY);
            char b[16];
            ok &= fd >= 0 && read(fd, b, sizeof(b)) == 10;
            if (fd >= 0)
                close(fd);
            DIR *d = opendir(mnt);
            ok &= d != NULL;
            while (d && readdir(d))
                ;
            if (d)
                closedir(d);
            double dt = now_s() - t0;
            if (dt > worst)
                worst = dt;
            usleep(50000);
        }
        char out[64];
        snprintf(out, sizeof(out), "%d %f", ok, worst);
        _exit(write(pr[1], out, strlen(out)) > 0 ? 0 : 1);
    }
    close(pr[1]);
    struct pollfd pp = { .fd = pr[0], .events = POLLIN };
    char out[64] = "";
    int ok = 0;
    double worst = -1;
    if (poll(&pp, 1, 5000) == 1 && read(pr[0], out, sizeof(out) - 1) > 0)
        sscanf(out, "%d %lf", &ok, &worst);
    close(pr[0]);
    check(ok && worst >= 0 && worst < 1.0,
          "waiters: 48 blocked waiters do not starve the mount (--threads=4)",
          "ok=%d worst round trip %.3fs%s", ok, worst, worst < 0 ? " (no answer in 5 s)" : "");

    a_lock(&s, pfd, F_SETLK, F_UNLCK, 0, 0);
    agent_call(&s, "f %d %d", ffd, LOCK_UN);
    int granted = 0, exited_ok = 0;
    double t0 = now_s();
    for (int i = 0; i < 2 * NWAITERS; i++) {
        int st;
        while (now_s() - t0 < 20 && waitpid(pids[i], &st, WNOHANG) == 0)
            usleep(10000);
        if (waitpid(pids[i], &st, WNOHANG) == 0) {
            kill(pids[i], SIGKILL);
            waitpid(pids[i], &st, 0);
        }
        exited_ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    while (read(done[0], &c, 1) == 1)
        granted++;
    check(granted == 2 * NWAITERS && exited_ok == 2 * NWAITERS, "waiters: every waiter granted in turn",
          "granted %d, exited ok %d of %d in %.1fs", granted, exited_ok, 2 * NWAITERS, now_s() - t0);
    close(done[0]);
    close(done[1]);
    agent_end(&s);
    /* A prober stuck in a starved mount is killed; it is not waited for,
     * since it may only go once the mount does. */
    int st;
    if (waitpid(prober, &st, WNOHANG) == 0)
        kill(prober, SIGKILL);
}

static void test_close_releases(void)
{
    make_file("close");
    struct agent m = agent_new(), s = agent_new();
    int fd1 = a_open(&m, mp("close"), O_RDWR), fd2 = a_open(&m, mp("close"), O_RDONLY);
    int sfd = a_open(&s, sp("close"), O_RDWR);
    a_lock(&m, fd1, F_SETLK, F_WRLCK, 0, 0);
    struct res r = a_lock(&s, sfd, F_SETLK, F_WRLCK, 0, 1);
    check(r.rc < 0 && r.err == EAGAIN, "close: lock held before close", "got %s", ERR(r));
    agent_call(&m, "c %d", fd2);
    r = a_lock(&s, sfd, F_SETLK, F_WRLCK, 0, 1);
    check(r.rc == 0, "close: closing another fd of the file releases the owner's locks", "got %s",
          ERR(r));
    a_lock(&s, sfd, F_SETLK, F_UNLCK, 0, 0);
    r = a_lock(&m, fd1, F_SETLK, F_WRLCK, 0, 0);
    check(r.rc == 0, "close: owner can lock again through its remaining fd", "%s", ERR(r));
    r = a_lock(&s, sfd, F_SETLK, F_WRLCK, 0, 1);
    check(r.rc < 0 && r.err == EAGAIN, "close: relocked range conflicts again", "got %s", ERR(r));
    agent_end(&m);
    agent_end(&s);
}

/* One owner, a read-only fd first and a read-write fd later: the lock
 * description must gain write access without dropping the read locks. */
static void test_upgrade(void)
{
    make_file("upg");
    struct agent m = agent_new(), s = agent_new();
    int rfd = a_open(&m, mp("upg"), O_RDONLY), wfd = a_open(&m, mp("upg"), O_RDWR);
    int sfd = a_open(&s, sp("upg"), O_RDWR);
    struct res r = a_lock(&m, rfd, F_SETLK, F_RDLCK, 0, 10);
    check(r.rc == 0, "upgrade: read lock through read-only fd", "%s", ERR(r));
    r = a_lock(&m, wfd, F_SETLK, F_WRLCK, 20, 10);
    check(r.rc == 0, "upgrade: write lock through read-write fd", "%s", ERR(r));
    r = a_lock(&s, sfd, F_GETLK, F_WRLCK, 0, 10);
    check(r.rc == 0 && r.type == F_RDLCK && r.start == 0 && r.len == 10, "upgrade: read lock kept",
          "type %s start %lld len %lld", tname(r.type), r.start, r.len);
    r = a_lock(&s, sfd, F_GETLK, F_RDLCK, 20, 10);
    check(r.rc == 0 && r.type == F_WRLCK && r.start == 20, "upgrade: write lock held", "type %s",
          tname(r.type));
    r = a_lock(&m, wfd, F_SETLK, F_WRLCK, 0, 10);
    check(r.rc == 0, "upgrade: read lock converted to write", "%s", ERR(r));
    r = a_lock(&s, sfd, F_SETLK, F_RDLCK, 5, 1);
    check(r.rc < 0 && r.err == EAGAIN, "upgrade: converted lock excludes readers", "got %s", ERR(r));
    r = a_lock(&m, rfd, F_SETLK, F_RDLCK, 40, 5);
    check(r.rc == 0, "upgrade: read-only fd still locks after the upgrade", "%s", ERR(r));
    agent_end(&m);
    agent_end(&s);
}

/* Threads of one process are one lock owner: taking their first lock on a
 * file at the same moment must not give the owner two descriptions (whose
 * locks would then conflict with each other). */
#define NTHREADS 8
static pthread_barrier_t same_owner_barrier;
static int same_owner_fd;

static void *same_owner_thread(void *arg)
{
    (void)arg;
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 100 };
    pthread_barrier_wait(&same_owner_barrier);
    return (void *)(long)(fcntl(same_owner_fd, F_SETLK, &fl) < 0 ? errno : 0);
}

static void test_same_owner_threads(void)
{
    int failed = 0;
    for (int round = 0; round < 20 && !failed; round++) {
        char name[32];
        snprintf(name, sizeof(name), "owner-%d", round);
        make_file(name);
        pid_t p = fork();
        if (p == 0) {
            close_agent_fds();
            same_owner_fd = open(mp(name), O_RDWR);
            pthread_barrier_init(&same_owner_barrier, NULL, NTHREADS);
            pthread_t t[NTHREADS];
            for (int i = 0; i < NTHREADS; i++)
                pthread_create(&t[i], NULL, same_owner_thread, NULL);
            int bad = 0;
            for (int i = 0; i < NTHREADS; i++) {
                void *r;
                pthread_join(t[i], &r);
                bad |= r != NULL;
            }
            _exit(bad);
        }
        int st;
        waitpid(p, &st, 0);
        failed = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
        int fd = open(sp(name), O_RDWR);
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        failed |= fcntl(fd, F_SETLK, &fl) < 0;   /* everything released at exit */
        close(fd);
    }
    check(!failed, "posix: threads of one owner locking at once share one context",
          "a thread got a conflict, or a lock outlived the process");
}

/* ---- flock ----------------------------------------------------------------- */

static void test_flock(void)
{
    make_file("fl");
    struct agent m = agent_new(), m2 = agent_new(), s = agent_new();
    int mfd = a_open(&m, mp("fl"), O_RDWR), m2fd = a_open(&m2, mp("fl"), O_RDWR);
    int sfd = a_open(&s, sp("fl"), O_RDWR);
    struct res r = agent_call(&m, "f %d %d", mfd, LOCK_EX);
    check(r.rc == 0, "flock: exclusive via mount", "%s", ERR(r));
    r = agent_call(&m2, "f %d %d", m2fd, LOCK_EX | LOCK_NB);
    check(r.rc < 0 && r.err == EWOULDBLOCK, "flock: second open via mount gets EWOULDBLOCK", "got %s",
          ERR(r));
    r = agent_call(&s, "f %d %d", sfd, LOCK_SH | LOCK_NB);
    check(r.rc < 0 && r.err == EWOULDBLOCK, "flock: source open gets EWOULDBLOCK", "got %s", ERR(r));
    r = a_lock(&m2, m2fd, F_SETLK, F_WRLCK, 0, 0);
    check(r.rc == 0, "flock: POSIX locks are independent of flock", "%s", ERR(r));
    a_lock(&m2, m2fd, F_SETLK, F_UNLCK, 0, 0);
    agent_call(&m, "f %d %d", mfd, LOCK_UN);
    r = agent_call(&s, "f %d %d", sfd, LOCK_EX);
    check(r.rc == 0, "flock: source takes it after unlock", "%s", ERR(r));
    r = agent_call(&m2, "f %d %d", m2fd, LOCK_SH | LOCK_NB);
    check(r.rc < 0 && r.err == EWOULDBLOCK, "flock: source lock blocks mount", "got %s", ERR(r));
    agent_send(&m2, "f %d %d", m2fd, LOCK_EX);
    r = agent_reply(&m2, 400);
    check(!r.answered, "flock: blocking LOCK_EX waits", "answered %s", ERR(r));
    agent_call(&s, "f %d %d", sfd, LOCK_UN);
    r = agent_reply(&m2, 5000);
    check(r.answered && r.rc == 0, "flock: blocking LOCK_EX granted after release", "%s", ERR(r));
    agent_call(&m, "a 300");
    double t0 = now_s();
    r = agent_call(&m, "f %d %d", mfd, LOCK_SH);
    check(r.rc < 0 && r.err == EINTR && now_s() - t0 < 3, "flock: SIGALRM interrupts with EINTR",
          "%s after %.2fs", ERR(r), now_s() - t0);
    /* The last close of that open drops its flock — but through FUSE only
     * when the kernel's RELEASE (an asynchronous background request, with
     * FUSE_RELEASE_FLOCK_UNLOCK) has been handled: a remote flock is not on
     * the kernel's local list, so close() itself sends no unlock.  So the
     * lock goes shortly after close() returns, not before. */
    agent_call(&m2, "c %d", m2fd);
    double t1 = now_s();
    do {
        r = agent_call(&s, "f %d %d", sfd, LOCK_EX | LOCK_NB);
    } while (r.rc < 0 && r.err == EWOULDBLOCK && now_s() - t1 < 2 && usleep(10000) == 0);
    check(r.rc == 0, "flock: close releases it, interrupted request left none", "%s after %.2fs",
          ERR(r), now_s() - t1);
    agent_end(&m);
    agent_end(&m2);
    agent_end(&s);
}

/* ---- xattrs ---------------------------------------------------------------- */

static const char *xres(ssize_t r, int e)
{
    static char b[4][64];
    static int i;
    char *p = b[i++ & 3];
    if (r < 0)
        snprintf(p, 64, "%s", strerrorname_np(e));
    else
        snprintf(p, 64, "%zd", r);
    return p;
}

static void test_xattrs_on(const char *name, int user_ok)
{
    char t[128], v[256];
    ssize_t r;
    #define X(expr) (errno = 0, r = (expr), xres(r, errno))

    snprintf(t, sizeof(t), "xattr %s: trusted set via mount, seen in source", name);
    X(lsetxattr(mp(name), "trusted.m", "via-mount", 9, 0));
    ssize_t g = lgetxattr(sp(name), "trusted.m", v, sizeof(v));
    check(r == 0 && g == 9 && memcmp(v, "via-mount", 9) == 0, t, "set %s get %zd", xres(r, errno), g);

    snprintf(t, sizeof(t), "xattr %s: trusted set in source, seen via mount", name);
    lsetxattr(sp(name), "trusted.s", "via-source", 10, 0);
    g = lgetxattr(mp(name), "trusted.s", v, sizeof(v));
    check(g == 10 && memcmp(v, "via-source", 10) == 0, t, "get %s", xres(g, errno));

    snprintf(t, sizeof(t), "xattr %s: size query", name);
    g = lgetxattr(mp(name), "trusted.m", NULL, 0);
    check(g == 9, t, "%s", xres(g, errno));
    snprintf(t, sizeof(t), "xattr %s: small buffer is ERANGE", name);
    g = lgetxattr(mp(name), "trusted.m", v, 3);
    check(g < 0 && errno == ERANGE, t, "%s", xres(g, errno));

    char lm[1024], ls[1024];
    ssize_t nm = llistxattr(mp(name), lm, sizeof(lm)), ns = llistxattr(sp(name), ls, sizeof(ls));
    snprintf(t, sizeof(t), "xattr %s: list matches source", name);
    check(nm == ns && nm > 0 && memcmp(lm, ls, (size_t)nm) == 0, t, "mount %zd source %zd", nm, ns);
    snprintf(t, sizeof(t), "xattr %s: list size query", name);
    g = llistxattr(mp(name), NULL, 0);
    check(g == ns, t, "%s want %zd", xres(g, errno), ns);
    snprintf(t, sizeof(t), "xattr %s: list small buffer is ERANGE", name);
    g = llistxattr(mp(name), lm, 4);
    check(g < 0 && errno == ERANGE, t, "%s", xres(g, errno));

    snprintf(t, sizeof(t), "xattr %s: XATTR_CREATE on existing is EEXIST", name);
    X(lsetxattr(mp(name), "trusted.m", "x", 1, XATTR_CREATE));
    check(r < 0 && errno == EEXIST, t, "%s", xres(r, errno));
    snprintf(t, sizeof(t), "xattr %s: XATTR_REPLACE on missing is ENODATA", name);
    X(lsetxattr(mp(name), "trusted.none", "x", 1, XATTR_REPLACE));
    check(r < 0 && errno == ENODATA, t, "%s", xres(r, errno));
    snprintf(t, sizeof(t), "xattr %s: missing name is ENODATA", name);
    g = lgetxattr(mp(name), "trusted.none", v, sizeof(v));
    check(g < 0 && errno == ENODATA, t, "%s", xres(g, errno));

    snprintf(t, sizeof(t), "xattr %s: remove via mount, gone in source", name);
    X(lremovexattr(mp(name), "trusted.m"));
    g = lgetxattr(sp(name), "trusted.m", v, sizeof(v));
    check(r == 0 && g < 0 && errno == ENODATA, t, "remove %s, source get %s", xres(r, 0), xres(g, errno));
    lremovexattr(sp(name), "trusted.s");

    /* user.*: allowed on files and dirs only; symlinks and specials EPERM. */
    errno = 0;
    ssize_t um = lsetxattr(mp(name), "user.u", "1", 1, 0);
    int em = errno;
    errno = 0;
    ssize_t us = lsetxattr(sp(name), "user.u2", "1", 1, 0);
    int es = errno;
    snprintf(t, sizeof(t), "xattr %s: user.* result matches source (%s)", name, user_ok ? "ok" : "EPERM");
    check((um < 0 ? em : 0) == (us < 0 ? es : 0) && (user_ok ? um == 0 : em == EPERM), t,
          "mount %s source %s", xres(um, em), xres(us, es));
    if (user_ok) {
        g = lgetxattr(sp(name), "user.u", v, sizeof(v));
        snprintf(t, sizeof(t), "xattr %s: user.* visible in source", name);
        check(g == 1 && v[0] == '1', t, "%s", xres(g, errno));
        lremovexattr(sp(name), "user.u");
        lremovexattr(sp(name), "user.u2");
    }
    #undef X
}

static void test_xattrs(void)
{
    make_file("xf");
    make_file("xtarget");
    mkdir(sp("xd"), 0755);
    symlink("xtarget", sp("xl"));
    symlink("does-not-exist", sp("xdangling"));
    mkfifo(sp("xp"), 0644);
    mknod(sp("xc"), S_IFCHR | 0644, makedev(1, 3));
    test_xattrs_on("xf", 1);
    test_xattrs_on("xd", 1);
    test_xattrs_on("xl", 0);
    test_xattrs_on("xdangling", 0);
    test_xattrs_on("xp", 0);
    test_xattrs_on("xc", 0);

    /* The symlink's xattrs are its own, never its target's. */
    lsetxattr(mp("xl"), "trusted.link", "L", 1, 0);
    char v[8];
    ssize_t g = lgetxattr(sp("xtarget"), "trusted.link", v, sizeof(v));
    check(g < 0 && errno == ENODATA, "xattr symlink: target untouched", "%s", xres(g, errno));
    g = lgetxattr(sp("xl"), "trusted.link", v, sizeof(v));
    check(g == 1, "xattr symlink: set on the link itself", "%s", xres(g, errno));
    /* Following variant through the mount reaches the target. */
    g = getxattr(mp("xl"), "trusted.link", v, sizeof(v));
    check(g < 0 && errno == ENODATA, "xattr symlink: getxattr follows to the target", "%s",
          xres(g, errno));
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: locktest MOUNTPOINT SOURCE\n");
        return 2;
    }
    mnt = argv[1];
    src = argv[2];
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);

    test_conflicts();
    test_setlkw();
    test_interrupt();
    test_close_releases();
    test_upgrade();
    test_same_owner_threads();
    test_flock();
    test_many_waiters();
    test_xattrs();

    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
