/* wire_tap.c — see wire_tap.h. */
#include "shim/wire_tap.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim/fs.h"
#include "shim/proc_reader.h"
#include "shim/proc_table.h"
#include "shim/disconnect.h"
#include "trace/recorder.h"
#include "trace/worker_state.h"
#include "wire/tap_edit.h"

/* What this thread last read: libfuse dispatches a request on the thread
 * that read it, and a reply to it is written from that thread too (INIT,
 * and every op of this shim answers on its own thread). */
static _Thread_local struct {
    uint64_t unique;
    uint32_t opcode;               /* as the kernel sent it */
    uint32_t handed;               /* as handed to libfuse */
    struct fuse_ext_statx_in statx;
    /* wire_tap_passthrough_next */
    bool pt_pending, pt_done;
    uint64_t pt_fh;
    int32_t pt_backing_id;
} tl;

/* The kernel's INIT flags (flags | flags2 << 32), read on the thread that
 * answers INIT before any other request is served. */
static uint64_t kernel_init_flags;

void wire_tap_passthrough_next(uint64_t fh, int32_t backing_id)
{
    tl.pt_pending = true;
    tl.pt_done = false;
    tl.pt_fh = fh;
    tl.pt_backing_id = backing_id;
}

bool wire_tap_passthrough_done(void)
{
    bool done = tl.pt_done;
    tl.pt_pending = tl.pt_done = false;
    return done;
}

uint32_t wire_tap_original_opcode(void) { return tl.handed != tl.opcode ? tl.opcode : 0; }
const struct fuse_ext_statx_in *wire_tap_statx_in(void) { return &tl.statx; }

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Decide what libfuse gets for a request; returns the edits (recorded with
 * the original bytes, which are then changed in place). */
static uint32_t inspect_request(uint8_t *buf, size_t n)
{
    struct fuse_in_header ih;
    tl.unique = 0;
    tl.opcode = tl.handed = 0;
    if (n < sizeof ih)
        return 0;
    memcpy(&ih, buf, sizeof ih);
    tl.unique = ih.unique;
    tl.opcode = tl.handed = ih.opcode;
    const uint8_t *arg = buf + sizeof ih;
    size_t alen = n - sizeof ih;
    switch (ih.opcode) {
    case FUSE_INIT:
        if (alen >= FUSE_EXT_INIT_IN_MIN) {
            uint64_t f = rd32(arg + FUSE_EXT_INIT_IN_FLAGS_OFF);
            if (f & FUSE_EXT_INIT_EXT)
                f |= (uint64_t)rd32(arg + FUSE_EXT_INIT_IN_FLAGS2_OFF) << 32;
            kernel_init_flags = f;
        }
        return 0;
    case FUSE_EXT_OP_STATX:
        if (alen < sizeof tl.statx)
            return 0;           /* libfuse answers ENOSYS, as before */
        memcpy(&tl.statx, arg, sizeof tl.statx);
        tl.handed = FUSE_GETATTR;
        return WIRE_TAP_REQ_STATX_AS_GETATTR;
    case FUSE_TMPFILE:
        tl.handed = FUSE_CREATE;
        return WIRE_TAP_REQ_TMPFILE_AS_CREATE;
    default:
        return 0;
    }
}

/* libfuse's worker threads enable cancellation only while they wait in this
 * read, and cancel idle workers when the session ends.  The recorder may
 * wait for ring space (lossless mode), which must not be a cancellation
 * point holding its locks, so recording runs with cancellation off. */
static ssize_t tap_read(int fd, void *buf, size_t len, void *userdata)
{
    struct fs *fs = userdata;
    worker_idle();
    ssize_t n = read(fd, buf, len);
    if (n > 0) {
        int saved = errno, old;
        uint32_t edits = inspect_request(buf, (size_t)n);
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
        /* Before anything that could block on the request's behalf: the
         * stall watchdog sees it held, the recording has it in a ring
         * (the bytes as the kernel sent them, with the tap's edits). */
        worker_take(buf, (size_t)n);
        rec_wire_request_edited(buf, (size_t)n, edits);
        /* Who the caller is, the recorder learns from the connector and
         * the identity thread (proc_table.h); a caller they have not
         * described yet is queued for a read, never read here.  (The tap
         * runs on every session, recorded or not.) */
        struct fuse_in_header ih;
        if (rec_enabled() && (size_t)n >= sizeof ih) {
            memcpy(&ih, buf, sizeof ih);
            unsigned what = pt_note_request(ih.pid, PT_READ_IDENTITY |
                                                    (fs->creds ? PT_READ_CREDS : 0));
            if (what)
                proc_reader_request(ih.pid, what, false);
        }
        pthread_setcancelstate(old, NULL);
        if (tl.handed != tl.opcode) {
            struct fuse_in_header *handed = buf;
            handed->opcode = tl.handed;
        }
        errno = saved;
    } else if (n < 0 && (errno == ENODEV || errno == ECONNABORTED)) {
        /* The connection is gone: now, while the mount is as the kernel
         * left it, tell an abort from an unmount.  libfuse cancels the
         * workers as soon as one of them has ended its loop; the look
         * (open, statx, close, a line on stderr) must not be cut short.
         *
         * ECONNABORTED without FUSE_ABORT_ERROR: a read that took a
         * request off the queue just as the connection shut down gets it
         * (fs/fuse/dev.c, fuse_dev_do_read: "must not put request on
         * fpq->io queue" after fuse_abort_conn), and a plain unmount
         * shuts the connection down through fuse_abort_conn too.  libfuse
         * 3.14 takes only ENODEV for the end of the session and would
         * call this one an error: after a clean unmount the daemon
         * exited 1 (seen once in CI's tests/mount/cycles.sh;
         * tests/mount/aborted_read.sh makes it certain).  Either
         * way the connection is over, and session_note_disconnect()
         * tells an abort by the mount still being there. */
        int old;
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
        session_note_disconnect(fs);
        pthread_setcancelstate(old, NULL);
        errno = ENODEV;
    }
    return n;
}

/* The byte at `off` of the whole message, if one iovec holds the 4 bytes. */
static uint8_t *msg_at(struct iovec *iov, int count, size_t off)
{
    for (int i = 0; i < count; i++) {
        if (off + 4 <= iov[i].iov_len)
            return (uint8_t *)iov[i].iov_base + off;
        if (off < iov[i].iov_len)
            return NULL;
        off -= iov[i].iov_len;
    }
    return NULL;
}

/* Without FUSE_DIRECT_IO_ALLOW_MMAP (Linux before 6.6) the kernel refuses a
 * shared mapping of a file opened with FOPEN_DIRECT_IO (mmap fails with
 * ENODEV, where natively it works: sqlite's WAL mode, for one, cannot open
 * a database).  Said once when an open may ask for direct I/O.  The tests
 * set FUSETRACE_TEST_NO_DIRECT_MMAP=1 to act as such a kernel (the flag is
 * then not asked for even when offered). */
#define NO_DIRECT_MMAP_ENV "FUSETRACE_TEST_NO_DIRECT_MMAP"

static void note_direct_mmap(const struct fs *fs)
{
    if (io_policy_may_ask(&fs->cfg.io, IO_DIRECT) && !fs->direct_mmap_on)
        fprintf(stderr, "fusetrace: the kernel did not offer FUSE_DIRECT_IO_ALLOW_MMAP "
                        "(Linux 6.6+); a shared mmap of a file opened for direct I/O "
                        "fails with ENODEV\n");
}

static uint32_t edit_init(struct fs *fs, struct iovec *iov, int count, size_t total)
{
    size_t base = sizeof(struct fuse_out_header);
    uint8_t *flags = NULL, *flags2 = NULL, *depth = NULL;
    if (total >= base + FUSE_EXT_INIT_OUT_SIZE) {
        flags = msg_at(iov, count, base + FUSE_EXT_INIT_OUT_FLAGS_OFF);
        flags2 = msg_at(iov, count, base + FUSE_EXT_INIT_OUT_FLAGS2_OFF);
        depth = msg_at(iov, count, base + FUSE_EXT_INIT_OUT_STACK_OFF);
    }
    if (!flags || !flags2 || !depth || !(rd32(flags) & FUSE_EXT_INIT_EXT)) {
        note_direct_mmap(fs);
        return 0;           /* no flags2 in this reply: nothing can be added */
    }
    uint32_t edits = 0;
    uint32_t f2 = rd32(flags2);
    /* Shared mmap of direct-I/O files, always when offered: the kernel then
     * serves such a mapping through the page cache (entering the inode's
     * cached mode), as a native file's would be. */
    const char *no_mmap = getenv(NO_DIRECT_MMAP_ENV);
    if ((kernel_init_flags & FUSE_EXT_DIRECT_IO_ALLOW_MMAP) &&
        !(no_mmap && strcmp(no_mmap, "1") == 0)) {
        f2 |= (uint32_t)(FUSE_EXT_DIRECT_IO_ALLOW_MMAP >> 32);
        fs->direct_mmap_on = true;
        edits |= WIRE_TAP_INIT_ALLOW_MMAP;
    }
    /* Passthrough when some open may ask for it.  The kernel ignores the
     * flag together with the writeback cache (the command line refuses
     * that combination). */
    bool wb = rd32(flags) & FUSE_WRITEBACK_CACHE;
    if (io_policy_may_ask(&fs->cfg.io, IO_PASSTHROUGH) && !wb &&
        (kernel_init_flags & FUSE_EXT_PASSTHROUGH)) {
        f2 |= (uint32_t)(FUSE_EXT_PASSTHROUGH >> 32);
        wr32(depth, (uint32_t)fs->passthrough_depth);
        fs->passthrough_on = true;
        edits |= WIRE_TAP_INIT_PASSTHROUGH | WIRE_TAP_INIT_STACK_DEPTH;
    }
    wr32(flags2, f2);
    note_direct_mmap(fs);
    if (io_policy_may_ask(&fs->cfg.io, IO_PASSTHROUGH) && !fs->passthrough_on)
        fprintf(stderr, "fusetrace: the kernel did not offer FUSE passthrough (Linux 6.9+); "
                        "opens that ask for it are served cached\n");
    return edits;
}

static uint32_t edit_open(struct iovec *iov, int count, size_t total)
{
    /* fuse_open_out ends the reply: alone (OPEN), or after fuse_entry_out
     * (CREATE, and TMPFILE answered as CREATE). */
    if (total < sizeof(struct fuse_out_header) + FUSE_EXT_OPEN_OUT_SIZE)
        return 0;
    size_t at = total - FUSE_EXT_OPEN_OUT_SIZE;
    uint8_t *fh = msg_at(iov, count, at);
    uint8_t *fh_hi = msg_at(iov, count, at + 4);
    uint8_t *flags = msg_at(iov, count, at + FUSE_EXT_OPEN_OUT_FLAGS_OFF);
    uint8_t *backing = msg_at(iov, count, at + FUSE_EXT_OPEN_OUT_BACKING_OFF);
    if (!fh || !fh_hi || !flags || !backing ||
        (rd32(fh) | (uint64_t)rd32(fh_hi) << 32) != tl.pt_fh)
        return 0;
    wr32(flags, rd32(flags) | FUSE_EXT_FOPEN_PASSTHROUGH);
    wr32(backing, (uint32_t)tl.pt_backing_id);
    tl.pt_done = true;
    return WIRE_TAP_OPEN_PASSTHROUGH | WIRE_TAP_OPEN_BACKING_ID;
}

/* Edited, then recorded, then written: the recording holds the bytes the
 * kernel gets.  Recorded before it is written: once written, the kernel may
 * already send the request this reply makes possible, and the trace must
 * not show the effect before its cause.  A write that then fails is
 * recorded by the reply wrapper (reply.c) as a failed fuse_reply_*. */
static ssize_t tap_writev(int fd, struct iovec *iov, int count, void *userdata)
{
    struct fs *fs = userdata;
    uint32_t edits = 0;
    if (count > 0 && iov[0].iov_len >= sizeof(struct fuse_out_header)) {
        const struct fuse_out_header *oh = iov[0].iov_base;
        size_t total = 0;
        for (int i = 0; i < count; i++)
            total += iov[i].iov_len;
        if (oh->unique && oh->unique == tl.unique && oh->error == 0) {
            if (tl.opcode == FUSE_INIT)
                edits = edit_init(fs, iov, count, total);
            else if (tl.pt_pending && (tl.opcode == FUSE_OPEN || tl.opcode == FUSE_CREATE ||
                                       tl.opcode == FUSE_TMPFILE))
                edits = edit_open(iov, count, total);
        }
    }
    rec_wire_reply(iov, count, edits);
    worker_replied(iov, count);
    return writev(fd, iov, count);
}

/* A spliced reply: a READ's data moved from the source file through a pipe
 * into the device, without a copy.  Splice is negotiated only when nothing
 * records (the recorder needs the bytes), so here only the stall watchdog
 * listens: the reply ends the request this thread holds. */
static ssize_t tap_splice_send(int fdin, off_t *offin, int fdout, off_t *offout, size_t len,
                               unsigned int flags, void *userdata)
{
    (void)userdata;
    assert(!rec_enabled());
    worker_replied_held();
    return splice(fdin, offin, fdout, offout, len, flags);
}

int wire_tap_install(struct fs *fs)
{
    static const struct fuse_custom_io io = {
        .read = tap_read,
        .writev = tap_writev,
        .splice_send = tap_splice_send,
    };
    return fuse_session_custom_io(fs->se, &io, fuse_session_fd(fs->se));
}
