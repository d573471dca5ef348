/* rec_paths.c — see rec_paths.h.
 *
 * Three tables, all chained hashes or maps owned by the writer thread:
 *   ent[]   interned paths, keyed by (directory path id, name); ent[0] is "/";
 *   node[]  known nodes: current (parent, name), a cached ent index valid
 *           while node.gen == paths.gen, and how many known nodes name it
 *           as their parent (a rename of a node without children changes
 *           only its own path, so only its cache is dropped);
 *   dentry  index (parent, name) -> node, for renames and unlinks, which
 *           name an entry, not a node.
 * Invariants: ent[0] is "/" with id PATHS_ROOT_ID; a node is in the dentry
 * index at most once, under its current name; `children` counts the known
 * nodes whose parent is this node and that were counted when named; a node
 * marked gone (forgotten while it still had children) stays until its last
 * child leaves, because their paths are built through it. */
#include "trace/rec_paths.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "util/u64map.h"

#define DEPTH_MAX 2048         /* deeper chains (or a cycle) have no path */
#define NONE 0u                /* "no index": indices are stored + 1 */

struct pent {
    int64_t id, dir;           /* path.id and its directory's path.id (0 for "/") */
    uint64_t hash;
    char *text;
    uint32_t len, name_off;    /* the name is text + name_off */
    uint32_t next;             /* bucket chain, index + 1 */
};

struct pnode {
    uint64_t nodeid, parent;
    char *name;
    uint32_t name_len;
    uint32_t gen;              /* pent valid when == paths.gen */
    uint32_t pent;
    uint32_t children;
    uint32_t dnext;            /* dentry chain (or free list), index + 1 */
    uint64_t dhash;
    bool named, indexed, counted, gone, used;
};

struct paths {
    paths_row_fn row;
    void *ctx;
    struct pent *ent;
    uint32_t nent, capent;
    uint32_t *ebuck, nebuck;   /* power of two */
    size_t bytes;
    int64_t next_id;
    struct pnode *node;
    uint32_t nnode, capnode, free_head;
    struct rmap byid;          /* nodeid -> node index + 1 */
    uint32_t *dbuck, ndbuck, nindexed;
    uint32_t gen;
};

static uint64_t hash_name(uint64_t seed, const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull ^ (seed * 0x9E3779B97F4A7C15ull);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h ^ (h >> 29);
}

/* ---- interned paths --------------------------------------------------------- */

static bool ent_rehash(struct paths *p, uint32_t nb)
{
    uint32_t *b = calloc(nb, sizeof *b);
    if (!b)
        return false;
    for (uint32_t i = 0; i < p->nent; i++) {
        uint32_t s = (uint32_t)(p->ent[i].hash & (nb - 1));
        p->ent[i].next = b[s];
        b[s] = i + 1;
    }
    free(p->ebuck);
    p->ebuck = b;
    p->nebuck = nb;
    return true;
}

static bool ent_root(struct paths *p)
{
    char *t = strdup("/");
    if (!t)
        return false;
    p->ent[0] = (struct pent){ .id = PATHS_ROOT_ID, .dir = 0, .hash = 0, .text = t,
                               .len = 1, .name_off = 1 };
    p->nent = 1;
    return ent_rehash(p, p->nebuck ? p->nebuck : 1024);
}

/* Forget every interned path but "/" (memory bound); node caches go stale. */
static void ent_clear(struct paths *p)
{
    for (uint32_t i = 1; i < p->nent; i++)
        free(p->ent[i].text);
    p->nent = 1;
    p->bytes = 0;
    memset(p->ebuck, 0, p->nebuck * sizeof *p->ebuck);
    p->ent[0].next = NONE;
    p->ebuck[0] = 1;           /* hash 0 */
    p->gen++;
}

/* The entry for `name` in directory entry d: *out = its index. */
static int intern(struct paths *p, uint32_t d, const char *name, size_t len, uint32_t *out)
{
    int64_t dir = p->ent[d].id;
    uint64_t h = hash_name((uint64_t)dir, name, len);
    for (uint32_t i = p->ebuck[h & (p->nebuck - 1)]; i; i = p->ent[i - 1].next) {
        struct pent *e = &p->ent[i - 1];
        if (e->hash == h && e->dir == dir && e->len - e->name_off == len
            && memcmp(e->text + e->name_off, name, len) == 0) {
            *out = i - 1;
            return SQLITE_OK;
        }
    }
    if (p->nent == p->capent) {
        uint32_t nc = p->capent * 2;
        struct pent *ne = realloc(p->ent, nc * sizeof *ne);
        if (!ne)
            return SQLITE_NOMEM;
        p->ent = ne;
        p->capent = nc;
    }
    const struct pent *de = &p->ent[d];
    bool root = d == 0;
    size_t tl = (root ? 1 : de->len + 1) + len;
    char *t = malloc(tl + 1);
    if (!t)
        return SQLITE_NOMEM;
    size_t o = root ? 0 : de->len;
    memcpy(t, de->text, o);
    t[o++] = '/';
    memcpy(t + o, name, len);
    t[tl] = 0;
    int64_t id = p->next_id + 1;
    int rc = p->row(p->ctx, id, dir, t, tl);
    if (rc != SQLITE_OK) {
        free(t);
        return rc;
    }
    p->next_id = id;
    uint32_t i = p->nent++;
    uint32_t s = (uint32_t)(h & (p->nebuck - 1));
    p->ent[i] = (struct pent){ .id = id, .dir = dir, .hash = h, .text = t, .len = (uint32_t)tl,
                               .name_off = (uint32_t)o, .next = p->ebuck[s] };
    p->ebuck[s] = i + 1;
    p->bytes += tl + 1 + sizeof(struct pent);
    if (p->nent > p->nebuck * 2)
        ent_rehash(p, p->nebuck * 2);      /* on failure the chains just grow */
    *out = i;
    return SQLITE_OK;
}

/* ---- nodes and the dentry index ------------------------------------------------ */

static struct pnode *node_get(struct paths *p, uint64_t nodeid)
{
    uint64_t v;
    return rmap_get(&p->byid, nodeid, &v) ? &p->node[v - 1] : NULL;
}

static struct pnode *node_make(struct paths *p, uint64_t nodeid)
{
    struct pnode *n = node_get(p, nodeid);
    if (n) {
        n->gone = false;
        return n;
    }
    uint32_t i;
    if (p->free_head) {
        i = p->free_head - 1;
        p->free_head = p->node[i].dnext;
    } else {
        if (p->nnode == p->capnode) {
            uint32_t nc = p->capnode ? p->capnode * 2 : 1024;
            struct pnode *nn = realloc(p->node, nc * sizeof *nn);
            if (!nn)
                return NULL;
            p->node = nn;
            p->capnode = nc;
        }
        i = p->nnode++;
    }
    if (!rmap_put(&p->byid, nodeid, (uint64_t)i + 1)) {
        p->node[i].dnext = p->free_head;
        p->free_head = i + 1;
        p->node[i].used = false;
        return NULL;
    }
    p->node[i] = (struct pnode){ .nodeid = nodeid, .used = true };
    return &p->node[i];
}

static bool dbuck_grow(struct paths *p)
{
    uint32_t nb = p->ndbuck ? p->ndbuck * 2 : 1024;
    uint32_t *b = calloc(nb, sizeof *b);
    if (!b)
        return false;
    for (uint32_t i = 0; i < p->nnode; i++) {
        struct pnode *n = &p->node[i];
        if (!n->used || !n->indexed)
            continue;
        uint32_t s = (uint32_t)(n->dhash & (nb - 1));
        n->dnext = b[s];
        b[s] = i + 1;
    }
    free(p->dbuck);
    p->dbuck = b;
    p->ndbuck = nb;
    return true;
}

static struct pnode *dentry_find(struct paths *p, uint64_t parent, const char *name, size_t len)
{
    if (!p->ndbuck)
        return NULL;
    uint64_t h = hash_name(parent, name, len);
    for (uint32_t i = p->dbuck[h & (p->ndbuck - 1)]; i; i = p->node[i - 1].dnext) {
        struct pnode *n = &p->node[i - 1];
        if (n->dhash == h && n->parent == parent && n->name_len == len
            && memcmp(n->name, name, len) == 0)
            return n;
    }
    return NULL;
}

static void unindex(struct paths *p, struct pnode *n)
{
    if (!n->indexed)
        return;
    uint32_t me = (uint32_t)(n - p->node) + 1;
    uint32_t *link = &p->dbuck[n->dhash & (p->ndbuck - 1)];
    while (*link && *link != me)
        link = &p->node[*link - 1].dnext;
    if (*link)
        *link = n->dnext;
    n->dnext = NONE;
    n->indexed = false;
    p->nindexed--;
}

static void index_node(struct paths *p, struct pnode *n)
{
    struct pnode *holder = dentry_find(p, n->parent, n->name, n->name_len);
    if (holder == n)
        return;
    if (holder)
        unindex(p, holder);    /* an unlink we did not see: the newer node wins */
    if (p->nindexed + 1 > p->ndbuck) {
        size_t off = (size_t)(n - p->node);
        if (!dbuck_grow(p))
            return;            /* not indexed: renames of it go unseen */
        n = &p->node[off];
    }
    n->dhash = hash_name(n->parent, n->name, n->name_len);
    uint32_t s = (uint32_t)(n->dhash & (p->ndbuck - 1));
    n->dnext = p->dbuck[s];
    p->dbuck[s] = (uint32_t)(n - p->node) + 1;
    n->indexed = true;
    p->nindexed++;
}

static void node_drop(struct paths *p, struct pnode *n);

/* n no longer counts as a child of its parent. */
static void uncount(struct paths *p, struct pnode *n)
{
    if (!n->counted)
        return;
    n->counted = false;
    struct pnode *par = node_get(p, n->parent);
    if (par && par->children) {
        par->children--;
        if (!par->children && par->gone)
            node_drop(p, par);
    }
}

static void node_drop(struct paths *p, struct pnode *n)
{
    /* A chain of gone parents is dropped one level per iteration. */
    while (n) {
        unindex(p, n);
        uint64_t parent = n->parent;
        bool counted = n->counted;
        free(n->name);
        rmap_del(&p->byid, n->nodeid, NULL);
        uint32_t i = (uint32_t)(n - p->node);
        p->node[i] = (struct pnode){ .dnext = p->free_head };
        p->free_head = i + 1;
        n = NULL;
        if (counted) {
            struct pnode *par = node_get(p, parent);
            if (par && par->children && --par->children == 0 && par->gone)
                n = par;
        }
    }
}

/* Give n the name (parent, name) and put it in the dentry index. */
static void set_name(struct paths *p, struct pnode *n, uint64_t parent, const char *name, size_t len)
{
    size_t off = (size_t)(n - p->node);
    char *copy = malloc(len + 1);
    if (!copy)
        return;                /* keeps its old name */
    memcpy(copy, name, len);
    copy[len] = 0;
    unindex(p, n);
    uncount(p, n);
    n = &p->node[off];
    free(n->name);
    n->name = copy;
    n->name_len = (uint32_t)len;
    n->parent = parent;
    n->named = true;
    struct pnode *par = node_get(p, parent);
    if (par) {
        par->children++;
        n->counted = true;
    }
    index_node(p, n);
    n = &p->node[off];
    /* Its descendants' paths went through the old name. */
    if (n->children)
        p->gen++;
    else
        n->gen = 0;
}

static bool is_dot(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* *out = ent index + 1 of the node's path, 0 when not known. */
static int node_path(struct paths *p, struct pnode *n, uint32_t *out)
{
    static uint32_t stack[DEPTH_MAX];   /* writer thread only */
    int depth = 0;
    uint32_t base;
    for (;;) {
        if (n->nodeid == 1) {
            base = 0;
            break;
        }
        if (n->gen == p->gen && n->pent < p->nent) {
            base = n->pent;
            break;
        }
        if (!n->named || depth == DEPTH_MAX) {
            *out = NONE;
            return SQLITE_OK;
        }
        stack[depth++] = (uint32_t)(n - p->node);
        n = node_get(p, n->parent);
        if (!n) {
            *out = NONE;
            return SQLITE_OK;
        }
    }
    uint32_t e = base;
    while (depth > 0) {
        struct pnode *c = &p->node[stack[--depth]];
        int rc = intern(p, e, c->name, c->name_len, &e);
        if (rc != SQLITE_OK)
            return rc;
        c->pent = e;
        c->gen = p->gen;
    }
    *out = e + 1;
    return SQLITE_OK;
}

static void bound_memory(struct paths *p)
{
    if (p->bytes > PATHS_MAX_BYTES)
        ent_clear(p);
}

/* ---- interface -------------------------------------------------------------------- */

struct paths *paths_new(paths_row_fn row, void *ctx)
{
    struct paths *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->row = row;
    p->ctx = ctx;
    p->next_id = PATHS_ROOT_ID;
    p->gen = 1;
    p->capent = 1024;
    p->ent = calloc(p->capent, sizeof *p->ent);
    if (!p->ent || !ent_root(p) || !node_make(p, 1)) {
        paths_free(p);
        return NULL;
    }
    return p;
}

void paths_free(struct paths *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->nent; i++)
        free(p->ent[i].text);
    for (uint32_t i = 0; i < p->nnode; i++)
        if (p->node[i].used)
            free(p->node[i].name);
    free(p->ent);
    free(p->ebuck);
    free(p->node);
    free(p->dbuck);
    rmap_free(&p->byid);
    free(p);
}

int paths_node(struct paths *p, uint64_t nodeid, int64_t *id, const char **text)
{
    bound_memory(p);
    *id = 0;
    if (text)
        *text = NULL;
    struct pnode *n = node_get(p, nodeid);
    if (!n)
        return SQLITE_OK;
    uint32_t e;
    int rc = node_path(p, n, &e);
    if (rc == SQLITE_OK && e) {
        *id = p->ent[e - 1].id;
        if (text)
            *text = p->ent[e - 1].text;
    }
    return rc;
}

int paths_child(struct paths *p, uint64_t dir, const char *name, size_t len, int64_t *id)
{
    bound_memory(p);
    *id = 0;
    struct pnode *n = node_get(p, dir);
    if (n && is_dot(name, len) && len == 2)
        n = n->nodeid == 1 ? n : n->named ? node_get(p, n->parent) : NULL;
    if (!n || !len)
        return SQLITE_OK;
    uint32_t d, e;
    int rc = node_path(p, n, &d);
    if (rc == SQLITE_OK && d && is_dot(name, len)) {
        *id = p->ent[d - 1].id;    /* "." is the directory, ".." its parent */
        return SQLITE_OK;
    }
    if (rc != SQLITE_OK || !d)
        return rc;
    rc = intern(p, d - 1, name, len, &e);
    if (rc == SQLITE_OK)
        *id = p->ent[e].id;
    return rc;
}

void paths_name(struct paths *p, uint64_t nodeid, uint64_t parent, const char *name,
                size_t len, bool *renamed)
{
    *renamed = false;
    if (nodeid == 1 || nodeid == parent || !len || is_dot(name, len))
        return;
    struct pnode *n = node_make(p, nodeid);
    if (!n)
        return;
    if (n->named && n->parent == parent && n->name_len == len && memcmp(n->name, name, len) == 0) {
        if (!n->indexed)
            index_node(p, n);
        return;
    }
    *renamed = n->named;
    set_name(p, n, parent, name, len);
}

void paths_rename(struct paths *p, uint64_t olddir, const char *old, size_t oldlen,
                  uint64_t newdir, const char *new_, size_t newlen, bool exchange,
                  uint64_t moved[2])
{
    moved[0] = moved[1] = 0;
    struct pnode *m = dentry_find(p, olddir, old, oldlen);
    struct pnode *t = dentry_find(p, newdir, new_, newlen);
    if (t == m)
        t = NULL;
    size_t mo = m ? (size_t)(m - p->node) : 0, to = t ? (size_t)(t - p->node) : 0;
    if (m)
        unindex(p, m);
    if (t)
        unindex(p, t);         /* replaced, or about to take the old name */
    if (m) {
        set_name(p, &p->node[mo], newdir, new_, newlen);
        moved[0] = p->node[mo].nodeid;
    }
    if (t && exchange) {
        set_name(p, &p->node[to], olddir, old, oldlen);
        moved[1] = p->node[to].nodeid;
    }
}

void paths_unlink(struct paths *p, uint64_t dir, const char *name, size_t len)
{
    struct pnode *n = dentry_find(p, dir, name, len);
    if (n)
        unindex(p, n);         /* keeps its last path for requests still made on it */
}

void paths_forget(struct paths *p, uint64_t nodeid)
{
    struct pnode *n = node_get(p, nodeid);
    if (!n || nodeid == 1)
        return;
    if (n->children) {
        unindex(p, n);
        n->gone = true;        /* its children's paths still go through it */
        return;
    }
    node_drop(p, n);
}

bool paths_current(struct paths *p, uint64_t nodeid, uint64_t *parent, const char **name,
                   size_t *len)
{
    struct pnode *n = node_get(p, nodeid);
    if (!n || !n->named)
        return false;
    *parent = n->parent;
    *name = n->name;
    *len = n->name_len;
    return true;
}
