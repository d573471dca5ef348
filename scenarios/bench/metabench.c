/* metabench.c — the metadata micro-workload of the benchmark harness.
 *
 *   metabench DIR N
 *
 * In DIR/w: create+write 4 KiB to N files, then stat+open+read each, then
 * unlink each, then rmdir.  Every call is checked: a benchmark whose
 * calls fail measures nothing, so any failure exits 1.
 *
 * Prints one line: "files=N create_s=.. stat_read_s=.. unlink_s=.. total_s=.."
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, const char *path)
{
    fprintf(stderr, "metabench: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: metabench DIR N\n");
        return 2;
    }
    const char *d = argv[1];
    int n = atoi(argv[2]);
    if (n <= 0) {
        fprintf(stderr, "metabench: N must be positive\n");
        return 2;
    }
    char p[4096];
    static char buf[4096];
    memset(buf, 'x', sizeof buf);

    double t0 = now();
    snprintf(p, sizeof p, "%s/w", d);
    if (mkdir(p, 0755) != 0)
        die("mkdir", p);
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/w/f%d", d, i);
        int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd < 0)
            die("create", p);
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
            die("write", p);
        if (close(fd) != 0)
            die("close", p);
    }
    double t1 = now();
    struct stat st;
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/w/f%d", d, i);
        if (stat(p, &st) != 0)
            die("stat", p);
        if (st.st_size != (off_t)sizeof buf) {
            errno = EIO;
            die("size mismatch on", p);
        }
        int fd = open(p, O_RDONLY);
        if (fd < 0)
            die("open", p);
        if (read(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
            die("read", p);
        close(fd);
    }
    double t2 = now();
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/w/f%d", d, i);
        if (unlink(p) != 0)
            die("unlink", p);
    }
    snprintf(p, sizeof p, "%s/w", d);
    if (rmdir(p) != 0)
        die("rmdir", p);
    double t3 = now();
    printf("files=%d create_s=%.6f stat_read_s=%.6f unlink_s=%.6f total_s=%.6f\n",
           n, t1 - t0, t2 - t1, t3 - t2, t3 - t0);
    return 0;
}
