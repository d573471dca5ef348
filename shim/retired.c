/* retired.c — see retired.h.  Two chained hash indexes (by nodeid, by
 * handle) over one set of entries, plus a FIFO list for eviction in the
 * order the nodeids were forgotten. */
#include "shim/retired.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct retired {
    uint64_t nodeid;
    uint64_t mnt_id;
    struct retired *next_by_nodeid, *next_by_handle;
    struct retired *older, *newer;        /* FIFO: oldest is evicted first */
    int handle_type;
    unsigned handle_bytes;
    unsigned char f_handle[];             /* the source file's handle */
};

struct retired_set {
    struct retired **by_nodeid, **by_handle;
    size_t nbuckets;                      /* power of two, >= count */
    unsigned count, limit;
    struct retired *oldest, *newest;
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t hash_bytes(int type, const unsigned char *bytes, unsigned len, uint64_t mnt_id)
{
    uint64_t x = 1469598103934665603ULL ^ (uint64_t)type ^ (mnt_id << 32);
    for (unsigned i = 0; i < len; i++)
        x = (x ^ bytes[i]) * 1099511628211ULL;
    return mix64(x);
}

static uint64_t hash_handle(const struct file_handle *h, uint64_t mnt_id)
{
    return hash_bytes(h->handle_type, h->f_handle, h->handle_bytes, mnt_id);
}

static uint64_t hash_of(const struct retired *r)
{
    return hash_bytes(r->handle_type, r->f_handle, r->handle_bytes, r->mnt_id);
}

static bool same_handle(const struct retired *r, const struct file_handle *h, uint64_t mnt_id)
{
    return r->mnt_id == mnt_id && r->handle_type == h->handle_type &&
           r->handle_bytes == h->handle_bytes &&
           memcmp(r->f_handle, h->f_handle, h->handle_bytes) == 0;
}

struct retired_set *retired_new(unsigned limit)
{
    struct retired_set *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->nbuckets = 1024;
    s->limit = limit ? limit : 1;
    s->by_nodeid = calloc(s->nbuckets, sizeof(*s->by_nodeid));
    s->by_handle = calloc(s->nbuckets, sizeof(*s->by_handle));
    if (!s->by_nodeid || !s->by_handle) {
        retired_free(s);
        return NULL;
    }
    return s;
}

void retired_free(struct retired_set *s)
{
    if (!s)
        return;
    for (struct retired *r = s->oldest, *next; r; r = next) {
        next = r->newer;
        free(r);
    }
    free(s->by_nodeid);
    free(s->by_handle);
    free(s);
}

/* Best effort: without memory the chains just get longer. */
static void grow(struct retired_set *s)
{
    size_t nb = s->nbuckets * 2;
    struct retired **bn = calloc(nb, sizeof(*bn)), **bh = calloc(nb, sizeof(*bh));
    if (!bn || !bh) {
        free(bn);
        free(bh);
        return;
    }
    for (struct retired *r = s->oldest; r; r = r->newer) {
        size_t kn = mix64(r->nodeid) & (nb - 1), kh = hash_of(r) & (nb - 1);
        r->next_by_nodeid = bn[kn];
        bn[kn] = r;
        r->next_by_handle = bh[kh];
        bh[kh] = r;
    }
    free(s->by_nodeid);
    free(s->by_handle);
    s->by_nodeid = bn;
    s->by_handle = bh;
    s->nbuckets = nb;
}

static struct retired **slot_of_nodeid(struct retired_set *s, uint64_t nodeid)
{
    struct retired **p = &s->by_nodeid[mix64(nodeid) & (s->nbuckets - 1)];
    while (*p && (*p)->nodeid != nodeid)
        p = &(*p)->next_by_nodeid;
    return p;
}

static struct retired **slot_of_handle(struct retired_set *s, const struct file_handle *h,
                                       uint64_t mnt_id)
{
    struct retired **p = &s->by_handle[hash_handle(h, mnt_id) & (s->nbuckets - 1)];
    while (*p && !same_handle(*p, h, mnt_id))
        p = &(*p)->next_by_handle;
    return p;
}

/* Take r out of both indexes and the FIFO, and free it. */
static void drop(struct retired_set *s, struct retired *r)
{
    struct retired **pn = slot_of_nodeid(s, r->nodeid);
    if (*pn == r)
        *pn = r->next_by_nodeid;
    struct retired **ph = &s->by_handle[hash_of(r) & (s->nbuckets - 1)];
    while (*ph && *ph != r)
        ph = &(*ph)->next_by_handle;
    if (*ph == r)
        *ph = r->next_by_handle;
    if (r->older)
        r->older->newer = r->newer;
    else
        s->oldest = r->newer;
    if (r->newer)
        r->newer->older = r->older;
    else
        s->newest = r->older;
    s->count--;
    free(r);
}

int retired_add(struct retired_set *s, uint64_t nodeid, uint64_t mnt_id,
                const struct file_handle *h, uint64_t *expired)
{
    *expired = 0;
    struct retired *r = malloc(sizeof(*r) + h->handle_bytes);
    if (!r)
        return -ENOMEM;
    /* A nodeid is forgotten once per life; a stale duplicate would only
     * shadow the new one, so replace it.  The same for a handle remembered
     * under an older nodeid (that nodeid can no longer be revived without
     * giving the file two nodeids). */
    struct retired *old = *slot_of_nodeid(s, nodeid);
    if (old)
        drop(s, old);
    if ((old = *slot_of_handle(s, h, mnt_id)) != NULL) {
        *expired = old->nodeid;
        drop(s, old);
    }
    if (s->count >= s->nbuckets)
        grow(s);
    memset(r, 0, sizeof(*r));
    r->nodeid = nodeid;
    r->mnt_id = mnt_id;
    r->handle_bytes = h->handle_bytes;
    r->handle_type = h->handle_type;
    memcpy(r->f_handle, h->f_handle, h->handle_bytes);
    struct retired **pn = slot_of_nodeid(s, nodeid);
    r->next_by_nodeid = *pn;
    *pn = r;
    struct retired **ph = &s->by_handle[hash_handle(h, mnt_id) & (s->nbuckets - 1)];
    r->next_by_handle = *ph;
    *ph = r;
    r->older = s->newest;
    if (s->newest)
        s->newest->newer = r;
    else
        s->oldest = r;
    s->newest = r;
    s->count++;
    if (s->count > s->limit) {
        /* at most one was expired above (then count did not grow) */
        *expired = s->oldest->nodeid;
        drop(s, s->oldest);
    }
    return 0;
}

uint64_t retired_take_handle(struct retired_set *s, const struct file_handle *h, uint64_t mnt_id)
{
    struct retired *r = *slot_of_handle(s, h, mnt_id);
    if (!r)
        return 0;
    uint64_t nodeid = r->nodeid;
    drop(s, r);
    return nodeid;
}

struct file_handle *retired_handle_of(struct retired_set *s, uint64_t nodeid, uint64_t *mnt_id)
{
    struct retired *r = *slot_of_nodeid(s, nodeid);
    if (!r)
        return NULL;
    struct file_handle *h = malloc(sizeof(*h) + r->handle_bytes);
    if (!h)
        return NULL;
    h->handle_bytes = r->handle_bytes;
    h->handle_type = r->handle_type;
    memcpy(h->f_handle, r->f_handle, r->handle_bytes);
    *mnt_id = r->mnt_id;
    return h;
}

void retired_remove(struct retired_set *s, uint64_t nodeid)
{
    struct retired *r = *slot_of_nodeid(s, nodeid);
    if (r)
        drop(s, r);
}

unsigned retired_count(const struct retired_set *s) { return s->count; }
