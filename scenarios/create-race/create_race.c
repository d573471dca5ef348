/* create_race N PATH: N processes open(PATH, O_CREAT|O_WRONLY) at once
 * (released together by closing a pipe) and each pwrite()s an 8-byte
 * record at offset 8*i.  Prints "I ok" or "I err ERRNO" per process. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int n = atoi(argv[1]), p[2];
    if (n < 1 || pipe(p) != 0)
        return 2;
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            char c;
            close(p[1]);
            if (read(p[0], &c, 1) < 0)
                _exit(1);
            int fd = open(argv[2], O_CREAT | O_WRONLY, 0644);
            if (fd < 0) {
                printf("%d err %s\n", i, strerror(errno));
                fflush(stdout);
                _exit(0);
            }
            char rec[9];
            snprintf(rec, sizeof rec, "c%06d\n", i);
            if (pwrite(fd, rec, 8, 8 * (off_t)i) != 8)
                printf("%d err write %s\n", i, strerror(errno));
            else
                printf("%d ok\n", i);
            close(fd);
            fflush(stdout);
            _exit(0);
        }
    }
    close(p[0]);
    close(p[1]);
    int st, bad = 0;
    while (wait(&st) > 0)
        bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    return bad;
}
