/* rec_process.h — process attribution for the writer thread.
 *
 * A request carries only a pid.  The first time a pid is seen, its command
 * name and command line are read from /proc and the process gets a
 * surrogate id; later requests reuse the id.  Because pids are recycled,
 * the process start time (/proc/PID/stat field 22) is part of the identity:
 * a cached pid is re-validated at most once per second, and a different
 * start time means a different process and a new id.
 */
#ifndef FUSETRACE_TRACE_REC_PROCESS_H
#define FUSETRACE_TRACE_REC_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "trace/rec_map.h"

struct proc_cache {
    struct rmap by_pid;        /* pid -> struct proc_entry * */
    int64_t next_id;
    const char *proc_root;     /* "/proc"; tests may point elsewhere */
};

/* A process seen for the first time, to be stored by the caller. */
struct proc_new {
    int64_t id;
    uint32_t pid;
    int64_t start_time;        /* clock ticks after boot, -1 if unknown */
    char comm[64];
    char cmdline[4096];
    bool have_comm, have_cmdline;
};

void proc_cache_init(struct proc_cache *c);
void proc_cache_free(struct proc_cache *c);

/* Surrogate id for `pid` at monotonic time now_ns.  Returns 0 for pid 0.
 * When a new id is assigned, *fresh is filled and set_fresh becomes true. */
int64_t proc_lookup(struct proc_cache *c, uint32_t pid, uint64_t now_ns,
                    struct proc_new *fresh, bool *is_new);

/* Parse field 22 (starttime) of a /proc/PID/stat line; -1 if malformed.
 * Exposed for tests: comm may contain spaces and parentheses. */
int64_t proc_parse_starttime(const char *stat, size_t len);

#endif
