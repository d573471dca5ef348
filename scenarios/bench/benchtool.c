/* benchtool.c — small helpers for scenarios/bench/run.
 *
 *   benchtool randread FILE N SEED
 *       N preads of 4 KiB at random 4 KiB-aligned offsets (xorshift64*,
 *       fixed SEED, so every configuration reads the same offsets), with
 *       POSIX_FADV_RANDOM (no readahead, as a database-like reader does).
 *       Prints "reads=N bytes=B total_s=S".
 *   benchtool mktree DIR NDIRS FILES_PER_DIR
 *       DIR/dNNN/fNNNN, each file 100 bytes.  Exits 1 on any failure.
 *   benchtool rusage OUTFILE -- COMMAND [ARGS...]
 *       Runs COMMAND as a child, forwards SIGINT/SIGTERM/SIGHUP to it,
 *       waits for it and writes "utime_s stime_s maxrss_kib status" of the
 *       child (wait4: all its threads; ru_maxrss is its VmHWM) to OUTFILE.
 *       Exits with the child's status.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int randread(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: benchtool randread FILE N SEED\n");
        return 2;
    }
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "benchtool: open %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 4096) {
        fprintf(stderr, "benchtool: %s: too small or unreadable\n", argv[2]);
        return 1;
    }
    long n = atol(argv[3]);
    uint64_t x = strtoull(argv[4], NULL, 0) | 1;
    uint64_t blocks = (uint64_t)st.st_size / 4096;
    posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
    static char buf[4096];
    long long total = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
        uint64_t b = (x * 2685821657736338717ULL) % blocks;
        ssize_t r = pread(fd, buf, sizeof buf, (off_t)(b * 4096));
        if (r != (ssize_t)sizeof buf) {
            fprintf(stderr, "benchtool: pread %s at %llu: %s\n", argv[2],
                    (unsigned long long)(b * 4096), r < 0 ? strerror(errno) : "short read");
            return 1;
        }
        total += r;
    }
    double t1 = now();
    close(fd);
    printf("reads=%ld bytes=%lld total_s=%.6f\n", n, total, t1 - t0);
    return 0;
}

static int mktree(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: benchtool mktree DIR NDIRS FILES_PER_DIR\n");
        return 2;
    }
    int nd = atoi(argv[3]), nf = atoi(argv[4]);
    char p[4096];
    static const char data[100] = "fusetrace benchmark tree file\n";
    if (mkdir(argv[2], 0755) != 0 && errno != EEXIST)
        goto fail;
    for (int i = 0; i < nd; i++) {
        snprintf(p, sizeof p, "%s/d%03d", argv[2], i);
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            goto fail;
        for (int j = 0; j < nf; j++) {
            snprintf(p, sizeof p, "%s/d%03d/f%04d", argv[2], i, j);
            int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
            if (fd < 0 || write(fd, data, sizeof data) != (ssize_t)sizeof data || close(fd) != 0)
                goto fail;
        }
    }
    return 0;
fail:
    fprintf(stderr, "benchtool: mktree %s: %s\n", p, strerror(errno));
    return 1;
}

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
    if (child_pid > 0)
        kill(child_pid, sig);
}

static int rusage_cmd(int argc, char **argv)
{
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: benchtool rusage OUTFILE -- COMMAND [ARGS...]\n");
        return 2;
    }
    struct sigaction sa = { .sa_handler = forward };
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    pid_t pid = fork();
    if (pid < 0) {
        perror("benchtool: fork");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[4], argv + 4);
        fprintf(stderr, "benchtool: exec %s: %s\n", argv[4], strerror(errno));
        _exit(127);
    }
    child_pid = pid;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int status;
    struct rusage ru;
    pid_t r;
    while ((r = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR)
        ;
    if (r < 0) {
        perror("benchtool: wait4");
        return 1;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *f = fopen(argv[2], "w");
    if (f) {
        fprintf(f, "%.6f %.6f %ld %d\n",
                (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
                (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
                ru.ru_maxrss, code);
        fclose(f);
    }
    return code;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "randread"))
        return randread(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "mktree"))
        return mktree(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "rusage"))
        return rusage_cmd(argc, argv);
    fprintf(stderr, "usage: benchtool randread|mktree|rusage ...\n");
    return 2;
}
