/* inode_io.c — each inode's I/O mode and backing file (rules in
 * inode_table.h, modes in io_mode.h).
 *
 * The decision and the counts change under the table lock; the two ioctls
 * that register and close a backing file run outside it.  Registration is
 * optimistic: an open that may make the inode passthrough registers its fd
 * first, then decides under the lock with the state as it is then.  If
 * another open made the inode passthrough in between, or opened it in
 * another mode, the fresh id is not needed and is closed again at once
 * (recorded as BACKING_OPEN then BACKING_CLOSE).
 */
#include "shim/inode.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "shim/passthrough_fd.h"

static void record_io(enum rec_inode_kind kind, const struct inode *ino, enum io_mode prev,
                      enum io_mode mode, enum io_why why, int32_t backing_id, int fd, int err,
                      const char *path)
{
    if (!rec_enabled())
        return;
    struct rec_inode_event e = {
        .kind = kind, .cause = REC_CAUSE_NONE, .nodeid = ino->nodeid, .nlookup = ino->nlookup,
        .io_prev = prev, .io_mode = mode, .io_why = why, .backing_id = backing_id,
        .fd = fd, .err = err, .name = path,
    };
    rec_inode(&e);
}

static enum io_mode mode_of_counts(const struct inode *n)
{
    if (n->io_opens[IO_PASSTHROUGH])
        return IO_PASSTHROUGH;
    if (n->io_opens[IO_CACHED])
        return IO_CACHED;
    if (n->io_opens[IO_DIRECT])
        return IO_DIRECT;
    return IO_NONE;
}

const char *io_state_broken(const struct inode *n)
{
    if (n->io_mode != mode_of_counts(n))
        return "its I/O mode disagrees with its open files";
    if (n->io_mode == IO_PASSTHROUGH && (n->io_opens[IO_CACHED] || n->io_opens[IO_DIRECT]))
        return "passthrough with cached or direct files open";
    if ((n->backing_id != 0) != (n->io_mode == IO_PASSTHROUGH))
        return "a backing file without passthrough files, or passthrough without one";
    if (n->io_mode != IO_NONE && !S_ISREG(n->type))
        return "an I/O mode on something that is not a regular file";
    return NULL;
}

/* Count one open in `mode` and record a change of the inode's mode. */
static void count_open(struct inode *n, enum io_mode mode, enum io_why why)
{
    enum io_mode prev = (enum io_mode)n->io_mode;
    n->io_opens[mode]++;
    n->io_mode = (uint8_t)mode_of_counts(n);
    if (n->io_mode != prev)
        record_io(REC_INODE_IO_MODE, n, prev, (enum io_mode)n->io_mode, why, n->backing_id, -1, 0,
                  NULL);
}

/* The mode an open asking for `asked` gets from the inode as it is now,
 * with no new backing file: passthrough only if the inode already is. */
static enum io_mode follow(const struct inode *n, enum io_mode asked, enum io_why *why)
{
    if (n->io_mode == IO_PASSTHROUGH) {
        *why = asked == IO_PASSTHROUGH ? IO_WHY_NONE : IO_WHY_INODE_MODE;
        return IO_PASSTHROUGH;
    }
    if (asked != IO_PASSTHROUGH) {
        *why = IO_WHY_NONE;
        return asked;
    }
    /* Cached files (or a shared mapping of a direct one, which the daemon
     * cannot see) keep the kernel from taking a passthrough open: cached is
     * what the kernel always accepts beside them. */
    *why = IO_WHY_FILES_OPEN;
    return IO_CACHED;
}

enum io_mode itab_io_open(struct inode_table *t, struct inode *ino, enum io_mode asked, int fd,
                          const char *path, int32_t *backing_id)
{
    struct fs *fs = t->fs;
    enum io_why why = IO_WHY_NONE;
    enum io_mode mode;
    int32_t fresh = 0, spare = 0;
    int reg_err = 0;

    *backing_id = 0;
    /* The kernel did not take passthrough at INIT: such opens are cached. */
    bool refused = asked == IO_PASSTHROUGH && !fs->passthrough_on;
    if (asked == IO_PASSTHROUGH && !refused) {
        pthread_mutex_lock(&t->lock);
        bool first = ino->io_mode == IO_NONE;
        pthread_mutex_unlock(&t->lock);
        if (first) {
            fresh = passthrough_register(fs, fd);
            if (fresh < 0) {
                reg_err = -fresh;
                fresh = 0;
            }
        }
    }

    if (reg_err) {
        static atomic_bool said;
        if (!atomic_exchange(&said, true))
            fprintf(stderr, "fusetrace: the kernel refused a passthrough backing file (%s); "
                            "such opens are served cached (recorded as IO_CONFLICT)\n",
                    strerror(reg_err));
    }
    pthread_mutex_lock(&t->lock);
    if (fresh || reg_err)
        record_io(REC_INODE_BACKING_OPEN, ino, IO_NONE, IO_NONE, IO_WHY_NONE, fresh, fd, reg_err,
                  path);
    if (refused) {
        mode = IO_CACHED;
        why = IO_WHY_NOT_NEGOTIATED;
    } else if (asked == IO_PASSTHROUGH && ino->io_mode == IO_NONE && fresh) {
        ino->backing_id = fresh;
        fresh = 0;
        mode = IO_PASSTHROUGH;
    } else if (asked == IO_PASSTHROUGH && ino->io_mode == IO_NONE && reg_err) {
        mode = IO_CACHED;
        why = IO_WHY_BACKING_FAILED;
    } else {
        mode = follow(ino, asked, &why);
    }
    if (why != IO_WHY_NONE)
        record_io(REC_INODE_IO_CONFLICT, ino, asked, mode, why,
                  mode == IO_PASSTHROUGH ? ino->backing_id : 0, -1, reg_err, NULL);
    count_open(ino, mode, IO_WHY_OPEN);
    if (mode == IO_PASSTHROUGH)
        *backing_id = ino->backing_id;
    spare = fresh;
    int32_t spare_rec = spare;
    pthread_mutex_unlock(&t->lock);

    if (spare) {
        int r = passthrough_unregister(fs, spare);
        pthread_mutex_lock(&t->lock);
        record_io(REC_INODE_BACKING_CLOSE, ino, IO_NONE, IO_NONE, IO_WHY_NONE, spare_rec, -1,
                  r < 0 ? -r : 0, NULL);
        pthread_mutex_unlock(&t->lock);
    }
    return mode;
}

void itab_io_release(struct inode_table *t, uint64_t nodeid, enum io_mode mode, enum io_why why)
{
    if (mode == IO_NONE)
        return;
    struct inode *ino = itab_get(t, nodeid);
    if (!ino)
        return;
    int32_t closing = 0;
    pthread_mutex_lock(&t->lock);
    if (ino->io_opens[mode] > 0) {
        enum io_mode prev = (enum io_mode)ino->io_mode;
        ino->io_opens[mode]--;
        ino->io_mode = (uint8_t)mode_of_counts(ino);
        if (prev == IO_PASSTHROUGH && ino->io_mode != IO_PASSTHROUGH) {
            closing = ino->backing_id;
            ino->backing_id = 0;
        }
        if (ino->io_mode != prev)
            record_io(REC_INODE_IO_MODE, ino, prev, (enum io_mode)ino->io_mode, why, closing, -1, 0,
                      NULL);
    }
    pthread_mutex_unlock(&t->lock);
    if (closing) {
        int r = passthrough_unregister(t->fs, closing);
        pthread_mutex_lock(&t->lock);
        record_io(REC_INODE_BACKING_CLOSE, ino, IO_NONE, IO_NONE, IO_WHY_NONE, closing, -1,
                  r < 0 ? -r : 0, NULL);
        pthread_mutex_unlock(&t->lock);
    }
    itab_put(t, ino);
}

enum io_mode itab_io_mode(struct inode_table *t, uint64_t nodeid, int32_t *backing_id)
{
    struct inode *ino = itab_get(t, nodeid);
    if (!ino) {
        *backing_id = 0;
        return IO_NONE;
    }
    pthread_mutex_lock(&t->lock);
    enum io_mode m = (enum io_mode)ino->io_mode;
    *backing_id = ino->backing_id;
    pthread_mutex_unlock(&t->lock);
    itab_put(t, ino);
    return m;
}
