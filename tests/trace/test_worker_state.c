/* test_worker_state.c — what a serving thread publishes for the stall
 * watchdog (trace/worker_state.h), read from another thread as the watchdog
 * reads it.
 *
 *  - a thread that read a request and is blocked in a BACKING call shows the
 *    request (unique, opcode, pid, nodeid, since) and the call (name, fd,
 *    arg, name argument, its sequence number; no start time with the
 *    recorder off), and is still in it when asked again; after
 *    the call returns (and the thread exits) it is not;
 *  - a reply to a request marked stalled is stamped, also a spliced one (the
 *    splice hook sees no header); marking a request the
 *    slot no longer holds fails; a request handed to another thread keeps
 *    its unique and arrival time there;
 *  - a thread that exits frees its slot, and the reply stamp of a thread
 *    that replied and exited is still readable;
 *  - worker_copy_str() reads a string that ends right before unmapped
 *    memory, and returns 0 (no crash) for unmapped memory. */
#include <errno.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim/backing.h"
#include "trace/recorder.h"
#include "trace/worker_state.h"
#include "tt_util.h"

struct blocked {
    int pipe_rd;
    struct worker_req handed;   /* what the thread handed over (worker_current) */
    _Atomic uint32_t tid;
    _Atomic int done;
    bool spliced;              /* reply through the splice hook (no header) */
};

static void take(uint64_t unique, uint32_t opcode, uint64_t nodeid, uint32_t pid)
{
    uint8_t buf[64];
    size_t n = tt_req(buf, opcode, unique, nodeid, pid, NULL, 0);
    worker_idle();
    worker_take(buf, n);
    rec_set_current_unique(unique);
}

static void reply(uint64_t unique)
{
    struct fuse_out_header oh = { .len = sizeof oh, .error = 0, .unique = unique };
    struct iovec iov = { &oh, sizeof oh };
    worker_replied(&iov, 1);
}

static void *blocked_reader(void *arg)
{
    struct blocked *b = arg;
    atomic_store(&b->tid, (uint32_t)syscall(SYS_gettid));
    take(77, FUSE_OPEN, 5, 4242);
    char c;
    long r = BACKING("read", b->pipe_rd, 42, "the-name", read(b->pipe_rd, &c, 1));
    CHECK_EQ(r, 1);
    worker_current(&b->handed);
    if (b->spliced)
        worker_replied_held();
    else
        reply(77);
    atomic_store(&b->done, 1);
    return NULL;
}

static int slot_of(uint32_t tid, struct worker_snap *out)
{
    for (int i = 0; i < worker_slot_count(); i++)
        if (worker_snapshot(i, out) && out->tid == tid)
            return i;
    return -1;
}

static void pause_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    nanosleep(&ts, NULL);
}

static void test_blocked_call(bool spliced)
{
    int p[2];
    CHECK(pipe(p) == 0);
    struct blocked b = { .pipe_rd = p[0], .spliced = spliced };
    uint64_t t0 = rec_now_ns();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, blocked_reader, &b) == 0);

    struct worker_snap s;
    int slot = -1;
    for (int i = 0; i < 2000; i++) {     /* up to 10 s */
        uint32_t tid = atomic_load(&b.tid);
        if (tid && (slot = slot_of(tid, &s)) >= 0 && s.in_call)
            break;
        pause_ms(5);
    }
    CHECK_MSG(slot >= 0 && s.in_call, "the blocked thread's call never showed (slot %d)", slot);
    if (slot >= 0 && s.in_call) {
        CHECK_EQ(s.req.unique, 77);
        CHECK_EQ(s.req.opcode, FUSE_OPEN);
        CHECK_EQ(s.req.nodeid, 5);
        CHECK_EQ(s.req.pid, 4242);
        CHECK(s.req.since >= t0 && s.req.since <= rec_now_ns());
        CHECK_MSG(s.call.call && strcmp(s.call.call, "read") == 0, "call %s",
                  s.call.call ? s.call.call : "(null)");
        CHECK_EQ(s.call.fd, p[0]);
        CHECK_EQ(s.call.arg, 42);
        CHECK_EQ(s.call.since, 0);             /* the recorder is off: not timed */
        CHECK(s.call.seq >= 1);
        char name[64];
        CHECK_EQ(worker_copy_str(s.call.name, name, sizeof name), 8);
        CHECK_MSG(strcmp(name, "the-name") == 0, "name '%s'", name);
        CHECK(worker_still_in_call(slot, &s));

        /* The watchdog marks it; the reply gets stamped. */
        CHECK(worker_mark_stalled(slot, 77));
        CHECK_EQ(worker_stall_reply(slot, 77), 0);
        CHECK(!worker_mark_stalled(slot, 78));   /* not what the slot holds */
        CHECK(worker_mark_stalled(slot, 77));
    }
    CHECK(write(p[1], "x", 1) == 1);
    for (int i = 0; i < 2000 && !atomic_load(&b.done); i++)
        pause_ms(5);
    CHECK(atomic_load(&b.done));
    pthread_join(t, NULL);
    if (slot >= 0) {
        CHECK_MSG(worker_stall_reply(slot, 77) != 0, "the %sreply of a stalled request was not stamped",
                  spliced ? "spliced " : "");
        CHECK(!worker_still_in_call(slot, &s));
        /* the thread exited: its slot is free, the stamp still there */
        struct worker_snap after;
        CHECK(!worker_snapshot(slot, &after));
        worker_unmark_stalled(slot, 77);
        CHECK_EQ(worker_stall_reply(slot, 77), 0);
    }
    CHECK_EQ(b.handed.unique, 77);
    CHECK_EQ(b.handed.opcode, FUSE_OPEN);
    CHECK_EQ(b.handed.pid, 4242);
    close(p[0]);
    close(p[1]);
}

/* A request handed to another thread (a lock waiter) keeps its identity. */
struct adopt {
    struct worker_req r;
    _Atomic uint32_t tid;
    _Atomic int go;
};

static void *adopter(void *arg)
{
    struct adopt *a = arg;
    worker_adopt(&a->r);
    CHECK_EQ(rec_current_unique(), a->r.unique);
    atomic_store(&a->tid, (uint32_t)syscall(SYS_gettid));
    while (!atomic_load(&a->go))
        pause_ms(1);
    return NULL;
}

static void test_handoff(void)
{
    take(91, FUSE_SETLKW, 9, 777);
    struct adopt a = { 0 };
    worker_current(&a.r);
    CHECK_EQ(a.r.unique, 91);
    CHECK_EQ(a.r.opcode, FUSE_SETLKW);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, adopter, &a) == 0);
    for (int i = 0; i < 2000 && !atomic_load(&a.tid); i++)
        pause_ms(5);
    struct worker_snap s;
    int slot = slot_of(atomic_load(&a.tid), &s);
    CHECK(slot >= 0);
    if (slot >= 0) {
        CHECK_EQ(s.req.unique, 91);
        CHECK_EQ(s.req.since, a.r.since);
        CHECK_EQ(s.req.pid, 777);
        CHECK(!s.in_call);
    }
    atomic_store(&a.go, 1);
    pthread_join(t, NULL);
    worker_idle();
}

static void test_copy_str(void)
{
    long page = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    if (m == MAP_FAILED)
        return;
    CHECK(munmap(m + page, (size_t)page) == 0);
    char *s = m + page - 6;
    memcpy(s, "edge\0", 5);
    char buf[64];
    CHECK_EQ(worker_copy_str(s, buf, sizeof buf), 4);
    CHECK(strcmp(buf, "edge") == 0);
    /* no NUL before the unmapped page: what was readable, cut */
    memset(m + page - 3, 'z', 3);
    CHECK_EQ(worker_copy_str(m + page - 3, buf, sizeof buf), 3);
    CHECK_EQ(worker_copy_str(m + page, buf, sizeof buf), 0);
    CHECK_EQ(worker_copy_str(NULL, buf, sizeof buf), 0);
    munmap(m, (size_t)page);
}

int main(void)
{
    worker_watch();
    CHECK(worker_watching);
    test_blocked_call(false);
    test_blocked_call(true);
    test_handoff();
    test_copy_str();
    CHECK_EQ(worker_unwatched(), 0);
    return tcheck_done("worker-state");
}
