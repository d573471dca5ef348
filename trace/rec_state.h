/* rec_state.h — state shared by the recorder's hot path (rec_hotpath.c),
 * its lifecycle (recorder.c) and the writer thread (rec_writer.c). */
#ifndef FUSETRACE_TRACE_REC_STATE_H
#define FUSETRACE_TRACE_REC_STATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rec_global {
    /* Producers may push only while this is set; recorder_close() clears it
     * and then waits for every ring's busy count to drop to zero. */
    _Atomic int accepting;
    /* Bumped by every recorder_close(): a thread whose cached ring belongs
     * to an older generation claims a new one. */
    _Atomic uint64_t gen;
    bool sink;                 /* an SQLite sink exists (rings in use) */
    bool lttng;                /* call the tracepoints */
    bool drop;                 /* never wait for ring space */
    size_t capture;            /* bytes of file data to keep */
    size_t ring_cap, max_rec;
    uint64_t start_mono;       /* rec_now_ns() at recorder_open */
    /* rec_set_process_clock(): see recorder.h; read by the writer. */
    _Atomic(uint64_t (*)(void)) process_clock;
    /* Events that found no ring (table full or out of memory). */
    _Atomic uint64_t noring_seen, noring_lost;
    /* Kernel events the kernel's trace buffer lost (rec_kernel_lost). */
    _Atomic uint64_t kernel_lost;
};

extern struct rec_global rec_g;

/* Called from a thread-exit destructor: hand the thread's ring to the
 * writer for draining. */
void rec_thread_exit(void *unused);

#endif
