/* replay_setup.c — rebuild the tree the recorded session started from.
 *
 * What existed before the session is what it *found*: the manifest rows
 * (objects whose entry a LOOKUP or READDIRPLUS made), the names READDIR
 * listed, and files a CREATE without O_EXCL opened instead of creating.
 * Not everything found was there at the start, though: an object the
 * session made, forgotten by the kernel and looked up again, has a manifest
 * row too.  So the recording is walked in time order with a small model:
 *   - objects are known by (dev, ino); the first thing that happens to one
 *     decides: found first -> initial, made first (CREATE, MKNOD, MKDIR,
 *     SYMLINK) -> the session's;
 *   - a name the session changed (made, removed, renamed to or from,
 *     linked) in a directory is no longer initial state there;
 *   - an initial object's initial path is its directory's initial path plus
 *     the name it was found under, so a directory renamed by the session
 *     still places what is found in it later where it was at the start;
 *   - a second initial name of the same inode is a hard link.
 * Listed-only names (READDIR, never looked up) are built with a default
 * mode and size 0, upgraded if a manifest row comes later.
 */
#include "replay/replay.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

enum { OBJ_INITIAL = 1, OBJ_SESSION = 2 };

struct obj {
    int state;
    char *path;                /* initial path ("" = root) */
    size_t entry;              /* its entry in `entries` (initial objects) */
    bool weak;                 /* listed only: attributes unknown */
};

struct entry {
    char *path;
    char *link_to;             /* hard link to this earlier entry's path */
    uint32_t mode, uid, gid;
    int64_t size, atime_ns, mtime_ns;
    uint64_t rdev;
    const char *target;        /* symlink */
    const uint8_t *data;
    size_t data_len;
    bool weak, times;
};

struct model {
    const struct rp_recording *rec;
    struct rmap objs;          /* key(dev, ino) -> struct obj * */
    struct rmap touched;       /* hash(dir key, name) -> 1 */
    struct rmap paths;         /* hash(path) -> 1: initial paths taken */
    struct entry *entries;
    size_t n, cap;
    uint64_t root_dev;
    struct rp_setup_stats *st;
};

#define ROOT_KEY 1

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t obj_key(uint64_t dev, uint64_t ino)
{
    uint64_t k = mix(mix(dev) ^ ino);
    return k > ROOT_KEY ? k : k + 2;
}

static uint64_t str_hash(uint64_t seed, const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
    h = mix(h);
    return h ? h : 1;
}

/* The object key of a recorded directory node. */
static uint64_t dir_key(const struct model *m, uint64_t nodeid)
{
    if (nodeid == FUSE_ROOT_ID)
        return ROOT_KEY;
    uint64_t dev, ino;
    if (!rmap_get(&m->rec->node_dev, nodeid, &dev) || !rmap_get(&m->rec->node_ino, nodeid, &ino))
        return 0;
    return obj_key(dev, ino);
}

static struct obj *get_obj(const struct model *m, uint64_t key)
{
    uint64_t v;
    return key && rmap_get(&m->objs, key, &v) ? (struct obj *)(uintptr_t)v : NULL;
}

static struct obj *new_obj(struct model *m, uint64_t key, int state)
{
    struct obj *o = calloc(1, sizeof *o);
    if (!o || !rmap_put(&m->objs, key, (uint64_t)(uintptr_t)o)) {
        free(o);
        return NULL;
    }
    o->state = state;
    return o;
}

static bool is_touched(const struct model *m, uint64_t dkey, const char *name)
{
    uint64_t v;
    return rmap_get(&m->touched, str_hash(dkey, name), &v);
}

static void touch(struct model *m, uint64_t nodeid, const char *name)
{
    uint64_t dk = dir_key(m, nodeid);
    if (dk && name)
        rmap_put(&m->touched, str_hash(dk, name), 1);
}

static char *child_path(const struct obj *dir, const char *name)
{
    size_t dl = strlen(dir->path), nl = strlen(name);
    char *p = malloc(dl + nl + 2);
    if (!p)
        return NULL;
    if (dl) {
        memcpy(p, dir->path, dl);
        p[dl] = '/';
        memcpy(p + dl + 1, name, nl + 1);
    } else {
        memcpy(p, name, nl + 1);
    }
    return p;
}

static struct entry *add_entry(struct model *m, char *path)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        struct entry *e = realloc(m->entries, cap * sizeof *e);
        if (!e)
            return NULL;
        m->entries = e;
        m->cap = cap;
    }
    struct entry *e = &m->entries[m->n++];
    memset(e, 0, sizeof *e);
    e->path = path;
    rmap_put(&m->paths, str_hash(0, path), 1);
    return e;
}

static bool path_taken(const struct model *m, const char *path)
{
    uint64_t v;
    return rmap_get(&m->paths, str_hash(0, path), &v);
}

static void fill_from_manifest(struct entry *e, const struct rp_manifest *r)
{
    e->mode = r->mode;
    e->uid = r->uid;
    e->gid = r->gid;
    e->size = r->size;
    e->rdev = r->rdev;
    e->atime_ns = r->atime_ns;
    e->mtime_ns = r->mtime_ns;
    e->times = true;
    e->target = r->link_target;
    e->data = r->data;
    e->data_len = r->data_len;
    e->weak = false;
}

/* An object found under `name` in directory node `parent`.  `r` is its
 * manifest row, or NULL for a listed name of d_type `type`. */
static int found(struct model *m, uint64_t parent, const char *name, uint64_t dev, uint64_t ino,
                 const struct rp_manifest *r, uint32_t list_mode)
{
    if (!name || !strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    uint64_t pk = dir_key(m, parent), k = obj_key(dev, ino);
    struct obj *dir = get_obj(m, pk), *o = get_obj(m, k);
    if (!dir || dir->state != OBJ_INITIAL || is_touched(m, pk, name)) {
        /* inside something the session made, or at a name it changed */
        if (!o && !new_obj(m, k, OBJ_SESSION))
            return -1;
        if (r && (!o || o->state == OBJ_SESSION))
            m->st->skipped_session++;
        return 0;
    }
    if (o && o->state == OBJ_SESSION) {
        if (r)
            m->st->skipped_session++;
        return 0;
    }
    char *path = child_path(dir, name);
    if (!path)
        return -1;
    if (o) {
        /* known initial object: upgrade a listed-only one, or a second name */
        if (r && o->weak) {
            fill_from_manifest(&m->entries[o->entry], r);
            o->weak = false;
            m->st->listed_only--;
        }
        if (strcmp(path, o->path) != 0 && !path_taken(m, path)
            && !S_ISDIR(m->entries[o->entry].mode)) {
            struct entry *e = add_entry(m, path);
            if (!e)
                return -1;
            e->link_to = strdup(o->path);
            e->mode = m->entries[o->entry].mode;
            m->st->links++;
            return e->link_to ? 0 : -1;
        }
        free(path);
        return 0;
    }
    if (path_taken(m, path)) {
        free(path);
        return 0;
    }
    o = new_obj(m, k, OBJ_INITIAL);
    struct entry *e = o ? add_entry(m, path) : NULL;
    if (!e) {
        free(path);
        return -1;
    }
    o->path = strdup(path);
    o->entry = m->n - 1;
    if (r) {
        fill_from_manifest(e, r);
    } else {
        e->mode = list_mode;
        e->weak = o->weak = true;
        m->st->listed_only++;
    }
    return o->path ? 0 : -1;
}

static uint32_t dtype_mode(uint32_t t)
{
    uint32_t fmt = t << 12;
    return fmt | (S_ISDIR(fmt) ? 0755 : 0644);
}

static bool created_entry(const struct rp_req *q)
{
    switch (q->opcode) {
    case FUSE_CREATE: return q->has_fh_event ? q->created : true;
    case FUSE_MKNOD:
    case FUSE_MKDIR:
    case FUSE_SYMLINK:
    case FUSE_TMPFILE: return true;
    default: return false;
    }
}

/* A successful request that changes names, at its own time. */
static int session_change(struct model *m, const struct rp_req *q)
{
    switch (q->opcode) {
    case FUSE_CREATE:
        if (q->has_fh_event && !q->created) {
            /* An existing file opened: found, not made. */
            uint64_t dev, ino;
            if (q->r_entry && rmap_get(&m->rec->node_dev, q->r_nodeid, &dev)
                && rmap_get(&m->rec->node_ino, q->r_nodeid, &ino)) {
                struct rp_manifest r = { .mode = q->r_mode, .size = q->r_size };
                if (q->has_flags && (q->flags & O_TRUNC))
                    r.size = 0;
                if (!get_obj(m, obj_key(dev, ino)) && found(m, q->nodeid, q->name, dev, ino, &r, 0) != 0)
                    return -1;
                /* the data is unknown: times are not the file's */
                struct obj *o = get_obj(m, obj_key(dev, ino));
                if (o && o->state == OBJ_INITIAL)
                    m->entries[o->entry].times = false;
            }
            return 0;
        }
        touch(m, q->nodeid, q->name);
        break;
    case FUSE_MKNOD:
    case FUSE_MKDIR:
    case FUSE_SYMLINK:
    case FUSE_UNLINK:
    case FUSE_RMDIR:
    case FUSE_LINK:
        touch(m, q->nodeid, q->name);
        break;
    case FUSE_RENAME:
    case FUSE_RENAME2:
        touch(m, q->nodeid, q->name);
        touch(m, q->nodeid2, q->name2);
        break;
    default:
        return 0;
    }
    if (created_entry(q) && q->r_entry) {
        uint64_t dev, ino;
        if (rmap_get(&m->rec->node_dev, q->r_nodeid, &dev)
            && rmap_get(&m->rec->node_ino, q->r_nodeid, &ino)) {
            struct obj *o = get_obj(m, obj_key(dev, ino));
            if (o)
                o->state = OBJ_SESSION;   /* an inode number used again */
            else if (!new_obj(m, obj_key(dev, ino), OBJ_SESSION))
                return -1;
        }
    }
    return 0;
}

/* ---- the walk in time order ------------------------------------------------------ */

enum { EV_MANIFEST, EV_CHANGE, EV_LISTING };

struct ev {
    int64_t ts;
    int kind;
    size_t i;
};

static int ev_cmp(const void *a, const void *b)
{
    const struct ev *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind - y->kind;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int build_model(struct model *m)
{
    const struct rp_recording *rec = m->rec;
    size_t n = rec->nman;
    for (size_t i = 0; i < rec->nreqs; i++)
        n++;
    struct ev *evs = malloc((n ? n : 1) * sizeof *evs);
    if (!evs)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < rec->nman; i++)
        evs[k++] = (struct ev){ rec->man[i].ts, EV_MANIFEST, i };
    for (size_t i = 0; i < rec->nreqs; i++) {
        const struct rp_req *q = &rec->reqs[i];
        if (!q->has_reply || q->error)
            continue;
        if (q->opcode == FUSE_READDIR || q->opcode == FUSE_READDIRPLUS)
            evs[k++] = (struct ev){ q->reply_ts, EV_LISTING, i };
        else
            evs[k++] = (struct ev){ q->ts, EV_CHANGE, i };
    }
    qsort(evs, k, sizeof *evs, ev_cmp);
    int r = 0;
    for (size_t e = 0; e < k && r == 0; e++) {
        if (evs[e].kind == EV_MANIFEST) {
            const struct rp_manifest *x = &rec->man[evs[e].i];
            r = found(m, x->parent, x->name, x->dev, x->ino, x, 0);
        } else if (evs[e].kind == EV_CHANGE) {
            r = session_change(m, &rec->reqs[evs[e].i]);
        } else {
            const struct rp_req *q = &rec->reqs[evs[e].i];
            uint64_t dev = m->root_dev;
            if (q->nodeid != FUSE_ROOT_ID && !rmap_get(&rec->node_dev, q->nodeid, &dev))
                continue;
            for (size_t d = 0; d < q->ndirents && r == 0; d++)
                r = found(m, q->nodeid, q->dirents[d].name, dev, q->dirents[d].ino, NULL,
                          dtype_mode(q->dirents[d].type));
        }
    }
    free(evs);
    return r;
}

/* ---- building ------------------------------------------------------------------------ */

static int make_entry(int tfd, const struct entry *e, char *err, size_t errlen)
{
    int r;
    mode_t fmt = e->mode & S_IFMT;
    if (e->link_to) {
        r = linkat(tfd, e->link_to, tfd, e->path, 0);
    } else if (S_ISDIR(fmt)) {
        r = mkdirat(tfd, e->path, 0700);
    } else if (S_ISREG(fmt)) {
        int fd = openat(tfd, e->path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        r = fd < 0 ? -1 : 0;
        size_t off = 0;
        while (r == 0 && off < e->data_len) {
            ssize_t w = pwrite(fd, e->data + off, e->data_len - off, (off_t)off);
            if (w <= 0)
                r = -1;
            else
                off += (size_t)w;
        }
        if (r == 0)
            r = ftruncate(fd, e->size);   /* sparse beyond the snapshot */
        if (fd >= 0) {
            int saved = errno;
            close(fd);
            errno = saved;
        }
    } else if (S_ISLNK(fmt)) {
        r = symlinkat(e->target ? e->target : "(target not recorded)", tfd, e->path);
    } else if (S_ISFIFO(fmt) || S_ISSOCK(fmt) || S_ISCHR(fmt) || S_ISBLK(fmt)) {
        r = mknodat(tfd, e->path, fmt | 0600, (dev_t)e->rdev);
    } else {
        errno = EINVAL;
        r = -1;
    }
    if (r != 0)
        snprintf(err, errlen, "building the initial tree: %s: %s", e->path, strerror(errno));
    return r;
}

/* Owner, mode and times, children before parents (making a child changes
 * its directory's times; a read-only directory would refuse children). */
static void finish_entry(int tfd, const struct entry *e, bool root)
{
    mode_t fmt = e->mode & S_IFMT;
    if (e->link_to || e->weak)
        return;
    if (root)
        fchownat(tfd, e->path, e->uid, e->gid, AT_SYMLINK_NOFOLLOW);
    if (!S_ISLNK(fmt))
        fchmodat(tfd, e->path, e->mode & 07777, 0);
    if (e->times) {
        struct timespec ts[2] = {
            { .tv_sec = e->atime_ns / 1000000000LL, .tv_nsec = e->atime_ns % 1000000000LL },
            { .tv_sec = e->mtime_ns / 1000000000LL, .tv_nsec = e->mtime_ns % 1000000000LL },
        };
        utimensat(tfd, e->path, ts, AT_SYMLINK_NOFOLLOW);
    }
}

int rp_setup(const struct rp_recording *rec, int target_fd, struct rp_setup_stats *st,
             char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    struct model m = { .rec = rec, .st = st };
    /* The root's device: the one its children were found on. */
    for (size_t i = 0; i < rec->nman && !m.root_dev; i++)
        if (rec->man[i].parent == FUSE_ROOT_ID)
            m.root_dev = rec->man[i].dev;
    if (!m.root_dev) {
        size_t pos = 0;
        uint64_t k, v;
        if (rmap_next(&rec->node_dev, &pos, &k, &v))
            m.root_dev = v;
    }
    struct obj *root = new_obj(&m, ROOT_KEY, OBJ_INITIAL);
    int r = root && (root->path = strdup("")) ? build_model(&m) : -1;
    if (r != 0)
        snprintf(err, errlen, "out of memory");
    for (size_t i = 0; i < m.n && r == 0; i++) {
        r = make_entry(target_fd, &m.entries[i], err, errlen);
        mode_t fmt = m.entries[i].mode & S_IFMT;
        if (m.entries[i].link_to) continue;
        if (S_ISDIR(fmt)) st->dirs++;
        else if (S_ISREG(fmt)) st->files++;
        else if (S_ISLNK(fmt)) st->symlinks++;
        else st->others++;
        if (m.entries[i].data_len)
            st->with_data++;
    }
    bool am_root = geteuid() == 0;
    for (size_t i = m.n; i-- > 0 && r == 0;)
        finish_entry(target_fd, &m.entries[i], am_root);
    st->entries = m.n;

    size_t pos = 0;
    uint64_t k, v;
    while (rmap_next(&m.objs, &pos, &k, &v)) {
        struct obj *o = (struct obj *)(uintptr_t)v;
        free(o->path);
        free(o);
    }
    rmap_free(&m.objs);
    rmap_free(&m.touched);
    rmap_free(&m.paths);
    for (size_t i = 0; i < m.n; i++) {
        free(m.entries[i].path);
        free(m.entries[i].link_to);
    }
    free(m.entries);
    return r;
}
