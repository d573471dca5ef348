/* test_ring_order.c — the writer merges the per-thread rings by time and
 * must not store a record later than one a producer has stamped but not yet
 * published.  This test holds a producer exactly there, without a hook in
 * the recorder: the name bytes of its LOOKUP request lie on a page that is
 * registered with userfaultfd and not yet populated, so the producer's
 * copy into its ring blocks in the page fault after the stamp and before
 * the publish, until the test fills the page.
 *
 * Meanwhile another thread publishes a later request (B), and the main
 * thread pushes two process events with an earlier time of their own (P1,
 * P2, one after the other).  When the writer has consumed P2 it has scanned
 * every ring after B was published; it must still have left B in its ring.
 * After the release, the database must hold the held request before B.
 * A writer without the barrier takes B in that scan (it is earlier than
 * the writer's clock), so both assertions fail on it deterministically. */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "trace/rec_ring.h"
#include "trace/recorder.h"
#include "tracedb/tracedb.h"
#include "tt_util.h"

#define HELD_UNIQUE 100
#define LATER_UNIQUE 200
#define WAIT_MS 20000          /* bound on every wait; never reached when it works */

static long page;
static uint8_t *area;          /* two pages: [0] populated, [1] registered, missing */
static size_t held_len;        /* the held request: header + name, across the boundary */
static _Atomic uint32_t tid_of[2];   /* 0: held producer, 1: B */
/* B stays alive until the end: a ring whose thread exited is handed to the
 * next thread that claims one, and B's must stay B's alone. */
static sem_t b_pushed, b_may_exit;

static uint32_t gettid_u32(void) { return (uint32_t)syscall(SYS_gettid); }

static void *held_producer(void *arg)
{
    (void)arg;
    tid_of[0] = gettid_u32();
    /* wire_request reads the header (page 0) before it stamps, and copies
     * the whole message into the ring after it stamped: the copy faults on
     * page 1 and blocks until the test fills it. */
    rec_wire_request(area + page - sizeof(struct fuse_in_header), held_len);
    return NULL;
}

static void *later_request(void *arg)
{
    (void)arg;
    tid_of[1] = gettid_u32();
    uint8_t args[16];
    size_t n = tt_names(args, "later", NULL);
    tt_send_req(FUSE_LOOKUP, LATER_UNIQUE, 1, (uint32_t)getpid(), args, n);
    sem_post(&b_pushed);
    while (sem_wait(&b_may_exit) != 0 && errno == EINTR)
        ;
    return NULL;
}

/* The ring a thread of `tid` pushed into. */
static struct rec_ring *ring_of(uint32_t tid)
{
    int n = atomic_load(&rec_ring_count);
    for (int i = 0; i < n; i++)
        if (rec_rings[i].tid == tid)
            return &rec_rings[i];
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Wait (bounded) until the writer consumed everything in r. */
static bool drained(struct rec_ring *r)
{
    for (int i = 0; i < WAIT_MS; i++) {
        if (atomic_load(&r->tail) == atomic_load(&r->head))
            return true;
        sleep_ms(1);
    }
    return false;
}

/* From the main thread, whose ring holds nothing else. */
static void push_process_event(uint64_t ts, uint32_t pid)
{
    struct rec_proc_event e = { .kind = REC_PROC_EXIT, .ts = ts, .pid = pid, .tgid = pid };
    rec_proc_event(&e);
    struct rec_ring *r = ring_of(gettid_u32());
    CHECK_MSG(r != NULL, "no ring for the main thread");
    if (r)
        CHECK_MSG(drained(r), "the writer did not take a process event older than "
                  "every pending stamp within %d ms", WAIT_MS);
}

int main(void)
{
    page = sysconf(_SC_PAGESIZE);
    int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (uffd < 0) {
        /* needs CAP_SYS_PTRACE or vm.unprivileged_userfaultfd=1 */
        fprintf(stderr, "ring-order: userfaultfd: %s (skipped)\n", strerror(errno));
        return 77;
    }
    struct uffdio_api api = { .api = UFFD_API };
    CHECK(ioctl(uffd, UFFDIO_API, &api) == 0);
    area = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(area != MAP_FAILED);
    struct uffdio_register reg = {
        .range = { .start = (uintptr_t)(area + page), .len = (uint64_t)page },
        .mode = UFFDIO_REGISTER_MODE_MISSING,
    };
    CHECK_MSG(ioctl(uffd, UFFDIO_REGISTER, &reg) == 0, "UFFDIO_REGISTER: %s", strerror(errno));

    /* The held request: its header at the end of page 0, its name at the
     * start of page 1 (written there when the test releases the fault). */
    const char name[] = "held";
    held_len = sizeof(struct fuse_in_header) + sizeof name;
    struct fuse_in_header ih = { .len = (uint32_t)held_len, .opcode = FUSE_LOOKUP,
                                 .unique = HELD_UNIQUE, .nodeid = 1,
                                 .pid = (uint32_t)getpid() };
    memcpy(area + page - sizeof ih, &ih, sizeof ih);

    CHECK(mkdir(tt_path("mnt"), 0700) == 0);
    const char *db = tt_path("order.db");
    char err[512];
    struct rec_config cfg = { .db_path = db, .mountpoint = tt_path("mnt") };
    CHECK_MSG(recorder_open(&cfg, err, sizeof err) == 0, "%s", err);
    uint64_t before = rec_now_ns();

    pthread_t a;
    CHECK(pthread_create(&a, NULL, held_producer, NULL) == 0);
    /* The fault is the proof that the producer is between stamp and publish. */
    struct pollfd pfd = { .fd = uffd, .events = POLLIN };
    CHECK_MSG(poll(&pfd, 1, WAIT_MS) == 1, "the producer never touched the held page");
    struct uffd_msg msg;
    CHECK(read(uffd, &msg, sizeof msg) == (ssize_t)sizeof msg);
    CHECK_EQ(msg.event, UFFD_EVENT_PAGEFAULT);

    pthread_t b;
    CHECK(sem_init(&b_pushed, 0, 0) == 0 && sem_init(&b_may_exit, 0, 0) == 0);
    CHECK(pthread_create(&b, NULL, later_request, NULL) == 0);
    while (sem_wait(&b_pushed) != 0 && errno == EINTR)
        ;
    struct rec_ring *rb = ring_of(tid_of[1]);
    CHECK_MSG(rb != NULL, "no ring for B");

    /* Two process events with a time before the held stamp, one after the
     * other: the scan that took the second began after B was published. */
    push_process_event(before, 4242);
    push_process_event(before + 1, 4243);

    if (rb)
        CHECK_MSG(atomic_load(&rb->tail) != atomic_load(&rb->head),
                  "the writer stored B (stamped after the held request) while the held "
                  "request was still unpublished");

    sem_post(&b_may_exit);
    pthread_join(b, NULL);

    /* Release: fill page 1 with the name; the copy resumes. */
    uint8_t *fill = aligned_alloc((size_t)page, (size_t)page);
    CHECK(fill != NULL);
    memset(fill, 0, (size_t)page);
    memcpy(fill, name, sizeof name);
    struct uffdio_copy cp = { .dst = (uintptr_t)(area + page), .src = (uintptr_t)fill,
                              .len = (uint64_t)page };
    CHECK_MSG(ioctl(uffd, UFFDIO_COPY, &cp) == 0, "UFFDIO_COPY: %s", strerror(errno));
    pthread_join(a, NULL);
    free(fill);

    struct rec_result res;
    recorder_close(&res);
    CHECK_MSG(res.complete, "%s", res.reason);

    sqlite3 *d;
    struct tracedb_info info;
    CHECK_MSG(tracedb_open(db, &d, &info, err, sizeof err) == 0, "%s", err);
    if (d) {
        long long held_id = tt_int(d, "SELECT id FROM request WHERE unique_id = 100", -1);
        long long later_id = tt_int(d, "SELECT id FROM request WHERE unique_id = 200", -1);
        CHECK_MSG(held_id > 0 && later_id > 0, "held %lld later %lld", held_id, later_id);
        CHECK_MSG(held_id < later_id, "B (id %lld) was stored before the request stamped "
                  "earlier (id %lld)", later_id, held_id);
        CHECK(tt_int(d, "SELECT ts FROM request WHERE unique_id = 100", 0)
              < tt_int(d, "SELECT ts FROM request WHERE unique_id = 200", 0));
        CHECK_EQ(tt_int(d, "SELECT count(*) FROM process_event WHERE pid IN (4242, 4243)", -1), 2);
        CHECK(strcmp(tt_text(d, "SELECT name FROM request WHERE unique_id = 100"), "held") == 0);
        sqlite3_close(d);
    }
    munmap(area, 2 * (size_t)page);
    close(uffd);
    int rc = tcheck_done("ring-order");
    tt_cleanup();
    return rc;
}
