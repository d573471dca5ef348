/* out_file.h — creating the files fusetrace writes for its user (exports,
 * reports, diagnostic logs): mode 0600 whatever the umask, since they hold
 * file names and command lines of the recorded processes. */
#ifndef FUSETRACE_UTIL_OUT_FILE_H
#define FUSETRACE_UTIL_OUT_FILE_H

#include <stdbool.h>
#include <stdio.h>

/* Open path for writing (truncated, or appended to with `append`),
 * created 0600 if it does not exist; an existing regular file loses its
 * group and other permission bits (a file we may not chmod fails with
 * EPERM).  NULL with errno on failure. */
FILE *out_file_open(const char *path, bool append);

#endif
