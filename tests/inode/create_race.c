/* create_race.c — N processes open(O_CREAT) one name at the same instant.
 *
 * usage: create_race [-x] N PATH [EXTPATH]
 *   -x       add O_EXCL
 *   N        number of racing processes
 *   PATH     the name, as seen through the mount (children 0..N-1 use it)
 *   EXTPATH  if given, one more process (index N, "ext") opens this path
 *            (the same name in the source directory) in the same race
 *
 * Barrier: every child blocks in read() on a pipe whose write end the parent
 * closes once all are forked, so they all wake at once.  Each child that
 * opened the file pwrite()s an 8-byte record "cNNNNNN\n" at offset 8*i and
 * prints one line on stdout:
 *     IDX ok ST_INO        or      IDX err ERRNO_NAME
 * Exit status: 0 when every child reported, 1 on a harness error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ename(int e)
{
    switch (e) {
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case EIO: return "EIO";
    case ESTALE: return "ESTALE";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
    case EAGAIN: return "EAGAIN";
    case ENOTCONN: return "ENOTCONN";
    case EINVAL: return "EINVAL";
    case ELOOP: return "ELOOP";
    default: return strerror(e);
    }
}

int main(int argc, char **argv)
{
    int excl = 0, ai = 1;
    if (argc > 1 && !strcmp(argv[1], "-x")) {
        excl = 1;
        ai++;
    }
    if (argc - ai < 2 || argc - ai > 3) {
        fprintf(stderr, "usage: create_race [-x] N PATH [EXTPATH]\n");
        return 1;
    }
    int n = atoi(argv[ai]);
    const char *path = argv[ai + 1];
    const char *ext = argc - ai == 3 ? argv[ai + 2] : NULL;
    int total = n + (ext ? 1 : 0);
    int bar[2];
    if (n < 1 || n > 1000 || pipe(bar) < 0) {
        perror("create_race: setup");
        return 1;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < total; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            close(bar[1]);
            char c;
            while (read(bar[0], &c, 1) < 0 && errno == EINTR)
                ;
            const char *p = i < n ? path : ext;
            int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC | (excl ? O_EXCL : 0), 0644);
            char line[128];
            if (fd < 0) {
                int e = errno;
                snprintf(line, sizeof(line), "%d err %s\n", i, ename(e));
            } else {
                char rec[16];
                snprintf(rec, sizeof(rec), "c%06d\n", i % 1000000);
                struct stat st;
                if (pwrite(fd, rec, 8, (off_t)8 * i) != 8 || fstat(fd, &st) < 0) {
                    int e = errno;
                    snprintf(line, sizeof(line), "%d err write-%s\n", i, ename(e));
                } else {
                    snprintf(line, sizeof(line), "%d ok %llu\n", i, (unsigned long long)st.st_ino);
                }
                close(fd);
            }
            if (write(1, line, strlen(line)) < 0)
                _exit(2);
            _exit(0);
        }
    }
    close(bar[0]);
    close(bar[1]);   /* release the barrier */
    int bad = 0, st;
    while (wait(&st) > 0)
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            bad = 1;
    return bad;
}
