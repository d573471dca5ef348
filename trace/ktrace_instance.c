/* ktrace_instance.c — see ktrace_instance.h. */
#include "trace/ktrace_instance.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <tracefs.h>

#include "trace/rec_process.h"

#define PREFIX "fusetrace-"

static const char *const events[] = { "fuse_request_send", "fuse_request_end" };

void kt_instance_name(char *buf, size_t cap, long pid)
{
    snprintf(buf, cap, PREFIX "%ld", pid);
}

#define TRACEFS_HOME "/sys/kernel/tracing"

static bool is_tracefs(const char *dir)
{
    struct statfs sf;
    return dir && statfs(dir, &sf) == 0 && sf.f_type == TRACEFS_MAGIC;
}

/* Where tracefs is mounted, mounting it at its usual place if it is not
 * (root only).  NULL with why. */
static const char *tracing_dir(char *why, size_t cap)
{
    const char *dir = tracefs_tracing_dir();
    if (is_tracefs(dir))
        return dir;
    if (mount("nodev", TRACEFS_HOME, "tracefs", 0, NULL) != 0 && errno != EBUSY) {
        snprintf(why, cap, "tracefs is not mounted and cannot be mounted at " TRACEFS_HOME ": %s%s",
                 strerror(errno), errno == EPERM ? " (needs root)" : "");
        return NULL;
    }
    char home[] = TRACEFS_HOME;
    if (!is_tracefs(home) || tracefs_set_tracing_dir(home) != 0) {
        snprintf(why, cap, "tracefs is not mounted at " TRACEFS_HOME);
        return NULL;
    }
    return tracefs_tracing_dir();
}

int kt_available(char *why, size_t cap)
{
    /* Not tracefs_tracing_dir_is_mounted(): libtracefs 1.6 leaks the path
     * it returns. */
    const char *dir = tracing_dir(why, cap);
    if (!dir)
        return -1;
    if (access(dir, R_OK | W_OK | X_OK) != 0) {
        snprintf(why, cap, "no access to tracefs at %s: %s%s", dir, strerror(errno),
                 errno == EACCES ? " (needs root)" : "");
        return -1;
    }
    for (size_t i = 0; i < sizeof events / sizeof *events; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/events/fuse/%s/format", dir, events[i]);
        if (access(path, R_OK) != 0) {
            snprintf(why, cap, "this kernel has no fuse/%s trace event",
                     events[i]);
            return -1;
        }
    }
    char inst[4096];
    snprintf(inst, sizeof inst, "%s/instances", dir);
    if (access(inst, W_OK | X_OK) != 0) {
        snprintf(why, cap, "cannot create tracefs instances in %s: %s", inst, strerror(errno));
        return -1;
    }
    return 0;
}

/* Seconds since the epoch when the system booted (/proc/stat btime). */
static int64_t boot_time(void)
{
    FILE *f = fopen("/proc/stat", "re");
    if (!f)
        return -1;
    char line[256];
    long long bt = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "btime %lld", &bt) == 1)
            break;
    fclose(f);
    return bt;
}

/* Does instance `name` (named after `pid`) belong to a daemon that still
 * runs?  Not if the pid is gone, nor if it is us (we create ours after
 * this cleanup), nor if the process with that pid started after the
 * instance was made: a recycled pid is someone else.  When in doubt (a
 * process we cannot look at), it is left alone. */
static bool owner_alive(const char *name, long pid)
{
    if (pid <= 0 || pid == (long)getpid())
        return false;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return false;
    const char *dir = tracefs_tracing_dir();
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/instances/%s", dir ? dir : "", name);
    int64_t bt = boot_time();
    long hz = sysconf(_SC_CLK_TCK);
    int64_t start_time = -1;
    char sp[64], buf[1024];
    snprintf(sp, sizeof sp, "/proc/%ld/stat", pid);
    FILE *f = fopen(sp, "re");
    if (f) {
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        start_time = proc_parse_starttime(buf, n);
    }
    if (start_time < 0 || bt < 0 || hz <= 0 || stat(path, &st) != 0)
        return true;
    /* The instance's mtime is when it was made (whole seconds). */
    int64_t started = bt + start_time / hz;
    return started <= (int64_t)st.st_mtime;
}

int kt_remove_stale(void)
{
    char *dir = tracefs_get_tracing_file("instances");
    if (!dir)
        return 0;
    DIR *d = opendir(dir);
    tracefs_put_tracing_file(dir);
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, PREFIX, strlen(PREFIX)) != 0)
            continue;
        const char *num = e->d_name + strlen(PREFIX);
        char *end;
        long pid = strtol(num, &end, 10);
        if (!*num || *end || pid <= 0 || owner_alive(e->d_name, pid))
            continue;
        struct tracefs_instance *in = tracefs_instance_alloc(NULL, e->d_name);
        if (!in)
            continue;
        if (tracefs_instance_destroy(in) == 0) {
            removed++;
            fprintf(stderr, "fusetrace: removed the tracefs instance %s left by a daemon that "
                            "is gone\n", e->d_name);
        }
        tracefs_instance_free(in);
    }
    closedir(d);
    return removed;
}

static int write_file(struct tracefs_instance *in, const char *file, const char *val,
                      char *why, size_t cap)
{
    if (tracefs_instance_file_write(in, file, val) < 0) {
        snprintf(why, cap, "cannot write '%s' to %s/%s: %s", val,
                 tracefs_instance_get_name(in), file, strerror(errno));
        return -1;
    }
    return 0;
}

struct tracefs_instance *kt_create(char *why, size_t cap)
{
    char name[64];
    kt_instance_name(name, sizeof name, (long)getpid());
    struct tracefs_instance *in = tracefs_instance_create(name);
    if (!in) {
        snprintf(why, cap, "cannot create the tracefs instance %s: %s", name, strerror(errno));
        return NULL;
    }
    if (!tracefs_instance_is_new(in)) {
        /* kt_remove_stale() removed any with our name: someone else made it. */
        snprintf(why, cap, "the tracefs instance %s exists already and is not ours", name);
        tracefs_instance_free(in);
        return NULL;
    }
    long cpus = sysconf(_SC_NPROCESSORS_CONF);
    long kb = KT_BUFFER_TOTAL_KB / (cpus > 0 ? cpus : 1);
    kb = kb < 256 ? 256 : kb > 4096 ? 4096 : kb;
    /* The tests make the buffer small enough to overflow, to see the
     * losses counted. */
    const char *test_kb = getenv(KT_BUFFER_ENV);
    if (test_kb && atol(test_kb) > 0)
        kb = atol(test_kb);
    char val[32];
    snprintf(val, sizeof val, "%ld", kb);
    /* The clock first: changing it empties the buffer. */
    if (write_file(in, "trace_clock", "mono", why, cap) < 0
        || write_file(in, "buffer_size_kb", val, why, cap) < 0
        || write_file(in, "options/overwrite", "0", why, cap) < 0)
        goto fail;
    char *clock = tracefs_instance_file_read(in, "trace_clock", NULL);
    bool mono = clock && strstr(clock, "[mono]");
    free(clock);
    if (!mono) {
        snprintf(why, cap, "the tracefs instance %s did not take trace_clock mono", name);
        goto fail;
    }
    for (size_t i = 0; i < sizeof events / sizeof *events; i++)
        if (tracefs_event_enable(in, "fuse", events[i]) < 0) {
            snprintf(why, cap, "cannot enable fuse/%s in %s: %s", events[i], name, strerror(errno));
            goto fail;
        }
    return in;
fail:
    kt_destroy(in);
    return NULL;
}

int kt_filter(struct tracefs_instance *in, uint32_t kdev, char *why, size_t cap)
{
    char filter[64], file[128];
    snprintf(filter, sizeof filter, "connection == %" PRIu32, kdev);
    for (size_t i = 0; i < sizeof events / sizeof *events; i++) {
        snprintf(file, sizeof file, "events/fuse/%s/filter", events[i]);
        if (write_file(in, file, filter, why, cap) < 0)
            return -1;
    }
    return 0;
}

void kt_disable(struct tracefs_instance *in)
{
    if (in && tracefs_event_disable(in, "fuse", NULL) < 0)
        fprintf(stderr, "fusetrace: cannot disable the fuse events in %s: %s\n",
                tracefs_instance_get_name(in), strerror(errno));
}

/* "name: N" in a per_cpu stats text; 0 when absent. */
static uint64_t stat_value(const char *text, const char *name)
{
    const char *p = text;
    size_t n = strlen(name);
    while ((p = strstr(p, name))) {
        if ((p == text || p[-1] == '\n') && p[n] == ':')
            return strtoull(p + n + 1, NULL, 10);
        p += n;
    }
    return 0;
}

uint64_t kt_lost(struct tracefs_instance *in)
{
    uint64_t lost = 0;
    long cpus = sysconf(_SC_NPROCESSORS_CONF);
    for (long c = 0; c < cpus; c++) {
        char file[64];
        snprintf(file, sizeof file, "per_cpu/cpu%ld/stats", c);
        char *text = tracefs_instance_file_read(in, file, NULL);
        if (!text)
            continue;
        lost += stat_value(text, "overrun") + stat_value(text, "dropped events");
        free(text);
    }
    return lost;
}

void kt_destroy(struct tracefs_instance *in)
{
    if (!in)
        return;
    if (tracefs_instance_destroy(in) != 0)
        fprintf(stderr, "fusetrace: cannot remove the tracefs instance %s: %s\n",
                tracefs_instance_get_name(in), strerror(errno));
    tracefs_instance_free(in);
}
