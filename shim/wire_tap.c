/* wire_tap.c — see wire_tap.h. */
#include "shim/wire_tap.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "shim/fs.h"
#include "shim/proc_reader.h"
#include "shim/proc_table.h"
#include "trace/recorder.h"
#include "trace/worker_state.h"

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
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
        /* Before anything that could block on the request's behalf: the
         * stall watchdog sees it held, the recording has it in a ring. */
        worker_take(buf, (size_t)n);
        rec_wire_request(buf, (size_t)n);
        /* Who the caller is, the recorder learns from the connector and
         * the identity thread (proc_table.h); a caller they have not
         * described yet is queued for a read, never read here.  (The tap
         * also runs unrecorded, for the stall watchdog alone.) */
        struct fuse_in_header ih;
        if (rec_enabled() && (size_t)n >= sizeof ih) {
            memcpy(&ih, buf, sizeof ih);
            unsigned what = pt_note_request(ih.pid, PT_READ_IDENTITY |
                                                    (fs->creds ? PT_READ_CREDS : 0));
            if (what)
                proc_reader_request(ih.pid, what, false);
        }
        pthread_setcancelstate(old, NULL);
        errno = saved;
    }
    return n;
}

/* Recorded before it is written: once written, the kernel may already send
 * the request this reply makes possible, and the trace must not show the
 * effect before its cause.  A write that then fails is recorded by the reply
 * wrapper (reply.c) as a failed fuse_reply_*. */
static ssize_t tap_writev(int fd, struct iovec *iov, int count, void *userdata)
{
    (void)userdata;
    rec_wire_reply(iov, count);
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

int wire_tap_install(struct fuse_session *se)
{
    static const struct fuse_custom_io io = {
        .read = tap_read,
        .writev = tap_writev,
        .splice_send = tap_splice_send,
    };
    return fuse_session_custom_io(se, &io, fuse_session_fd(se));
}
