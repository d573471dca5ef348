/* ktrace_reader.c — see ktrace_reader.h. */
#include "trace/ktrace_reader.h"

#include <errno.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>
#include <tracefs.h>

#include "trace/ktrace_instance.h"
#include "trace/recorder.h"

/* Pages read from one CPU in one pass (after the first): bounds the
 * memory a pass holds while the daemon is busy. */
#define PASS_PAGES 256
#define IDLE_NS (10ULL * 1000 * 1000)
#define LOSS_CHECK_NS (1000ULL * 1000 * 1000)

struct kev {
    uint64_t ts, unique;
    uint32_t kind, opcode, len, tid;
    int32_t error;
};

/* The fields of one event, found by name in the kernel's format. */
struct kfields {
    int id;
    struct tep_format_field *conn, *unique, *opcode, *len, *error, *pid;
};

struct kt_reader {
    struct tracefs_instance *in;
    struct tep_handle *tep;
    struct kfields send, end;
    int ncpu;
    struct tracefs_cpu **cpu;          /* NULL for a CPU that could not be opened */
    struct kbuffer *kbuf;
    void *page;
    int page_size;
    uint32_t kdev;
    uint64_t begin_ns, mount_done_ns;
    bool anchored;                     /* the first pass has been sorted out */
    uint64_t init_ts;                  /* our INIT's queue time, 0 if not seen */
    bool foreign;                      /* another connection has our number now */
    struct kev *ev;
    size_t nev, cap;
    uint64_t lost_reported, last_loss_check;
    pthread_t th;
    _Atomic bool stop;
    bool read_error_said;
};

static int fields_of(struct tep_handle *tep, const char *name, struct kfields *f, bool send)
{
    struct tep_event *e = tep_find_event_by_name(tep, "fuse", name);
    if (!e)
        return -1;
    f->id = e->id;
    f->conn = tep_find_field(e, "connection");
    f->unique = tep_find_field(e, "unique");
    f->len = tep_find_field(e, "len");
    f->opcode = send ? tep_find_field(e, "opcode") : NULL;
    f->error = send ? NULL : tep_find_field(e, "error");
    f->pid = tep_find_common_field(e, "common_pid");
    if (!f->conn || !f->unique || !f->len || !f->pid || (send ? !f->opcode : !f->error))
        return -1;
    return 0;
}

/* What the reader needs of the kernel's formats: the ring buffer's page
 * header and the two fuse events.  Read by hand rather than with
 * tracefs_local_events_system(), which also parses /proc/kallsyms (0.2 s
 * and more here) while the kernel holds our INIT. */
static struct tep_handle *fuse_formats(void)
{
    struct tep_handle *tep = tep_alloc();
    if (!tep)
        return NULL;
    enum tep_endian host = tep_is_bigendian() ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN;
    tep_set_file_bigendian(tep, host);
    tep_set_local_bigendian(tep, host);
    tep_set_long_size(tep, (int)sizeof(long));
    tep_set_page_size(tep, getpagesize());
    static const char *const files[] = {
        "events/header_page", "events/fuse/fuse_request_send/format",
        "events/fuse/fuse_request_end/format",
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        int size = 0;
        char *text = tracefs_instance_file_read(NULL, files[i], &size);
        bool ok = text && size > 0
                  && (i == 0 ? tep_parse_header_page(tep, text, (unsigned long)size, (int)sizeof(long)) == 0
                             : tep_parse_event(tep, text, (unsigned long)size, "fuse") == TEP_ERRNO__SUCCESS);
        free(text);
        if (!ok) {
            tep_free(tep);
            return NULL;
        }
    }
    return tep;
}

static uint64_t num(struct tep_format_field *f, const void *data)
{
    unsigned long long v = 0;
    tep_read_number_field(f, data, &v);
    return v;
}

static bool push(struct kt_reader *r, const struct kev *e)
{
    if (r->nev == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 1024;
        struct kev *n = realloc(r->ev, nc * sizeof *n);
        if (!n)
            return false;
        r->ev = n;
        r->cap = nc;
    }
    r->ev[r->nev++] = *e;
    return true;
}

/* Decode the records of the page in r->page; keep those of our connection. */
static void decode_page(struct kt_reader *r)
{
    if (kbuffer_load_subbuffer(r->kbuf, r->page) < 0)
        return;
    unsigned long long ts;
    for (void *d = kbuffer_read_event(r->kbuf, &ts); d; d = kbuffer_next_event(r->kbuf, &ts)) {
        uint16_t type;
        memcpy(&type, d, sizeof type);     /* common_type: the record's first field */
        const struct kfields *f = type == r->send.id ? &r->send
                                : type == r->end.id ? &r->end : NULL;
        if (!f || (uint32_t)num(f->conn, d) != r->kdev)
            continue;
        struct kev e = {
            .ts = ts, .unique = num(f->unique, d), .len = (uint32_t)num(f->len, d),
            .tid = (uint32_t)num(f->pid, d),
        };
        if (f == &r->send) {
            e.kind = REC_KERNEL_SEND;
            e.opcode = (uint32_t)num(f->opcode, d);
        } else {
            e.kind = REC_KERNEL_END;
            e.error = (int32_t)num(f->error, d);
        }
        if (!push(r, &e)) {
            /* Out of memory: what cannot be kept is lost, and said so. */
            rec_kernel_lost(1, ts);
        }
    }
}

static int by_ts(const void *a, const void *b)
{
    const struct kev *x = a, *y = b;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* The first pass: before our mount returned, events of our device number
 * may be a previous owner's.  Ours start with our INIT, queued during
 * mount(2): the last INIT queued on the device number before the mount
 * returned.  Without one in the buffer (lost), keep what came after the
 * mount began. */
static size_t first_ours(struct kt_reader *r)
{
    uint64_t from = r->begin_ns;
    for (size_t i = 0; i < r->nev; i++) {
        const struct kev *e = &r->ev[i];
        if (e->ts >= r->mount_done_ns)
            break;
        if (e->kind == REC_KERNEL_SEND && e->opcode == FUSE_INIT)
            from = r->init_ts = e->ts;
    }
    size_t i = 0;
    while (i < r->nev && r->ev[i].ts < from)
        i++;
    return i;
}

static void report_loss(struct kt_reader *r)
{
    uint64_t lost = kt_lost(r->in);
    /* Once the number is another connection's, what the buffer drops is
     * not ours. */
    if (lost > r->lost_reported && !r->foreign) {
        rec_kernel_lost(lost - r->lost_reported, rec_now_ns());
        r->lost_reported = lost;
    }
    r->last_loss_check = rec_now_ns();
}

/* Read every CPU's buffer (all of it in the first pass, at most PASS_PAGES
 * pages per CPU after that), sort by time, record.  Returns the number of
 * events of ours recorded.
 *
 * Our connection has one INIT, queued during our mount.  Another INIT on
 * our device number later means our connection is gone and a new mount
 * got the number (the kernel hands it out again at once): nothing from
 * there on is ours, though it matches the filter until the instance's
 * events are disabled. */
static size_t pass(struct kt_reader *r)
{
    r->nev = 0;
    for (int c = 0; c < r->ncpu; c++) {
        if (!r->cpu[c])
            continue;
        for (int p = 0; !r->anchored || p < PASS_PAGES; p++) {
            int n = tracefs_cpu_read(r->cpu[c], r->page, true);
            if (n <= 0) {
                if (n < 0 && errno != EAGAIN && errno != EINTR && !r->read_error_said) {
                    r->read_error_said = true;
                    fprintf(stderr, "fusetrace: reading the kernel's trace buffer of CPU %d: %s\n",
                            c, strerror(errno));
                }
                break;
            }
            decode_page(r);
        }
    }
    qsort(r->ev, r->nev, sizeof *r->ev, by_ts);
    size_t from = r->anchored ? 0 : first_ours(r);
    r->anchored = true;
    size_t ours = 0;
    for (size_t i = from; i < r->nev && !r->foreign; i++) {
        const struct kev *e = &r->ev[i];
        if (e->kind == REC_KERNEL_SEND && e->opcode == FUSE_INIT && e->ts != r->init_ts
            && e->ts >= r->mount_done_ns) {
            r->foreign = true;
            break;
        }
        ours++;
        struct rec_kernel_event k = {
            .kind = (enum rec_kernel_kind)e->kind, .ts = e->ts, .unique = e->unique,
            .opcode = e->opcode, .len = e->len, .error = e->error, .tid = e->tid,
        };
        rec_kernel(&k);
    }
    return ours;
}

static void *reader_main(void *arg)
{
    struct kt_reader *r = arg;
    pthread_setname_np(pthread_self(), "ft-ktrace");
    for (;;) {
        bool stopping = atomic_load(&r->stop);
        size_t n = pass(r);
        if (rec_now_ns() - r->last_loss_check >= LOSS_CHECK_NS)
            report_loss(r);
        if (n)
            continue;
        /* Stop only after a pass without events of ours that began once
         * stop was set: the connection is gone and the events disabled
         * by then, so nothing more of ours can come. */
        if (stopping)
            break;
        struct timespec ts = { 0, (long)IDLE_NS };
        nanosleep(&ts, NULL);
    }
    report_loss(r);
    return NULL;
}

static void reader_free(struct kt_reader *r)
{
    if (r->cpu)
        for (int c = 0; c < r->ncpu; c++)
            if (r->cpu[c])
                tracefs_cpu_close(r->cpu[c]);
    free(r->cpu);
    if (r->kbuf)
        kbuffer_free(r->kbuf);
    free(r->page);
    free(r->ev);
    if (r->tep)
        tep_free(r->tep);
    free(r);
}

struct kt_reader *kt_reader_start(struct tracefs_instance *in, uint32_t kdev, uint64_t begin_ns,
                                  uint64_t mount_done_ns, char *why, size_t cap)
{
    struct kt_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(why, cap, "out of memory");
        return NULL;
    }
    r->in = in;
    r->kdev = kdev;
    r->begin_ns = begin_ns;
    r->mount_done_ns = mount_done_ns;
    r->tep = fuse_formats();
    if (!r->tep || fields_of(r->tep, "fuse_request_send", &r->send, true) < 0
        || fields_of(r->tep, "fuse_request_end", &r->end, false) < 0) {
        snprintf(why, cap, "cannot read the format of the fuse trace events");
        goto fail;
    }
    r->kbuf = tep_kbuffer(r->tep);
    long cpus = sysconf(_SC_NPROCESSORS_CONF);
    r->ncpu = cpus > 0 ? (int)cpus : 1;
    r->cpu = calloc((size_t)r->ncpu, sizeof *r->cpu);
    if (!r->kbuf || !r->cpu) {
        snprintf(why, cap, "out of memory");
        goto fail;
    }
    int opened = 0;
    for (int c = 0; c < r->ncpu; c++) {
        /* An offline CPU has no buffer to read; its events cannot occur. */
        r->cpu[c] = tracefs_cpu_open(in, c, true);
        if (!r->cpu[c])
            continue;
        opened++;
        int sz = tracefs_cpu_read_size(r->cpu[c]);
        if (sz > r->page_size)
            r->page_size = sz;
    }
    if (!opened || r->page_size <= 0) {
        snprintf(why, cap, "cannot open the per-CPU trace buffers of %s: %s",
                 tracefs_instance_get_name(in), strerror(errno));
        goto fail;
    }
    r->page = malloc((size_t)r->page_size);
    if (!r->page) {
        snprintf(why, cap, "out of memory");
        goto fail;
    }
    r->last_loss_check = rec_now_ns();
    /* No signal is for this thread: the daemon's own handling belongs to
     * the main and worker threads. */
    sigset_t all;
    sigfillset(&all);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setsigmask_np(&attr, &all);
    int rc = pthread_create(&r->th, &attr, reader_main, r);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        snprintf(why, cap, "cannot start the kernel trace reader: %s", strerror(rc));
        goto fail;
    }
    return r;
fail:
    reader_free(r);
    return NULL;
}

void kt_reader_stop(struct kt_reader *r)
{
    if (!r)
        return;
    atomic_store(&r->stop, true);
    pthread_join(r->th, NULL);
    reader_free(r);
}
