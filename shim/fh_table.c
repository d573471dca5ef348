/* fh_table.c — see fh_table.h. */
#include "shim/fh_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim/io_mode.h"

#define FH_SLOT_BITS 20                        /* 1 Mi open handles at most */
#define CHUNK_BITS 12
#define CHUNK_SLOTS (1u << CHUNK_BITS)
#define NCHUNKS (1u << (FH_SLOT_BITS - CHUNK_BITS))

struct fh_table {
    pthread_mutex_t lock;                      /* allocation and removal only */
    _Atomic(struct fh_entry *) *chunks[NCHUNKS];   /* never moved once allocated */
    uint32_t *free_slots;                      /* stack of free slot numbers */
    uint32_t nfree, next_unused;
    uint64_t seq;
    uint64_t count;
};

struct fh_table *fht_new(void)
{
    struct fh_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->free_slots = malloc(sizeof(uint32_t) * (1u << FH_SLOT_BITS));
    if (!t->free_slots) {
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->lock, NULL);
    t->seq = 1;
    return t;
}

void fh_entry_free(struct fh_entry *e)
{
    if (!e)
        return;
    if (e->dp)
        closedir(e->dp);       /* owns e->fd */
    else if (e->fd >= 0)
        close(e->fd);
    if (e->cache_fd >= 0)
        close(e->cache_fd);
    pthread_mutex_destroy(&e->dir_lock);
    free(e);
}

void fht_free(struct fh_table *t)
{
    if (!t)
        return;
#ifndef NDEBUG
    /* Debug builds: a broken invariant stops the daemon at unmount. */
    char why[160];
    if (fht_check(t, why, sizeof why) != 0) {
        fprintf(stderr, "fusetrace: fh table invariant broken at unmount: %s\n", why);
        abort();
    }
#endif
    for (unsigned c = 0; c < NCHUNKS; c++) {
        if (!t->chunks[c])
            continue;
        for (unsigned i = 0; i < CHUNK_SLOTS; i++)
            fh_entry_free(atomic_load(&t->chunks[c][i]));
        free(t->chunks[c]);
    }
    free(t->free_slots);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

struct fh_entry *fht_add(struct fh_table *t)
{
    struct fh_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->fd = -1;
    e->cache_fd = -1;
    pthread_mutex_init(&e->dir_lock, NULL);

    pthread_mutex_lock(&t->lock);
    uint32_t slot;
    if (t->nfree) {
        slot = t->free_slots[--t->nfree];
    } else if (t->next_unused < (1u << FH_SLOT_BITS)) {
        slot = t->next_unused++;
    } else {
        pthread_mutex_unlock(&t->lock);
        pthread_mutex_destroy(&e->dir_lock);
        free(e);
        errno = ENFILE;
        return NULL;
    }
    unsigned c = slot >> CHUNK_BITS;
    if (!t->chunks[c]) {
        t->chunks[c] = calloc(CHUNK_SLOTS, sizeof(*t->chunks[c]));
        if (!t->chunks[c]) {
            t->free_slots[t->nfree++] = slot;
            pthread_mutex_unlock(&t->lock);
            pthread_mutex_destroy(&e->dir_lock);
            free(e);
            errno = ENOMEM;
            return NULL;
        }
    }
    e->fh = (t->seq++ << FH_SLOT_BITS) | slot;
    atomic_store_explicit(&t->chunks[c][slot & (CHUNK_SLOTS - 1)], e, memory_order_release);
    t->count++;
    pthread_mutex_unlock(&t->lock);
    return e;
}

struct fh_entry *fht_get(struct fh_table *t, uint64_t fh)
{
    uint32_t slot = (uint32_t)(fh & ((1u << FH_SLOT_BITS) - 1));
    _Atomic(struct fh_entry *) *chunk = t->chunks[slot >> CHUNK_BITS];
    if (!chunk)
        return NULL;
    struct fh_entry *e = atomic_load_explicit(&chunk[slot & (CHUNK_SLOTS - 1)], memory_order_acquire);
    return e && e->fh == fh ? e : NULL;
}

struct fh_entry *fht_remove(struct fh_table *t, uint64_t fh)
{
    uint32_t slot = (uint32_t)(fh & ((1u << FH_SLOT_BITS) - 1));
    pthread_mutex_lock(&t->lock);
    struct fh_entry *e = NULL;
    _Atomic(struct fh_entry *) *chunk = t->chunks[slot >> CHUNK_BITS];
    if (chunk) {
        e = atomic_load(&chunk[slot & (CHUNK_SLOTS - 1)]);
        if (e && e->fh == fh) {
            atomic_store(&chunk[slot & (CHUNK_SLOTS - 1)], NULL);
            t->free_slots[t->nfree++] = slot;
            t->count--;
        } else {
            e = NULL;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return e;
}

int64_t fh_size_for_record(const struct fh_entry *e)
{
    struct stat st;
    if (e->io_mode != IO_PASSTHROUGH || e->fd < 0 || fstat(e->fd, &st) != 0)
        return -1;
    return st.st_size;
}

uint64_t fht_count(struct fh_table *t)
{
    pthread_mutex_lock(&t->lock);
    uint64_t n = t->count;
    pthread_mutex_unlock(&t->lock);
    return n;
}

/* ---- invariants (fh_table.h), checked ------------------------------------ */

static int fh_broken(char *why, size_t len, const char *what, uint64_t v)
{
    if (why && len)
        snprintf(why, len, "%s (%llu)", what, (unsigned long long)v);
    return -1;
}

int fht_check(struct fh_table *t, char *why, size_t len)
{
    int r = 0;
    pthread_mutex_lock(&t->lock);
    uint64_t live = 0;
    for (uint32_t slot = 0; slot < t->next_unused && !r; slot++) {
        _Atomic(struct fh_entry *) *chunk = t->chunks[slot >> CHUNK_BITS];
        struct fh_entry *e = chunk ? atomic_load(&chunk[slot & (CHUNK_SLOTS - 1)]) : NULL;
        if (!e)
            continue;
        live++;
        if ((e->fh & ((1u << FH_SLOT_BITS) - 1)) != slot)
            r = fh_broken(why, len, "an entry in a slot its fh does not name", e->fh);
        else if ((e->fh >> FH_SLOT_BITS) == 0 || (e->fh >> FH_SLOT_BITS) >= t->seq)
            r = fh_broken(why, len, "an fh sequence never handed out", e->fh);
    }
    if (!r && live != t->count)
        r = fh_broken(why, len, "the count differs from the occupied slots", t->count);
    if (!r && (uint64_t)t->nfree + t->count != t->next_unused)
        r = fh_broken(why, len, "free plus occupied slots differ from the slots used", t->nfree);
    for (uint32_t i = 0; i < t->nfree && !r; i++) {
        uint32_t slot = t->free_slots[i];
        _Atomic(struct fh_entry *) *chunk = slot < t->next_unused ? t->chunks[slot >> CHUNK_BITS] : NULL;
        if (slot >= t->next_unused)
            r = fh_broken(why, len, "a free slot that was never used", slot);
        else if (chunk && atomic_load(&chunk[slot & (CHUNK_SLOTS - 1)]))
            r = fh_broken(why, len, "a free slot that holds an entry", slot);
    }
    pthread_mutex_unlock(&t->lock);
    return r;
}
