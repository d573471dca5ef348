/* rec_process.h — the writer's picture of the processes behind requests.
 *
 * A request carries only the thread id of its caller.  The recorder never
 * reads /proc (recorder.h says why); it is told, in records that travel
 * through the rings like every event:
 *   - process events, from the kernel's connector, stamped with the
 *     kernel's time: FORK (with the forking task), EXEC, EXIT (with the
 *     wait status), COMM (a prctl rename), and COMMAND (`record`'s child);
 *   - identities, read from /proc by a thread that serves no request:
 *     pid, parent, start time, name and command line of one program image,
 *     named by `image_ts`, the time of the fork or exec that began it.
 *
 * The model keeps one *image* per program a process ran: a fork begins
 * one (its name and command line are the parent's until it execs), each
 * exec begins the next (which "replaced" the previous).  Records are
 * applied in time order (the writer holds requests back until the
 * connector has caught up with them, see rec_writer.c), so a request is
 * attributed to the image its process was running when it was made.
 *
 * Rows: an image becomes a row of `process` ("materialised") when a
 * request names it, when it descends from COMMAND, or when a row descends
 * from it (its parent and the image it replaced are rows too).  A row is
 * written again (INSERT OR REPLACE) whenever something about it is
 * learned later: its identity, its parent, its exit.  Images nobody needs
 * are never written, so the machine's other processes cost memory only
 * while they live.
 *
 * Without the connector (identities with REC_IMAGE_UNKNOWN) images are
 * inferred from identities alone: a new start time is a new process, a
 * new name or command line under the same start time an exec — noticed
 * as late as the identity thread reads it.
 *
 * Invariants (checked by pm_check in debug builds): every image in the
 * pid map has refs >= 1; a materialised image's parent and replaced
 * images are materialised; row ids are 1..next_row-1, each used once.
 */
#ifndef FUSETRACE_TRACE_REC_PROCESS_H
#define FUSETRACE_TRACE_REC_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/rec_event.h"
#include "util/u64map.h"

enum pimage_origin {
    PIMG_SEEN = 0,             /* first seen running: began unobserved */
    PIMG_FORK = 1,             /* began with a FORK event */
    PIMG_EXEC = 2,             /* began with an EXEC event */
};

struct pimage {
    int64_t row;               /* process.id once materialised, else 0 */
    uint32_t pid;
    uint32_t ppid;             /* parent process id, 0 while unknown */
    uint64_t key;              /* image_ts it stands for (REC_IMAGE_OLDER: unknown) */
    uint64_t first_ts;         /* absolute ns: its fork/exec, or when first seen */
    enum pimage_origin origin;
    struct pimage *parent;     /* the image that forked its process */
    struct pimage *replaced;   /* the image it replaced by exec */
    int refs;
    bool described;            /* comm/cmdline known (read, or inherited at fork) */
    bool tracked;              /* COMMAND or a descendant of it */
    bool command;              /* an image of COMMAND's own process */
    bool exited;
    bool renamed;              /* changed its name itself (prctl) */
    int64_t start_time;        /* -1 unknown */
    char *comm, *cmdline;      /* NULL unknown */
    uint64_t exit_ts;
    int32_t exit_status;       /* wait(2) status */
};

/* Called for every image whose row must be (re)written. */
typedef int (*pm_emit_fn)(void *ctx, const struct pimage *img);

struct pmodel {
    struct rmap cur;           /* pid -> struct pimage * (its current image) */
    struct rmap threads;       /* tid -> tgid, for threads other than leaders */
    int64_t next_row;
    pm_emit_fn emit;
    void *ctx;
    int rc;                    /* first error of emit (SQLite code), 0 if none */
    /* Exited images leave `cur` a while after their exit (an exec by a
     * non-leader thread reports the old leader's exit just before the
     * exec): a FIFO of them, oldest first. */
    struct pimage **gone;
    size_t gone_head, gone_n, gone_cap;
};

void pm_init(struct pmodel *m, pm_emit_fn emit, void *ctx);
void pm_free(struct pmodel *m);

/* The process row for a request of thread `tid` at `ts` (materialised
 * now if needed); 0 for tid 0.  Returns the row id, or 0 with m->rc set
 * on failure. */
int64_t pm_request(struct pmodel *m, uint32_t tid, uint64_t ts);

/* Apply a process event (h->ts: the kernel's time) or an identity. */
void pm_event(struct pmodel *m, const struct rec_pevent_rec *e, uint64_t ts);
void pm_identity(struct pmodel *m, const struct rec_proc_rec *r, const char *comm,
                 const char *cmdline, uint64_t ts);

/* Verify the invariants above; false (and a message on stderr) if one
 * does not hold. */
bool pm_check(const struct pmodel *m);

/* Parse field 22 (starttime) of a /proc/PID/stat line; -1 if malformed.
 * comm may contain spaces and parentheses. */
int64_t proc_parse_starttime(const char *stat, size_t len);

#endif
