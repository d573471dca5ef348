/* rec_process.c — see rec_process.h. */
#include "trace/rec_process.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The process a pid currently stands for.  comm is what the hot path last
 * reported: a change under the same (pid, start time) is an execve, and
 * the new program gets a row of its own (see proc_note). */
struct proc_entry {
    int64_t id;
    int64_t start_time;
    char comm[PROC_COMM_MAX];  /* "" when unknown */
};

/* Read a small /proc file; returns bytes read or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    return (ssize_t)got;
}

int64_t proc_parse_starttime(const char *stat, size_t len)
{
    /* "pid (comm) state ppid ..." — comm is arbitrary, so start after the
     * last ')'; starttime is then the 20th field (22 - 2). */
    const char *close_paren = NULL;
    for (size_t i = 0; i < len; i++)
        if (stat[i] == ')')
            close_paren = stat + i;
    if (!close_paren)
        return -1;
    const char *p = close_paren + 1, *end = stat + len;
    for (int field = 3; field <= 22; field++) {
        while (p < end && *p == ' ')
            p++;
        if (p >= end)
            return -1;
        if (field == 22) {
            int64_t v = 0;
            bool any = false;
            while (p < end && *p >= '0' && *p <= '9') {
                v = v * 10 + (*p - '0');
                any = true;
                p++;
            }
            return any ? v : -1;
        }
        while (p < end && *p != ' ')
            p++;
    }
    return -1;
}

bool proc_read(const char *root, uint32_t pid, bool with_cmdline, struct proc_ident *f)
{
    char path[96], buf[1024];
    ssize_t n;

    memset(f, 0, sizeof *f);
    f->pid = pid;
    f->start_time = -1;
    snprintf(path, sizeof path, "%s/%u/stat", root, pid);
    n = read_small(path, buf, sizeof buf);
    if (n <= 0)
        return false;
    f->start_time = proc_parse_starttime(buf, (size_t)n);

    snprintf(path, sizeof path, "%s/%u/comm", root, pid);
    n = read_small(path, f->comm, sizeof f->comm - 1);
    if (n > 0) {
        if (f->comm[n - 1] == '\n')
            n--;
        f->comm[n] = 0;
        f->have_comm = true;
    }
    if (!with_cmdline)
        return true;
    snprintf(path, sizeof path, "%s/%u/cmdline", root, pid);
    n = read_small(path, f->cmdline, sizeof f->cmdline - 1);
    if (n > 0) {
        /* Arguments are NUL-separated; show them space-separated. */
        while (n > 0 && f->cmdline[n - 1] == 0)
            n--;
        for (ssize_t i = 0; i < n; i++)
            if (f->cmdline[i] == 0)
                f->cmdline[i] = ' ';
        f->cmdline[n] = 0;
        f->have_cmdline = n > 0;
    }
    return true;
}

void proc_cache_init(struct proc_cache *c)
{
    memset(c, 0, sizeof *c);
    c->next_id = 1;
    c->proc_root = "/proc";
}

void proc_cache_free(struct proc_cache *c)
{
    size_t pos = 0;
    uint64_t k, v;
    while (rmap_next(&c->by_pid, &pos, &k, &v))
        free((void *)(uintptr_t)v);
    rmap_free(&c->by_pid);
}

/* Record (pid, start_time, comm) under a new id. */
static int64_t assign(struct proc_cache *c, uint32_t pid, int64_t start_time, const char *comm)
{
    uint64_t v;
    struct proc_entry *e;
    if (rmap_get(&c->by_pid, pid, &v)) {
        e = (struct proc_entry *)(uintptr_t)v;
    } else {
        e = malloc(sizeof *e);
        if (!e || !rmap_put(&c->by_pid, pid, (uint64_t)(uintptr_t)e)) {
            free(e);
            return 0;
        }
    }
    e->id = c->next_id++;
    e->start_time = start_time;
    snprintf(e->comm, sizeof e->comm, "%s", comm);
    return e->id;
}

int64_t proc_note(struct proc_cache *c, const struct proc_ident *id, bool *is_new)
{
    uint64_t v;
    *is_new = false;
    if (id->pid == 0)
        return 0;
    const char *comm = id->have_comm ? id->comm : "";
    if (rmap_get(&c->by_pid, id->pid, &v)) {
        struct proc_entry *e = (struct proc_entry *)(uintptr_t)v;
        /* Unknown start times cannot prove a different process. */
        bool same = id->start_time < 0 || e->start_time < 0 || id->start_time == e->start_time;
        /* The same process under another name has exec'd (`record`'s own
         * child does, after its chdir into the mount): without a row of
         * its own, everything the new program did would be shown under the
         * old name.  Unknown names prove nothing. */
        if (same && *comm && *e->comm && strcmp(comm, e->comm) != 0)
            same = false;
        if (same) {
            if (e->start_time < 0)
                e->start_time = id->start_time;
            if (!*e->comm)
                snprintf(e->comm, sizeof e->comm, "%s", comm);
            return e->id;
        }
    }
    int64_t pid_id = assign(c, id->pid, id->start_time, comm);
    *is_new = pid_id != 0;
    return pid_id;
}

int64_t proc_lookup(struct proc_cache *c, uint32_t pid, struct proc_ident *fresh,
                    bool *is_new)
{
    uint64_t v;
    *is_new = false;
    if (pid == 0)
        return 0;
    if (rmap_get(&c->by_pid, pid, &v))
        return ((struct proc_entry *)(uintptr_t)v)->id;
    proc_read(c->proc_root, pid, false, fresh);
    int64_t id = assign(c, pid, fresh->start_time, fresh->have_comm ? fresh->comm : "");
    *is_new = id != 0;
    return id;
}
