/* proc_fd.h — the /proc/self/fd magic link of an fd (no libfuse: replay
 * uses it too). */
#ifndef FUSETRACE_SHIM_PROC_FD_H
#define FUSETRACE_SHIM_PROC_FD_H

/* "/proc/self/fd/N": the magic link that reaches an O_PATH fd's inode for the
 * calls that have no fd or AT_EMPTY_PATH form (open for I/O, chmod, truncate,
 * utimens, xattrs, link).  The kernel resolves it to the inode itself, not by
 * name, so a rename in the source cannot redirect it.  Resolving it takes
 * only the daemon's own locks (the ptrace check of the fd link runs under
 * the daemon's exec_update_lock, which only an exec of the daemon takes for
 * writing, and the daemon never execs): it cannot wait for a caller. */
#define PROC_FD_PATH_MAX 32
static inline void proc_fd_path(char buf[PROC_FD_PATH_MAX], int fd)
{
    static const char prefix[] = "/proc/self/fd/";
    char digits[12];
    int n = 0;
    unsigned v = (unsigned)fd;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    int i = 0;
    for (; prefix[i]; i++) buf[i] = prefix[i];
    while (n) buf[i++] = digits[--n];
    buf[i] = '\0';
}

#endif
