/* detail.c — everything recorded about the selected request: every
 * non-NULL column of its request and reply rows (decoded where a raw
 * number would mean little), its inode and fh events, and the backing
 * syscalls it caused with their durations, summed against the latency so
 * the daemon/backend split is visible; with the kernel's side recorded,
 * the whole split as the caller saw it: queue / daemon / backing / return. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "schemas/db_format.h"
#include "viewer/app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/text.h"

static void add(struct detail *d, int attr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(struct detail *d, int attr, const char *fmt, ...)
{
    if (d->n == d->cap) {
        int nc = d->cap ? d->cap * 2 : 64;
        struct detail_line *nl = realloc(d->l, (size_t)nc * sizeof *nl);
        if (!nl)
            return;
        d->l = nl;
        d->cap = nc;
    }
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    d->l[d->n].text = strdup(buf);
    d->l[d->n].attr = attr;
    if (d->l[d->n].text)
        d->n++;
}

void detail_free(struct detail *d)
{
    for (int i = 0; i < d->n; i++)
        free(d->l[i].text);
    free(d->l);
    memset(d, 0, sizeof *d);
}

/* One column value, decoded by name. */
static void value_text(sqlite3_stmt *st, int i, const char *col, int opcode, char *out, size_t cap)
{
    int t = sqlite3_column_type(st, i);
    if (t == SQLITE_TEXT) {
        fmt_escape(out, cap, (const char *)sqlite3_column_text(st, i));
        return;
    }
    if (t == SQLITE_BLOB) {
        int n = sqlite3_column_bytes(st, i);
        const unsigned char *b = sqlite3_column_blob(st, i);
        size_t o = (size_t)snprintf(out, cap, "%d bytes:", n);
        for (int k = 0; k < n && k < 24 && o + 4 < cap; k++)
            o += (size_t)snprintf(out + o, cap - o, " %02x", b[k]);
        return;
    }
    int64_t v = sqlite3_column_int64(st, i);
    if (!strcmp(col, "flags") && (opcode == 14 || opcode == 35 || opcode == 27))
        fmt_oflags(out, cap, v);
    else if (!strcmp(col, "open_flags") || (!strcmp(col, "flags") && opcode == 0))
        snprintf(out, cap, "0x%llx", (unsigned long long)v);
    else if (!strcmp(col, "mode") || !strcmp(col, "attr_mode"))
        fmt_mode(out, cap, v);
    else if (!strcmp(col, "umask"))
        snprintf(out, cap, "0%llo", (unsigned long long)v);
    else if (!strcmp(col, "ts"))
        fmt_ts(out, cap, v);
    else
        snprintf(out, cap, "%lld", (long long)v);
}

static void columns(struct app *a, struct detail *d, const char *sql, int64_t key, int opcode, const char *skip)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(a->v.db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, key);
    if (sqlite3_step(st) == SQLITE_ROW) {
        char line[1024] = "", val[512];
        size_t o = 0;
        int n = sqlite3_column_count(st);
        for (int i = 0; i < n; i++) {
            const char *col = sqlite3_column_name(st, i);
            if (sqlite3_column_type(st, i) == SQLITE_NULL || strstr(skip, col))
                continue;
            value_text(st, i, col, opcode, val, sizeof val);
            char item[700];
            snprintf(item, sizeof item, "%s=%s", col, val);
            /* wrap into lines of ~70 columns */
            if (o && o + strlen(item) + 2 > 70) {
                add(d, 0, "  %s", line);
                o = 0;
                line[0] = 0;
            }
            o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", o ? "  " : "", item);
            if (o >= sizeof line)
                o = sizeof line - 1;
        }
        if (o)
            add(d, 0, "  %s", line);
    }
    sqlite3_finalize(st);
}

static bool has_index(sqlite3 *db, const char *table, const char *col)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT 1 FROM pragma_index_list('%s') l, pragma_index_info(l.name) i "
                              "WHERE i.seqno = 0 AND i.name = '%s'", table, col);
    sqlite3_stmt *st;
    bool yes = false;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        yes = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    return yes;
}

/* Events of one request: by the unique_id index when there is one, else in
 * an id window around the request's lifetime (a recording left by a killed
 * recorder has no secondary indexes). */
static sqlite3_stmt *events_stmt(struct app *a, int slot, const char *view, const char *cols,
                                 const struct oprow *r)
{
    static int idx_cache[EV_COUNT] = { -1, -1, -1 };
    const char *table = ev_table[slot];
    if (idx_cache[slot] < 0)
        idx_cache[slot] = has_index(a->v.db, table, "unique_id");
    char sql[700];
    sqlite3_stmt *st = NULL;
    if (idx_cache[slot]) {
        snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE unique_id = ?1 ORDER BY id LIMIT 200", cols, view);
        if (sqlite3_prepare_v2(a->v.db, sql, -1, &st, NULL) != SQLITE_OK)
            return NULL;
        sqlite3_bind_int64(st, 1, r->unique);
        return st;
    }
    /* a cut of 0 says no event comes before: the window then starts at
     * the session's first key (vdb_session_base) */
    int64_t base = vdb_session_base(r->id);
    int64_t end = r->has_reply ? r->reply_ts : r->ts + 10000000;
    int64_t cut_lo = vdb_event_cut(&a->v.cut[slot], r->ts - 1), cut_hi = vdb_event_cut(&a->v.cut[slot], end);
    int64_t lo = (cut_lo ? cut_lo : base) - 64, hi = (cut_hi ? cut_hi : base) + 64;
    if (hi - lo > 200000)
        hi = lo + 200000;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE id > ?2 AND id <= ?3 AND unique_id = ?1 ORDER BY id LIMIT 200",
             cols, view);
    if (sqlite3_prepare_v2(a->v.db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, r->unique);
    sqlite3_bind_int64(st, 2, lo);
    sqlite3_bind_int64(st, 3, hi);
    return st;
}

static const char *txt(sqlite3_stmt *st, int i, char *buf, size_t cap)
{
    fmt_escape(buf, cap, (const char *)sqlite3_column_text(st, i));
    return buf;
}

/* What the stall watchdog recorded about the request: the thread holding
 * it, the backing syscall it was in, its kernel stack, how the stall ended. */
static void stall_lines(struct app *a, struct detail *d, const struct oprow *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(a->v.db,
            "SELECT s.ts, t.tid, s.held_ts, n.name, s.fd, s.arg, s.name, s.fd_path, s.call_ts, "
            "s.wchan, s.kernel_stack, e.ts, e.reason FROM stall s "
            "LEFT JOIN thread t ON t.id = s.thread LEFT JOIN call_name n ON n.id = s.call_id "
            "LEFT JOIN stall_end e ON e.unique_id = s.unique_id WHERE s.unique_id = ?1",
            -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, r->unique);
    if (sqlite3_step(st) == SQLITE_ROW) {
        char t1[32], t2[32], b1[512], b2[1100], b3[512], dur[32];
        fmt_ts(t1, sizeof t1, sqlite3_column_int64(st, 0) - a->v.t_first);
        fmt_ts(t2, sizeof t2, sqlite3_column_int64(st, 2) - a->v.t_first);
        add(d, CP_WARN, "STALLED (the watchdog reported it at +%ss)", t1);
        add(d, 0, "  held by thread %lld since +%ss", (long long)sqlite3_column_int64(st, 1), t2);
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            fmt_ts(t1, sizeof t1, sqlite3_column_int64(st, 8) - a->v.t_first);
            bool has_name = sqlite3_column_type(st, 6) != SQLITE_NULL;
            add(d, 0, "  in %s(fd %lld, arg %#llx%s%s%s) since +%ss", txt(st, 3, b1, sizeof b1),
                (long long)sqlite3_column_int64(st, 4), (unsigned long long)sqlite3_column_int64(st, 5),
                has_name ? ", \"" : "", has_name ? txt(st, 6, b3, sizeof b3) : "", has_name ? "\"" : "", t1);
            if (sqlite3_column_type(st, 7) != SQLITE_NULL)
                add(d, 0, "  fd %lld is %s", (long long)sqlite3_column_int64(st, 4), txt(st, 7, b2, sizeof b2));
        } else {
            add(d, 0, "  not in a backing syscall");
        }
        if (sqlite3_column_type(st, 9) != SQLITE_NULL)
            add(d, 0, "  kernel wait channel: %s", txt(st, 9, b1, sizeof b1));
        if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
            fmt_ts(t1, sizeof t1, sqlite3_column_int64(st, 11) - a->v.t_first);
            fmt_dur(dur, sizeof dur, sqlite3_column_int64(st, 11) - sqlite3_column_int64(st, 2));
            const char *why = (const char *)sqlite3_column_text(st, 12);
            add(d, 0, "  ended at +%ss after %s: %s", t1, dur,
                why && !strcmp(why, "reply") ? "the reply was written"
                : why && !strcmp(why, "session_end") ? "the session ended first"
                : "released without a reply");
        } else {
            add(d, CP_WARN, "  not ended (still stalled%s)",
                a->v.info.status == TRACEDB_RECORDING ? "" : " when the recording stopped");
        }
        if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
            add(d, 0, "  kernel stack:");
            /* one line per frame, each escaped on its own */
            const char *p = (const char *)sqlite3_column_text(st, 10);
            while (p && *p) {
                size_t n = strcspn(p, "\n");
                char frame[512], esc[1024];
                snprintf(frame, sizeof frame, "%.*s", (int)(n < sizeof frame ? n : sizeof frame - 1), p);
                fmt_escape(esc, sizeof esc, frame);
                add(d, CP_DIM, "    %s", esc);
                p += n;
                if (*p)
                    p++;
            }
        }
    }
    sqlite3_finalize(st);
}

/* One row of the kernel's side of request r (kernel_send or kernel_end, by
 * rowid): its ts and, into *second when asked, the second column. */
static bool kernel_time(struct app *a, const char *sql, const struct oprow *r, int64_t *ts,
                        int64_t *second)
{
    sqlite3_stmt *st;
    if (r->opcode == 41 || sqlite3_prepare_v2(a->v.db, sql, -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, r->unique);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        *ts = sqlite3_column_int64(st, 0);
        if (second)
            *second = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return found;
}

void detail_update(struct app *a)
{
    const struct oprow *r = tl_cursor(a);
    struct detail *d = &a->det;
    if (r && d->for_id == r->id)
        return;
    for (int i = 0; i < d->n; i++)
        free(d->l[i].text);
    d->n = 0;
    d->top = 0;
    d->nfreed = 0;
    d->for_id = r ? r->id : 0;
    if (!r)
        return;
    char t[32], lat[32], path[1100], comm[80];
    fmt_ts(t, sizeof t, r->ts - a->v.t_first);
    row_path(r, path, sizeof path);
    fmt_escape(comm, sizeof comm, r->comm ? r->comm : "?");
    add(d, -1, "#%lld %s  unique %lld  at +%ss", (long long)FLEET_KEY_OWN(r->id), r->op,
        (long long)FLEET_KEY_OWN(r->unique), t);
    add(d, 0, "  nodeid %lld %s", (long long)r->nodeid, path);
    add(d, 0, "  pid %lld (%s)", (long long)r->pid, comm);
    if (r->has_reply) {
        fmt_dur(lat, sizeof lat, r->lat);
        if (r->outcome == 'e')
            add(d, CP_ERROR, "reply: %s (errno %lld) after %s", r->errname, (long long)r->err, lat);
        else
            add(d, r->lat >= a->slow_ns ? CP_SLOW : CP_OK, "reply: ok after %s", lat);
    } else {
        add(d, CP_FLIGHT, r->outcome == 'n' ? "reply: none (the protocol never answers %s)"
                          : a->v.info.status == TRACEDB_RECORDING ? "reply: none yet (%s in flight)"
                                                                  : "reply: none recorded (in flight at the end: %s)",
            r->op);
    }
    if (r->stalled)
        stall_lines(a, d, r);
    add(d, -1, "request fields");
    columns(a, d, "SELECT * FROM request WHERE id = ?1", r->id, r->opcode, ",id,ts,unique_id,opcode,");
    if (r->has_reply) {
        add(d, -1, "reply fields");
        /* its ts is the latency above; raw, it would be on another origin */
        columns(a, d, "SELECT * FROM reply WHERE unique_id = ?1", r->unique, r->opcode, ",unique_id,opcode,ts,");
    }

    char b1[512], b2[512], b3[64];
    sqlite3_stmt *st = events_stmt(a, EV_INODE, "inode_history",
                                   "id, ts, kind, cause, nodeid, delta, nlookup, path, fd, err, "
                                   "io_prev, io_mode, io_why, backing_id", r);
    int n = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        if (!n++)
            add(d, -1, "inode events");
        const char *kind = (const char *)sqlite3_column_text(st, 2);
        fmt_ts(b3, sizeof b3, sqlite3_column_int64(st, 1) - a->v.t_first);
        char extra[192] = "";
        if (sqlite3_column_type(st, 5) != SQLITE_NULL)
            snprintf(extra, sizeof extra, " delta %lld", (long long)sqlite3_column_int64(st, 5));
        if (sqlite3_column_type(st, 6) != SQLITE_NULL)
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " nlookup→%lld",
                     (long long)sqlite3_column_int64(st, 6));
        if (sqlite3_column_type(st, 8) != SQLITE_NULL)
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " fd %lld",
                     (long long)sqlite3_column_int64(st, 8));
        if (sqlite3_column_type(st, 9) != SQLITE_NULL && sqlite3_column_int64(st, 9))
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " err %lld",
                     (long long)sqlite3_column_int64(st, 9));
        /* I/O modes: IO_MODE old -> new, IO_CONFLICT asked -> got, and why */
        if (sqlite3_column_type(st, 11) != SQLITE_NULL)
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " %s→%s (%s)",
                     (const char *)sqlite3_column_text(st, 10), (const char *)sqlite3_column_text(st, 11),
                     (const char *)sqlite3_column_text(st, 12));
        if (sqlite3_column_type(st, 13) != SQLITE_NULL)
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " backing id %lld",
                     (long long)sqlite3_column_int64(st, 13));
        add(d, kind && !strcmp(kind, "FREE") ? CP_SLOW : 0, "  +%s %-8s %-8s node %lld%s %s", b3,
            kind ? kind : "?", txt(st, 3, b1, sizeof b1), (long long)sqlite3_column_int64(st, 4), extra,
            txt(st, 7, b2, sizeof b2));
        if (kind && !strcmp(kind, "FREE") && d->nfreed < 8)
            d->inode_free_ids[d->nfreed++] = sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);

    st = events_stmt(a, EV_FH, "fh_history",
                     "id, ts, kind, fh, nodeid, path, flags, fd, created, io_mode, size", r);
    n = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        if (!n++)
            add(d, -1, "fh events");
        char fl[160];
        fmt_oflags(fl, sizeof fl, sqlite3_column_int64(st, 6));
        add(d, 0, "  %-10s fh %lld%s node %lld fd %lld %s %s", txt(st, 2, b3, sizeof b3),
            (long long)sqlite3_column_int64(st, 3), sqlite3_column_int(st, 8) ? " created" : "",
            (long long)sqlite3_column_int64(st, 4), (long long)sqlite3_column_int64(st, 7),
            txt(st, 5, b1, sizeof b1), fl);
        const char *io = (const char *)sqlite3_column_text(st, 9);
        const char *k = (const char *)sqlite3_column_text(st, 2);
        if (io && !strcmp(io, "passthrough") && k && strcmp(k, "RELEASE"))
            /* short: the pane is half the screen wide, and the fh is on the line above */
            add(d, CP_FLIGHT, "    passthrough: data not recorded (size at open %lld)",
                (long long)sqlite3_column_int64(st, 10));
        else if (io && !strcmp(io, "passthrough"))
            add(d, CP_FLIGHT, "    passthrough: data was not recorded (size at release %lld)",
                (long long)sqlite3_column_int64(st, 10));
    }
    sqlite3_finalize(st);

    st = events_stmt(a, EV_BACKING, "backing", "id, ts, call, fd, arg, name, result, errno_name, dur_ns", r);
    n = 0;
    int64_t total = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        if (!n++)
            add(d, -1, "backing syscalls");
        int64_t dur = sqlite3_column_int64(st, 8);
        total += dur;
        fmt_dur(lat, sizeof lat, dur);
        char res[96];
        if (sqlite3_column_type(st, 7) != SQLITE_NULL)
            snprintf(res, sizeof res, "-1 %s", (const char *)sqlite3_column_text(st, 7));
        else
            snprintf(res, sizeof res, "%lld", (long long)sqlite3_column_int64(st, 6));
        /* the open calls' arg is their flags: show them by name */
        const char *call = txt(st, 2, b3, sizeof b3);
        char arg[160];
        if (!strcmp(call, "openat") || !strcmp(call, "open") || !strcmp(call, "open_by_handle_at"))
            fmt_oflags(arg, sizeof arg, sqlite3_column_int64(st, 4));
        else
            snprintf(arg, sizeof arg, "%lld", (long long)sqlite3_column_int64(st, 4));
        add(d, sqlite3_column_type(st, 7) != SQLITE_NULL ? CP_ERROR : 0, "  %s(fd %lld, %s%s%s) = %s  %s",
            call, (long long)sqlite3_column_int64(st, 3), arg,
            sqlite3_column_type(st, 5) != SQLITE_NULL ? ", " : "", txt(st, 5, b1, sizeof b1), res, lat);
    }
    sqlite3_finalize(st);
    int64_t queued, ended, caller_errno;
    bool has_send = kernel_time(a, "SELECT ts, 0 FROM kernel_send WHERE unique_id = ?1", r, &queued, NULL);
    bool has_end = kernel_time(a, "SELECT ts, error FROM kernel_end WHERE unique_id = ?1", r, &ended,
                               &caller_errno);
    if (r->has_reply && has_send && has_end) {
        char q[32], dm[32], bk[32], rt[32], tot[32];
        fmt_dur(q, sizeof q, r->ts - queued);
        fmt_dur(dm, sizeof dm, r->lat);
        fmt_dur(bk, sizeof bk, total);
        fmt_dur(rt, sizeof rt, ended - r->reply_ts);
        fmt_dur(tot, sizeof tot, ended - queued);
        add(d, -1, "latency split: the caller waited %s", tot);
        add(d, 0, "  queue   %9s  the kernel queued it -> a daemon thread read it", q);
        add(d, 0, "  daemon  %9s  read -> reply written", dm);
        add(d, 0, "  backing %9s  of that, in syscalls on the source (%lld%%)", bk,
            (long long)(r->lat > 0 ? total * 100 / r->lat : 0));
        add(d, 0, "  return  %9s  reply written -> the caller woke, errno %lld", rt, (long long)caller_errno);
    } else if (has_send && !r->has_reply) {
        char q[32];
        fmt_dur(q, sizeof q, r->ts - queued);
        add(d, -1, "kernel side: queued %s before a daemon thread read it%s", q,
            has_end ? "; the kernel ended it without a reply" : "");
    } else if (r->has_reply && r->lat > 0) {
        char tb[32], db[32];
        fmt_dur(tb, sizeof tb, total);
        fmt_dur(db, sizeof db, r->lat - total);
        add(d, -1, "latency split: backend %s (%lld%%), daemon+kernel %s", tb, (long long)(total * 100 / r->lat), db);
    }
}

void detail_draw(struct app *a, int y, int x, int h, int w)
{
    WINDOW *win = a->scr;
    struct detail *d = &a->det;
    char title[96];
    snprintf(title, sizeof title, " detail%s ", a->focus == FOCUS_DETAIL ? " [focus: j/k scroll]" : "");
    mvwhline(win, y, x, ACS_HLINE, w);
    draw_text(win, y, x + 1, w - 2, title, CP_TITLE, A_BOLD);
    if (d->top > d->n - 1)
        d->top = d->n > 0 ? d->n - 1 : 0;
    for (int i = 0; i < h - 1; i++) {
        int li = d->top + i;
        if (li >= d->n)
            break;
        int at = d->l[li].attr;
        draw_text(win, y + 1 + i, x, w, d->l[li].text, at > 0 ? at : 0, at < 0 ? A_BOLD : 0);
    }
}
