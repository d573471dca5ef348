/* out_file.c — see out_file.h. */
#include "util/out_file.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

FILE *out_file_open(const char *path, bool append)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0600);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, append ? "a" : "w");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}
