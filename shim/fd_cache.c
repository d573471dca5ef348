/* fd_cache.c — the bounded LRU of fds reopened for handle-backed inodes.
 *
 * Why it exists: with file handles an inode costs no fd while the kernel
 * merely remembers it, so `find` over a million files no longer needs a
 * million O_PATH fds.  Ops still need an fd to work on; they get one from
 * here, reopened by handle when it was evicted.  The daemon's fd use is then
 * bounded by the limit plus the entries ops hold at that moment (an entry in
 * use is never evicted: its fd was handed out and must stay valid until
 * itab_put), i.e. limit + (inodes per op ≤ 2) × threads.
 *
 * Every function runs under the table lock (see inode.h).
 */
#include "shim/inode.h"

static void record_fd(enum rec_inode_kind kind, const struct inode *ino, int fd)
{
    if (!rec_enabled())
        return;
    struct rec_inode_event e = {
        .kind = kind, .cause = kind == REC_INODE_FD_EVICT ? REC_CAUSE_LRU : REC_CAUSE_NONE,
        .nodeid = ino->nodeid, .dev = ino->dev, .ino = ino->ino, .mnt_id = ino->mnt_id,
        .nlookup = ino->nlookup, .fd = fd,
    };
    rec_inode(&e);
}

static void unlink_lru(struct inode_table *t, struct inode *ino)
{
    if (ino->lru_prev)
        ino->lru_prev->lru_next = ino->lru_next;
    else
        t->lru_head = ino->lru_next;
    if (ino->lru_next)
        ino->lru_next->lru_prev = ino->lru_prev;
    else
        t->lru_tail = ino->lru_prev;
    ino->lru_prev = ino->lru_next = NULL;
}

static void push_head(struct inode_table *t, struct inode *ino)
{
    ino->lru_prev = NULL;
    ino->lru_next = t->lru_head;
    if (t->lru_head)
        t->lru_head->lru_prev = ino;
    t->lru_head = ino;
    if (!t->lru_tail)
        t->lru_tail = ino;
}

void fdc_insert(struct inode_table *t, struct inode *ino, int fd)
{
    ino->fd = fd;
    push_head(t, ino);
    t->cached++;
    record_fd(REC_INODE_FD_OPEN, ino, fd);
}

void fdc_touch(struct inode_table *t, struct inode *ino)
{
    if (t->lru_head == ino)
        return;
    unlink_lru(t, ino);
    push_head(t, ino);
}

void fdc_remove(struct inode_table *t, struct inode *ino)
{
    unlink_lru(t, ino);
    t->cached--;
}

int fdc_trim(struct inode_table *t, int *close_later, int cap)
{
    int n = 0;
    struct inode *victim = t->lru_tail;
    while (t->cached > t->limit && victim && n < cap) {
        struct inode *prev = victim->lru_prev;
        if (victim->users == 0) {
            record_fd(REC_INODE_FD_EVICT, victim, victim->fd);
            close_later[n++] = victim->fd;
            victim->fd = -1;
            unlink_lru(t, victim);
            t->cached--;
            t->stats.evictions++;
        }
        victim = prev;
    }
    return n;
}
