/* rec_process.c — see rec_process.h. */
#include "trace/rec_process.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REVALIDATE_NS 1000000000ULL

struct proc_entry {
    int64_t id;
    int64_t start_time;
    uint64_t checked_ns;
};

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

static int64_t read_starttime(const struct proc_cache *c, uint32_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "%s/%u/stat", c->proc_root, pid);
    ssize_t n = read_small(path, buf, sizeof buf);
    if (n <= 0)
        return -1;
    return proc_parse_starttime(buf, (size_t)n);
}

static void read_identity(const struct proc_cache *c, uint32_t pid, struct proc_new *f)
{
    char path[64];
    ssize_t n;

    snprintf(path, sizeof path, "%s/%u/comm", c->proc_root, pid);
    n = read_small(path, f->comm, sizeof f->comm - 1);
    if (n > 0) {
        if (f->comm[n - 1] == '\n')
            n--;
        f->comm[n] = 0;
        f->have_comm = true;
    }
    snprintf(path, sizeof path, "%s/%u/cmdline", c->proc_root, pid);
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
}

int64_t proc_lookup(struct proc_cache *c, uint32_t pid, uint64_t now_ns,
                    struct proc_new *fresh, bool *is_new)
{
    uint64_t v;
    *is_new = false;
    if (pid == 0)
        return 0;
    if (rmap_get(&c->by_pid, pid, &v)) {
        struct proc_entry *e = (struct proc_entry *)(uintptr_t)v;
        if (now_ns - e->checked_ns < REVALIDATE_NS)
            return e->id;
        e->checked_ns = now_ns;
        int64_t st = read_starttime(c, pid);
        /* Gone (st < 0) or unchanged: same process as far as we can know. */
        if (st < 0 || e->start_time < 0 || st == e->start_time)
            return e->id;
    }

    struct proc_entry *e = NULL;
    if (rmap_get(&c->by_pid, pid, &v)) {
        e = (struct proc_entry *)(uintptr_t)v;
    } else {
        e = malloc(sizeof *e);
        if (!e || !rmap_put(&c->by_pid, pid, (uint64_t)(uintptr_t)e)) {
            free(e);
            return 0;
        }
    }
    memset(fresh, 0, sizeof *fresh);
    fresh->id = c->next_id++;
    fresh->pid = pid;
    fresh->start_time = read_starttime(c, pid);
    read_identity(c, pid, fresh);
    e->id = fresh->id;
    e->start_time = fresh->start_time;
    e->checked_ns = now_ns;
    *is_new = true;
    return fresh->id;
}
