/* stress.c — threads hammering a small set of names through a mount.
 *
 * usage: stress DIR SECONDS THREADS SEED
 *
 * Every thread picks random operations on the names f0..f7 (files) and
 * d0..d3 (directories, with x0, x1 inside) under DIR: stat, open+read,
 * open(O_CREAT)+write, unlink, rename, readdir (+fstatat of each entry),
 * mkdir, rmdir, create/unlink inside a directory, link, truncate, and
 * I/O through an fd it keeps open while other threads unlink/rename the
 * name.  Races between threads make ENOENT, EEXIST, ENOTEMPTY expected;
 * anything else (EIO, ESTALE, EBADF, ENOTCONN, ...) is unexpected.
 *
 * Prints "ops N", "unexpected N" and a line per unexpected error (first 20),
 * and per-op counts.  Exit status 0 iff no unexpected error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { OP_STAT, OP_READ, OP_WRITE, OP_UNLINK, OP_RENAME, OP_READDIR, OP_MKDIR, OP_RMDIR,
       OP_SUBCREATE, OP_SUBUNLINK, OP_LINK, OP_TRUNC, OP_HELD, OP_COUNT };
static const char *op_names[OP_COUNT] = { "stat", "read", "write", "unlink", "rename", "readdir",
                                          "mkdir", "rmdir", "subcreate", "subunlink", "link",
                                          "truncate", "held-fd-io" };

static const char *dir;
static double deadline;
static atomic_ulong counts[OP_COUNT];
static atomic_ulong total_ops, unexpected;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check(int op, int r, int err, const char *what)
{
    atomic_fetch_add(&counts[op], 1);
    atomic_fetch_add(&total_ops, 1);
    if (r >= 0)
        return;
    switch (err) {
    case ENOENT: case EEXIST: case ENOTEMPTY:
        return;
    default:
        break;
    }
    unsigned long n = atomic_fetch_add(&unexpected, 1);
    if (n < 20) {
        pthread_mutex_lock(&print_lock);
        printf("unexpected: %s %s: %s (errno %d)\n", op_names[op], what, strerror(err), err);
        pthread_mutex_unlock(&print_lock);
    }
}

#define P(buf, ...) snprintf(buf, sizeof(buf), __VA_ARGS__)

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    char a[4096], b[4096], buf[4096];
    int held = -1;
    memset(buf, 'x', sizeof(buf));
    while (now() < deadline) {
        for (int k = 0; k < 64; k++) {
            int op = rand_r(&seed) % OP_COUNT;
            int fi = rand_r(&seed) % 8, fj = rand_r(&seed) % 8, di = rand_r(&seed) % 4;
            int r = 0, e = 0;
            P(a, "%s/f%d", dir, fi);
            switch (op) {
            case OP_STAT: {
                struct stat st;
                r = stat(a, &st); e = errno;
                break;
            }
            case OP_READ: {
                int fd = open(a, O_RDONLY);
                e = errno;
                if (fd >= 0) {
                    r = (int)read(fd, buf, sizeof(buf)); e = errno;
                    if (r >= 0 && close(fd) < 0) { r = -1; e = errno; }
                    else if (r < 0) close(fd);
                } else r = -1;
                break;
            }
            case OP_WRITE: {
                int fd = open(a, O_WRONLY | O_CREAT | (rand_r(&seed) % 2 ? O_APPEND : 0), 0644);
                e = errno;
                if (fd >= 0) {
                    r = (int)write(fd, buf, 1 + rand_r(&seed) % 300); e = errno;
                    if (r >= 0 && close(fd) < 0) { r = -1; e = errno; }
                    else if (r < 0) close(fd);
                } else r = -1;
                break;
            }
            case OP_UNLINK: r = unlink(a); e = errno; break;
            case OP_RENAME:
                if (rand_r(&seed) % 3 == 0) {
                    P(a, "%s/d%d", dir, di);
                    P(b, "%s/d%d", dir, rand_r(&seed) % 4);
                } else {
                    P(b, "%s/f%d", dir, fj);
                }
                r = rename(a, b); e = errno;
                break;
            case OP_READDIR: {
                DIR *d = opendir(rand_r(&seed) % 2 ? dir : (P(b, "%s/d%d", dir, di), b));
                if (!d) { r = -1; e = errno; break; }
                struct dirent *de;
                errno = 0;
                while ((de = readdir(d))) {
                    struct stat st;
                    if (de->d_name[0] == '.')
                        continue;
                    int s = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW);
                    if (s < 0 && errno != ENOENT)
                        check(OP_READDIR, s, errno, de->d_name);
                    errno = 0;
                }
                e = errno;
                r = e ? -1 : 0;
                closedir(d);
                break;
            }
            case OP_MKDIR: P(a, "%s/d%d", dir, di); r = mkdir(a, 0755); e = errno; break;
            case OP_RMDIR: P(a, "%s/d%d", dir, di); r = rmdir(a); e = errno; break;
            case OP_SUBCREATE: {
                P(a, "%s/d%d/x%d", dir, di, fi % 2);
                int fd = open(a, O_WRONLY | O_CREAT, 0644);
                r = fd; e = errno;
                if (fd >= 0) close(fd);
                break;
            }
            case OP_SUBUNLINK: P(a, "%s/d%d/x%d", dir, di, fi % 2); r = unlink(a); e = errno; break;
            case OP_LINK: P(b, "%s/f%d", dir, fj); r = link(a, b); e = errno; break;
            case OP_TRUNC: r = truncate(a, rand_r(&seed) % 1000); e = errno; break;
            case OP_HELD:
                if (held < 0 || rand_r(&seed) % 8 == 0) {
                    if (held >= 0)
                        close(held);
                    held = open(a, O_RDWR);
                    r = held; e = errno;
                } else {
                    /* the name may be gone or renamed by now: the fd must
                     * still work (no ESTALE, no EBADF) */
                    struct stat st;
                    r = fstat(held, &st); e = errno;
                    if (r == 0) { r = (int)pwrite(held, buf, 17, rand_r(&seed) % 512); e = errno; }
                    if (r >= 0) { r = (int)pread(held, buf, 64, 0); e = errno; }
                }
                break;
            }
            check(op, r, e, a);
        }
    }
    if (held >= 0)
        close(held);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: stress DIR SECONDS THREADS SEED\n");
        return 2;
    }
    dir = argv[1];
    deadline = now() + atof(argv[2]);
    int nt = atoi(argv[3]);
    unsigned seed = (unsigned)atoi(argv[4]);
    pthread_t th[64];
    if (nt < 1 || nt > 64)
        return 2;
    for (int i = 0; i < nt; i++)
        pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(seed * 1000u + (unsigned)i + 1));
    for (int i = 0; i < nt; i++)
        pthread_join(th[i], NULL);
    printf("ops %lu\nunexpected %lu\n", (unsigned long)total_ops, (unsigned long)unexpected);
    for (int i = 0; i < OP_COUNT; i++)
        printf("  %-10s %lu\n", op_names[i], (unsigned long)counts[i]);
    return unexpected ? 1 : 0;
}
