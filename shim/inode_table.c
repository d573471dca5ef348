/* inode_table.c — nodeid allocation, identity maps and lookup counting.
 *
 * One mutex guards everything here and in fd_cache.c.  Each critical section
 * is a few pointer operations and (when recording) ring pushes; syscalls and
 * replies happen outside.  Events are recorded under the lock on purpose: the
 * order of REF/UNREF/FREE in the trace is then the order in which the table
 * really changed, so nlookup in the record never goes backwards.
 */
#include "shim/inode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim/handle.h"

#define CLOSE_BATCH 16

/* ---- hashing ------------------------------------------------------------ */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t hash_ids(dev_t dev, ino_t ino, uint64_t mnt_id)
{
    return mix64((uint64_t)ino ^ mix64((uint64_t)dev) ^ (mnt_id << 1));
}

static uint64_t hash_handle(const struct file_handle *h, uint64_t mnt_id)
{
    uint64_t x = 1469598103934665603ULL ^ (uint64_t)h->handle_type ^ (mnt_id << 32);
    for (unsigned i = 0; i < h->handle_bytes; i++)
        x = (x ^ h->f_handle[i]) * 1099511628211ULL;
    return mix64(x);
}

static uint64_t hash_of(const struct inode *ino, int which)
{
    switch (which) {
    case MAP_BY_NODEID: return mix64(ino->nodeid);
    case MAP_BY_IDS: return hash_ids(ino->dev, ino->ino, ino->mnt_id);
    default: return hash_handle(ino->handle, ino->mnt_id);
    }
}

static bool handle_eq(const struct file_handle *a, const struct file_handle *b)
{
    return a->handle_type == b->handle_type && a->handle_bytes == b->handle_bytes &&
           memcmp(a->f_handle, b->f_handle, a->handle_bytes) == 0;
}

/* ---- intrusive chained maps -------------------------------------------- */

static int map_init(struct inode_map *m)
{
    m->nbuckets = 1024;
    m->count = 0;
    m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
    return m->buckets ? 0 : -ENOMEM;
}

/* Growing is best effort: on allocation failure the chains just get longer. */
static void map_grow(struct inode_map *m, int which)
{
    size_t nb = m->nbuckets * 2;
    struct inode **b = calloc(nb, sizeof(*b));
    if (!b)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct inode *n = m->buckets[i];
        while (n) {
            struct inode *next = n->map_next[which];
            size_t k = hash_of(n, which) & (nb - 1);
            n->map_next[which] = b[k];
            b[k] = n;
            n = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
}

static void map_insert(struct inode_table *t, struct inode *ino, int which)
{
    struct inode_map *m = &t->maps[which];
    if (m->count >= m->nbuckets)
        map_grow(m, which);
    size_t k = hash_of(ino, which) & (m->nbuckets - 1);
    ino->map_next[which] = m->buckets[k];
    m->buckets[k] = ino;
    m->count++;
}

static void map_remove(struct inode_table *t, struct inode *ino, int which)
{
    struct inode_map *m = &t->maps[which];
    struct inode **p = &m->buckets[hash_of(ino, which) & (m->nbuckets - 1)];
    for (; *p; p = &(*p)->map_next[which]) {
        if (*p == ino) {
            *p = ino->map_next[which];
            m->count--;
            return;
        }
    }
}

static struct inode *find_nodeid(struct inode_table *t, uint64_t nodeid)
{
    struct inode_map *m = &t->maps[MAP_BY_NODEID];
    struct inode *n = m->buckets[mix64(nodeid) & (m->nbuckets - 1)];
    for (; n; n = n->map_next[MAP_BY_NODEID])
        if (n->nodeid == nodeid)
            return n;
    return NULL;
}

static struct inode *find_handle(struct inode_table *t, const struct file_handle *h, uint64_t mnt_id)
{
    struct inode_map *m = &t->maps[MAP_BY_HANDLE];
    struct inode *n = m->buckets[hash_handle(h, mnt_id) & (m->nbuckets - 1)];
    for (; n; n = n->map_next[MAP_BY_HANDLE])
        if (n->mnt_id == mnt_id && handle_eq(n->handle, h))
            return n;
    return NULL;
}

/* by (dev, ino, mnt_id); `pinned_only` selects entries whose number cannot
 * have been reused, the only ones a by-ids lookup may match. */
static struct inode *find_ids(struct inode_table *t, const struct stat *st, uint64_t mnt_id,
                              bool pinned_only)
{
    struct inode_map *m = &t->maps[MAP_BY_IDS];
    struct inode *n = m->buckets[hash_ids(st->st_dev, st->st_ino, mnt_id) & (m->nbuckets - 1)];
    for (; n; n = n->map_next[MAP_BY_IDS])
        if (n->ino == st->st_ino && n->dev == st->st_dev && n->mnt_id == mnt_id &&
            (n->pinned || !pinned_only))
            return n;
    return NULL;
}

/* ---- recording ---------------------------------------------------------- */

static void record(enum rec_inode_kind kind, enum rec_cause cause, const struct inode *ino,
                   int64_t delta)
{
    if (!rec_enabled())
        return;
    struct rec_inode_event e = {
        .kind = kind, .cause = cause, .nodeid = ino->nodeid,
        .dev = ino->dev, .ino = ino->ino, .mnt_id = ino->mnt_id,
        .delta = delta, .nlookup = ino->nlookup, .fd = ino->fd,
    };
    rec_inode(&e);
}

/* A forgotten nodeid dropped from the retired memory: kernel handles that
 * name it no longer decode. */
static void record_expired(uint64_t nodeid)
{
    if (!rec_enabled() || !nodeid)
        return;
    struct rec_inode_event e = {
        .kind = REC_INODE_EXPIRE, .cause = REC_CAUSE_LRU, .nodeid = nodeid, .fd = -1,
    };
    rec_inode(&e);
}

static void record_stale(uint64_t nodeid, enum rec_cause cause, int err)
{
    if (!rec_enabled())
        return;
    struct rec_inode_event e = {
        .kind = REC_INODE_STALE, .cause = cause, .nodeid = nodeid, .err = err, .fd = -1,
    };
    rec_inode(&e);
}

/* ---- invariants (inode_table.h), checked -------------------------------- */

/* What is wrong with entry n of the maps, or NULL.  Under the lock. */
static const char *entry_broken(struct inode_table *t, const struct inode *n)
{
    if (!n->in_maps)
        return "an entry in the maps is marked forgotten";
    if (n->nodeid < FUSE_ROOT_ID || n->nodeid >= t->next_nodeid)
        return "a nodeid the counter never handed out";
    if (find_nodeid(t, n->nodeid) != n)
        return "its nodeid finds another entry (a nodeid given twice)";
    if (n != t->root && n->nlookup == 0)
        return "in the table with no lookup held by the kernel";
    if (n->pinned == (n->handle != NULL))
        return "neither pinned nor handle-backed, or both";
    if (n->pinned && n->fd < 0)
        return "a pinned entry without its O_PATH fd";
    if (n->handle && find_handle(t, n->handle, n->mnt_id) != n)
        return "not found by its file handle";
    struct stat ids = { .st_dev = n->dev, .st_ino = n->ino };
    if (n->pinned && find_ids(t, &ids, n->mnt_id, true) != n)
        return "a pinned entry not found by (dev, ino, mnt_id)";
    bool in_lru = n->lru_prev || n->lru_next || t->lru_head == n;
    if (n->pinned && in_lru)
        return "a pinned entry in the fd cache";
    if (!n->pinned && (n->fd >= 0) != in_lru)
        return "a cached fd outside the fd cache, or a cache entry without an fd";
    return io_state_broken(n);
}

/* The table-wide counts, or NULL.  Under the lock. */
static const char *counts_broken(struct inode_table *t)
{
    if (!t->root || find_nodeid(t, FUSE_ROOT_ID) != t->root)
        return "root (nodeid 1) is not in the table";
    if (t->maps[MAP_BY_NODEID].count != t->stats.entries ||
        t->maps[MAP_BY_IDS].count != t->stats.entries)
        return "the nodeid and identity maps disagree with the entry count";
    if (t->maps[MAP_BY_HANDLE].count != t->stats.handle_entries)
        return "the handle map disagrees with the handle-backed entry count";
    return NULL;
}

static int broken(char *why, size_t len, const char *what, uint64_t nodeid)
{
    if (why && len)
        snprintf(why, len, "%s (nodeid %llu)", what, (unsigned long long)nodeid);
    return -1;
}

int itab_check(struct inode_table *t, char *why, size_t len)
{
    int r = 0;
    pthread_mutex_lock(&t->lock);
    const char *bad = counts_broken(t);
    if (bad)
        r = broken(why, len, bad, 0);
    for (int which = 0; which < MAP_COUNT && !r; which++) {
        const struct inode_map *m = &t->maps[which];
        size_t seen = 0;
        for (size_t b = 0; b < m->nbuckets && !r; b++)
            for (const struct inode *n = m->buckets[b]; n && !r; n = n->map_next[which]) {
                seen++;
                if ((hash_of(n, which) & (m->nbuckets - 1)) != b)
                    r = broken(why, len, "an entry in the wrong hash chain", n->nodeid);
                else if ((bad = entry_broken(t, n)))
                    r = broken(why, len, bad, n->nodeid);
            }
        if (!r && seen != m->count)
            r = broken(why, len, "a map's count differs from its chains", 0);
    }
    /* The fd cache: a well-linked list of handle-backed fds, `cached` long. */
    unsigned cached = 0;
    const struct inode *prev = NULL;
    for (const struct inode *n = t->lru_head; n && !r; prev = n, n = n->lru_next) {
        cached++;
        if (n->lru_prev != prev || n->pinned || n->fd < 0)
            r = broken(why, len, "the fd cache list is broken", n->nodeid);
        else if (cached > t->cached)
            r = broken(why, len, "the fd cache is longer than its count", n->nodeid);
    }
    if (!r && (cached != t->cached || t->lru_tail != prev))
        r = broken(why, len, "the fd cache count or tail is wrong", 0);
    pthread_mutex_unlock(&t->lock);
    return r;
}

/* Debug builds: the checks above on the paths that change the table most
 * (forget: the entry and the counts; unmount: everything).  A broken
 * invariant stops the daemon here, where it broke, not later in a trace
 * that lies. */
#ifndef NDEBUG
static void assert_sane(const char *where, const char *bad, uint64_t nodeid)
{
    if (!bad)
        return;
    fprintf(stderr, "fusetrace: inode table invariant broken at %s: %s (nodeid %llu)\n",
            where, bad, (unsigned long long)nodeid);
    abort();
}
#define ITAB_DEBUG_CHECK_ENTRY(where, t, n) assert_sane(where, entry_broken((t), (n)), (n)->nodeid)
#define ITAB_DEBUG_CHECK_COUNTS(where, t) assert_sane(where, counts_broken(t), 0)
#else
#define ITAB_DEBUG_CHECK_ENTRY(where, t, n) ((void)0)
#define ITAB_DEBUG_CHECK_COUNTS(where, t) ((void)0)
#endif

/* ---- lifecycle ---------------------------------------------------------- */

struct inode_table *itab_new(struct fs *fs, int root_fd, const struct stat *root_st, uint64_t root_mnt_id)
{
    struct inode_table *t = calloc(1, sizeof(*t));
    struct inode *root = calloc(1, sizeof(*root));
    if (!t || !root)
        goto fail;
    for (int i = 0; i < MAP_COUNT; i++)
        if (map_init(&t->maps[i]) < 0)
            goto fail;
    if (!(t->retired = retired_new(RETIRED_LIMIT)))
        goto fail;
    pthread_mutex_init(&t->lock, NULL);
    t->fs = fs;
    t->limit = fs->cfg.fd_cache ? fs->cfg.fd_cache : 1;
    t->next_nodeid = FUSE_ROOT_ID + 1;

    /* Root is pinned by the source fd and holds one lookup that no FORGET can
     * take away (the kernel never looks root up, so it never forgets it
     * either; a stray FORGET on 1 is recorded and otherwise ignored). */
    root->nodeid = FUSE_ROOT_ID;
    root->nlookup = 1;
    root->in_maps = true;
    root->pinned = true;
    root->fd = root_fd;
    root->dev = root_st->st_dev;
    root->ino = root_st->st_ino;
    root->mnt_id = root_mnt_id;
    root->type = root_st->st_mode & S_IFMT;
    map_insert(t, root, MAP_BY_NODEID);
    map_insert(t, root, MAP_BY_IDS);
    t->root = root;
    t->stats.entries = 1;
    t->stats.pinned_fds = 1;
    if (rec_enabled()) {
        struct rec_inode_event e = {
            .kind = REC_INODE_NEW, .cause = REC_CAUSE_NONE, .nodeid = FUSE_ROOT_ID,
            .parent = 0, .name = "/", .dev = root->dev, .ino = root->ino,
            .mnt_id = root->mnt_id, .delta = 1, .nlookup = 1, .fd = root_fd,
        };
        rec_inode(&e);
    }
    return t;
fail:
    if (t) {
        for (int i = 0; i < MAP_COUNT; i++)
            free(t->maps[i].buckets);
        retired_free(t->retired);
    }
    free(t);
    free(root);
    return NULL;
}

static void destroy_entry(struct inode *ino)
{
    if (ino->fd >= 0)
        close(ino->fd);
    free(ino->handle);
    free(ino);
}

void itab_free(struct inode_table *t)
{
    if (!t)
        return;
#ifndef NDEBUG
    char why[160];
    if (itab_check(t, why, sizeof why) != 0)
        assert_sane("unmount", why, 0);
#endif
    struct inode_map *m = &t->maps[MAP_BY_NODEID];
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct inode *n = m->buckets[i];
        while (n) {
            struct inode *next = n->map_next[MAP_BY_NODEID];
            if (n != t->root)
                record(REC_INODE_FREE, REC_CAUSE_UNMOUNT, n, 0);
            destroy_entry(n);
            n = next;
        }
    }
    for (int i = 0; i < MAP_COUNT; i++)
        free(t->maps[i].buckets);
    retired_free(t->retired);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* Take `ino` out of every map.  Returns the fd the caller must close after
 * unlocking, and frees the entry if no op holds it. */
static void unlink_entry(struct inode_table *t, struct inode *ino, int *close_fds, int *nclose,
                         struct inode **free_later)
{
    map_remove(t, ino, MAP_BY_NODEID);
    map_remove(t, ino, MAP_BY_IDS);
    if (ino->handle) {
        map_remove(t, ino, MAP_BY_HANDLE);
        t->stats.handle_entries--;
        /* Remembered, so the kernel's handles naming it still decode and a
         * later lookup of the file gets this nodeid back.  Without memory
         * for it, it is simply not remembered (such handles give ESTALE). */
        uint64_t expired = 0;
        if (retired_add(t->retired, ino->nodeid, ino->mnt_id, ino->handle, &expired) == 0)
            record_expired(expired);
    }
    ino->in_maps = false;
    t->stats.entries--;
    if (ino->users == 0) {
        if (ino->pinned)
            t->stats.pinned_fds--;
        else if (ino->fd >= 0)
            fdc_remove(t, ino);
        if (ino->fd >= 0)
            close_fds[(*nclose)++] = ino->fd;
        ino->fd = -1;
        *free_later = ino;
    }
}

static void close_all(const int *fds, int n)
{
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

/* ---- lookup counting ---------------------------------------------------- */

/* Put `ino` (zeroed, allocated outside the lock) in the table for what `f`
 * found, with one lookup, under `nodeid` (0: a new one) — REVIVE when an old
 * nodeid comes back, else NEW.  Consumes f->fd (kept or queued in
 * close_fds) and f->handle.  Called with the lock held; returns the nodeid. */
static uint64_t insert_entry(struct inode_table *t, struct inode *ino, struct found *f,
                             uint64_t nodeid, enum rec_cause cause, uint64_t parent,
                             const char *name, int *close_fds, int *nclose)
{
    bool revived = nodeid != 0;
    ino->nodeid = revived ? nodeid : t->next_nodeid++;
    ino->nlookup = 1;
    ino->in_maps = true;
    ino->dev = f->st.st_dev;
    ino->ino = f->st.st_ino;
    ino->mnt_id = f->mnt_id;
    ino->type = f->st.st_mode & S_IFMT;
    ino->handle = f->handle;
    ino->pinned = f->handle == NULL;
    ino->fd = ino->pinned ? f->fd : -1;
    nodeid = ino->nodeid;

    struct inode *older = f->handle ? find_ids(t, &f->st, f->mnt_id, false) : NULL;
    map_insert(t, ino, MAP_BY_NODEID);
    map_insert(t, ino, MAP_BY_IDS);
    if (ino->handle)
        map_insert(t, ino, MAP_BY_HANDLE);
    t->stats.entries++;
    if (revived)
        t->stats.revived++;

    if (rec_enabled()) {
        struct rec_inode_event e = {
            .kind = revived ? REC_INODE_REVIVE : REC_INODE_NEW, .cause = cause, .nodeid = nodeid,
            .parent = parent, .name = name, .dev = ino->dev, .ino = ino->ino,
            .mnt_id = ino->mnt_id, .delta = 1, .nlookup = 1, .fd = ino->fd,
        };
        rec_inode(&e);
        if (ino->handle) {
            struct rec_inode_event h = {
                .kind = REC_INODE_HANDLE, .cause = cause, .nodeid = nodeid, .nlookup = 1,
                .dev = ino->dev, .ino = ino->ino, .mnt_id = ino->mnt_id, .fd = -1,
                .handle = ino->handle->f_handle, .handle_len = ino->handle->handle_bytes,
                .handle_type = ino->handle->handle_type,
            };
            rec_inode(&h);
        } else if (f->handle_err) {
            struct rec_inode_event fb = {
                .kind = REC_INODE_FALLBACK, .cause = cause, .nodeid = nodeid, .nlookup = 1,
                .dev = ino->dev, .ino = ino->ino, .mnt_id = ino->mnt_id,
                .err = f->handle_err, .fd = ino->fd,
            };
            rec_inode(&fb);
        }
    }
    if (older && older != ino) {
        /* Same (dev, ino) as an entry the kernel still holds, but a
         * different handle: the backing fs reused the inode number for a
         * new file.  The handle tells them apart; the trace says so. */
        t->stats.reuse_detected++;
        if (rec_enabled()) {
            struct rec_inode_event r = {
                .kind = REC_INODE_REUSE_DETECTED, .cause = cause, .nodeid = nodeid,
                .other_nodeid = older->nodeid, .dev = ino->dev, .ino = ino->ino,
                .mnt_id = ino->mnt_id, .nlookup = 1, .fd = -1,
            };
            rec_inode(&r);
        }
    }
    if (ino->pinned) {
        t->stats.pinned_fds++;
        if (f->handle_err)
            t->stats.fallbacks++;
    } else {
        t->stats.handle_entries++;
        fdc_insert(t, ino, f->fd);
        *nclose = fdc_trim(t, close_fds, CLOSE_BATCH);
    }
    return nodeid;
}

uint64_t itab_ref_found(struct inode_table *t, struct found *f, enum rec_cause cause,
                        uint64_t parent, const char *name, bool *is_new)
{
    int close_fds[CLOSE_BATCH + 1] = { 0 };
    int nclose = 0;
    struct file_handle *spare_handle = NULL;
    struct inode *fresh = NULL;
    uint64_t nodeid;

    if (is_new)
        *is_new = false;

    if (!f->handle && !f->st.st_ino) {
        /* not reached: callers always fstat; keep the table sane regardless */
        close(f->fd);
        return 0;
    }
    pthread_mutex_lock(&t->lock);
    for (;;) {
        struct inode *hit = f->handle ? find_handle(t, f->handle, f->mnt_id)
                                      : find_ids(t, &f->st, f->mnt_id, true);
        if (hit) {
            hit->nlookup++;
            nodeid = hit->nodeid;
            record(REC_INODE_REF, cause, hit, 1);
            spare_handle = f->handle;
            if (!hit->pinned && hit->fd < 0) {
                /* The lookup just opened this inode: keep that fd as its cache entry. */
                fdc_insert(t, hit, f->fd);
                nclose = fdc_trim(t, close_fds, CLOSE_BATCH);
            } else {
                close_fds[nclose++] = f->fd;
            }
            break;
        }
        if (fresh) {
            /* A file forgotten earlier comes back under its old nodeid. */
            uint64_t revived = f->handle ? retired_take_handle(t->retired, f->handle, f->mnt_id) : 0;
            if (is_new)
                *is_new = !revived;
            nodeid = insert_entry(t, fresh, f, revived, cause, parent, name, close_fds, &nclose);
            fresh = NULL;
            break;
        }
        /* A miss.  Allocate the entry outside the lock — so a lookup that
         * finds its entry, the common case, allocates nothing — and look
         * again: another request may have entered the file meanwhile, and
         * then this is a hit and the allocation is given back. */
        pthread_mutex_unlock(&t->lock);
        fresh = calloc(1, sizeof(*fresh));
        if (!fresh) {
            close(f->fd);
            free(f->handle);
            return 0;
        }
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);

    close_all(close_fds, nclose);
    free(spare_handle);
    free(fresh);
    return nodeid;
}

int itab_ref_self(struct inode_table *t, uint64_t nodeid, enum rec_cause cause,
                  struct file_handle **h, uint64_t *mnt_id)
{
    *h = NULL;
    pthread_mutex_lock(&t->lock);
    struct inode *ino = find_nodeid(t, nodeid);
    int r = 0;
    if (ino) {
        ino->nlookup++;
        record(REC_INODE_REF, cause, ino, 1);
    } else if ((*h = retired_handle_of(t->retired, nodeid, mnt_id)) != NULL) {
        r = 1;
    } else {
        record_stale(nodeid, cause, ESTALE);
        r = -ESTALE;
    }
    pthread_mutex_unlock(&t->lock);
    return r;
}

int itab_revive(struct inode_table *t, struct found *f, uint64_t nodeid, enum rec_cause cause)
{
    int close_fds[CLOSE_BATCH + 1] = { 0 };
    int nclose = 0;
    int r = 0;
    struct inode *fresh = calloc(1, sizeof(*fresh));

    pthread_mutex_lock(&t->lock);
    struct inode *live = find_nodeid(t, nodeid);
    struct inode *other = live ? NULL : find_handle(t, f->handle, f->mnt_id);
    if (live) {
        /* another request brought it back first */
        live->nlookup++;
        record(REC_INODE_REF, cause, live, 1);
        close_fds[nclose++] = f->fd;
    } else if (other || !fresh) {
        /* The file is live under another nodeid: only possible if this one
         * was dropped from the memory meanwhile and the file looked up
         * again.  Two nodeids for one file would split its cache: stale. */
        record_stale(nodeid, cause, other ? ESTALE : ENOMEM);
        close_fds[nclose++] = f->fd;
        r = other ? -ESTALE : -ENOMEM;
    } else {
        retired_remove(t->retired, nodeid);
        insert_entry(t, fresh, f, nodeid, cause, 0, NULL, close_fds, &nclose);
        f->handle = NULL;   /* the entry's now */
        fresh = NULL;
    }
    pthread_mutex_unlock(&t->lock);

    close_all(close_fds, nclose);
    free(f->handle);
    free(fresh);
    return r;
}

int itab_ref(struct inode_table *t, uint64_t nodeid, enum rec_cause cause)
{
    pthread_mutex_lock(&t->lock);
    struct inode *ino = find_nodeid(t, nodeid);
    if (ino) {
        ino->nlookup++;
        record(REC_INODE_REF, cause, ino, 1);
    } else {
        record_stale(nodeid, cause, ESTALE);
    }
    pthread_mutex_unlock(&t->lock);
    return ino ? 0 : -ESTALE;
}

void itab_unref(struct inode_table *t, uint64_t nodeid, uint64_t n, enum rec_cause cause)
{
    int close_fds[1] = { -1 };
    int nclose = 0;
    struct inode *dead = NULL;

    pthread_mutex_lock(&t->lock);
    struct inode *ino = find_nodeid(t, nodeid);
    if (!ino) {
        /* A FORGET for a nodeid we do not know is a kernel/daemon accounting
         * bug worth seeing in the trace, not a reason to crash. */
        record_stale(nodeid, cause, 0);
    } else if (ino == t->root) {
        record(REC_INODE_UNREF, cause, ino, 0);
    } else {
        ITAB_DEBUG_CHECK_ENTRY("forget", t, ino);
        uint64_t take = n <= ino->nlookup ? n : ino->nlookup;
        ino->nlookup -= take;
        record(REC_INODE_UNREF, cause, ino, (int64_t)take);
        if (ino->nlookup == 0) {
            record(REC_INODE_FREE, cause, ino, 0);
            unlink_entry(t, ino, close_fds, &nclose, &dead);
        }
        ITAB_DEBUG_CHECK_COUNTS("forget", t);
    }
    pthread_mutex_unlock(&t->lock);

    close_all(close_fds, nclose);
    if (dead) {
        free(dead->handle);
        free(dead);
    }
}

struct inode *itab_get(struct inode_table *t, uint64_t nodeid)
{
    pthread_mutex_lock(&t->lock);
    struct inode *ino = find_nodeid(t, nodeid);
    if (ino)
        ino->users++;
    else
        record_stale(nodeid, REC_CAUSE_NONE, ESTALE);
    pthread_mutex_unlock(&t->lock);
    return ino;
}

void itab_put(struct inode_table *t, struct inode *ino)
{
    int close_fds[CLOSE_BATCH + 1] = { 0 };
    int nclose = 0;
    struct inode *dead = NULL;

    if (!ino)
        return;
    pthread_mutex_lock(&t->lock);
    if (--ino->users == 0) {
        if (!ino->in_maps) {
            if (ino->pinned)
                t->stats.pinned_fds--;
            else if (ino->fd >= 0)
                fdc_remove(t, ino);
            if (ino->fd >= 0)
                close_fds[nclose++] = ino->fd;
            ino->fd = -1;
            dead = ino;
        } else if (!ino->pinned) {
            /* Entries in use are never evicted, so the cache may have run
             * over its limit while this one was held. */
            nclose = fdc_trim(t, close_fds, CLOSE_BATCH);
        }
    }
    pthread_mutex_unlock(&t->lock);

    close_all(close_fds, nclose);
    if (dead) {
        free(dead->handle);
        free(dead);
    }
}

int itab_shed_fds(struct inode_table *t)
{
    int close_fds[CLOSE_BATCH + 1] = { 0 };
    pthread_mutex_lock(&t->lock);
    unsigned keep = t->limit;
    t->limit = t->cached / 2;        /* trim down to half of what is cached now */
    int n = fdc_trim(t, close_fds, CLOSE_BATCH);
    t->limit = keep;
    pthread_mutex_unlock(&t->lock);
    close_all(close_fds, n);
    return n;
}

int inode_fd(struct inode_table *t, struct inode *ino)
{
    if (ino->pinned)
        return ino->fd;   /* immutable for the entry's life */

    pthread_mutex_lock(&t->lock);
    if (ino->fd >= 0) {
        fdc_touch(t, ino);
        int fd = ino->fd;
        pthread_mutex_unlock(&t->lock);
        return fd;
    }
    pthread_mutex_unlock(&t->lock);

    int fd = handle_open(t->fs->mfds, ino->mnt_id, ino->handle, O_PATH);
    if ((fd == -EMFILE || fd == -ENFILE) && itab_shed_fds(t) > 0)
        fd = handle_open(t->fs->mfds, ino->mnt_id, ino->handle, O_PATH);
    if (fd < 0) {
        if (fd == -ESTALE) {
            pthread_mutex_lock(&t->lock);
            record(REC_INODE_STALE, REC_CAUSE_NONE, ino, 0);
            pthread_mutex_unlock(&t->lock);
        }
        return fd;
    }

    int close_fds[CLOSE_BATCH + 1] = { 0 };
    int nclose = 0;
    pthread_mutex_lock(&t->lock);
    if (ino->fd >= 0) {
        close_fds[nclose++] = fd;   /* another op reopened it first */
        fd = ino->fd;
        fdc_touch(t, ino);
    } else {
        fdc_insert(t, ino, fd);
        nclose = fdc_trim(t, close_fds, CLOSE_BATCH);
    }
    pthread_mutex_unlock(&t->lock);
    close_all(close_fds, nclose);
    return fd;
}

uint64_t inode_nodeid(const struct inode *ino) { return ino->nodeid; }
mode_t inode_type(const struct inode *ino) { return ino->type; }
uint64_t inode_mnt_id(const struct inode *ino) { return ino->mnt_id; }
dev_t inode_dev(const struct inode *ino) { return ino->dev; }

void itab_record_stale(struct inode_table *t, uint64_t nodeid, enum rec_cause cause, int err)
{
    pthread_mutex_lock(&t->lock);   /* events in table order, as everywhere */
    record_stale(nodeid, cause, err);
    pthread_mutex_unlock(&t->lock);
}

bool itab_is_root_ids(struct inode_table *t, const struct stat *st, uint64_t mnt_id)
{
    /* root's identity never changes: no lock needed */
    return st->st_dev == t->root->dev && st->st_ino == t->root->ino && mnt_id == t->root->mnt_id;
}

void itab_get_stats(struct inode_table *t, struct itab_stats *out)
{
    pthread_mutex_lock(&t->lock);
    *out = t->stats;
    out->cached_fds = t->cached;
    out->retired = retired_count(t->retired);
    pthread_mutex_unlock(&t->lock);
}
