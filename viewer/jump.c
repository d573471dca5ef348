/* jump.c — moving the cursor to a matching request: search (/ n N), next
 * or previous error (e E), slow request (s S) and stalled request (w W),
 * same nodeid (o O), a time or id (:), a request named by an SQL result row.
 *
 * Scans for a predicate run as a job with a time budget per step: the
 * key returns at once, the scan continues while no key is pressed, and
 * Esc (or any new jump) cancels it. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "schemas/db_format.h"
#include "viewer/app.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/text.h"

#define JOB_BUDGET_NS 40000000LL

void jump_to_id(struct app *a, int64_t id)
{
    a->playing = false;
    tl_reset(a, id, +1);
    const struct oprow *r = tl_cursor(a);
    if (r && r->id != id)
        app_msg(a, false, "#%lld is hidden by the filter; showing the next match", (long long)id);
}

void jump_cancel(struct app *a)
{
    if (a->job.active) {
        vdb_find_end(&a->job.find);
        a->job.active = false;
    }
}

void jump_start(struct app *a, const char *label, const char *pred, int dir)
{
    jump_cancel(a);
    const struct oprow *r = tl_cursor(a);
    int64_t from = r ? r->id : (dir > 0 ? a->v.min_id - 1 : a->v.max_id + 1);
    char err[512];
    if (vdb_find_begin(&a->v, &a->job.find, pred, dir, from, err, sizeof err) != 0) {
        app_msg(a, true, "%s: %s", label, err);
        return;
    }
    snprintf(a->job.label, sizeof a->job.label, "%s", label);
    a->job.active = true;
    a->job.started = now_ns();
    jump_idle(a, now_ns() + JOB_BUDGET_NS);
}

void jump_idle(struct app *a, int64_t deadline)
{
    if (!a->job.active)
        return;
    int64_t id;
    int rc = vdb_find_step(&a->v, &a->job.find, deadline, &id);
    if (rc == 0)
        return;
    int dir = a->job.find.dir;
    char label[64];
    snprintf(label, sizeof label, "%s", a->job.label);
    jump_cancel(a);
    if (rc < 0) {
        app_msg(a, false, "%s: no %s match", label, dir > 0 ? "later" : "earlier");
        return;
    }
    a->playing = false;
    tl_reset(a, id, +1);
}

/* Search: a substring of path, name, name2, op, errno name or process,
 * or a number equal to the id, unique or nodeid. */
void jump_search(struct app *a, int dir)
{
    if (!a->search[0]) {
        app_msg(a, true, "no search yet: press / to search");
        return;
    }
    const char *s = a->search;
    bool num = true;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            num = false;
    char *pred = num
        ? sqlite3_mprintf("(id = %s OR unique_id = %s OR nodeid = %s OR entry_nodeid = %s OR instr(path, %Q) > 0 "
                          "OR instr(name, %Q) > 0)", s, s, s, s, s, s)
        : sqlite3_mprintf("(instr(path, %Q) > 0 OR instr(name, %Q) > 0 OR instr(name2, %Q) > 0 OR op = upper(%Q) "
                          "OR errno_name = upper(%Q) OR process_id IN (SELECT id FROM process WHERE instr(comm, %Q) > 0))",
                          s, s, s, s, s, s);
    char label[600], esc[512];
    fmt_escape(esc, sizeof esc, s);
    snprintf(label, sizeof label, "search '%.40s'", esc);
    if (pred)
        jump_start(a, label, pred, dir);
    sqlite3_free(pred);
}

void jump_same_nodeid(struct app *a, int dir)
{
    const struct oprow *r = tl_cursor(a);
    if (!r)
        return;
    if (!r->nodeid) {
        app_msg(a, true, "this request has no nodeid");
        return;
    }
    if (a->v.idx_nodeid) {
        a->v.deadline = now_ns() + 80000000LL;
        int64_t id = vdb_same_nodeid(&a->v, dir, r->nodeid, r->ts, r->id);
        bool cut = a->v.interrupted;
        a->v.deadline = 0;
        a->v.interrupted = false;
        if (!cut) {
            if (id)
                jump_to_id(a, id);
            else
                app_msg(a, false, "no %s request on nodeid %lld", dir > 0 ? "later" : "earlier", (long long)r->nodeid);
            return;
        }
    }
    /* no index (unfinished recording) or a filter that the index cannot
     * serve within a key's budget: scan as a job */
    char pred[96];
    snprintf(pred, sizeof pred, "nodeid = %lld", (long long)r->nodeid);
    char label[64];
    snprintf(label, sizeof label, "nodeid %lld", (long long)r->nodeid);
    jump_start(a, label, pred, dir);
}

/* w / W: the next / previous request the stall watchdog reported. */
void jump_stall(struct app *a, int dir)
{
    jump_start(a, dir > 0 ? "next stall" : "previous stall",
               "unique_id IN (SELECT unique_id FROM stall)", dir);
}

/* ":" — "12.5" or "12.5s" (session time), "+200ms"/"-1s" (relative to the
 * cursor), "#123" (request id), "u456" (kernel unique). */
void jump_goto(struct app *a, const char *spec)
{
    while (isspace((unsigned char)*spec))
        spec++;
    const struct oprow *r = tl_cursor(a);
    int64_t ns;
    if (spec[0] == '#' && isdigit((unsigned char)spec[1])) {
        /* ids as shown: a fleet session's are stored offset (db_format.h) */
        jump_to_id(a, strtoll(spec + 1, NULL, 10) + (a->v.min_id - FLEET_KEY_OWN(a->v.min_id)));
        return;
    }
    if ((spec[0] == 'u' || spec[0] == 'U') && isdigit((unsigned char)spec[1])) {
        int64_t id = vdb_id_of_unique(&a->v, strtoll(spec + 1, NULL, 10)
                                              + (a->v.min_id - FLEET_KEY_OWN(a->v.min_id)));
        if (id)
            jump_to_id(a, id);
        else
            app_msg(a, true, "no request with unique %s", spec + 1);
        return;
    }
    int64_t target;
    if (spec[0] == '+' || spec[0] == '-') {
        if (parse_dur(spec + 1, 1000000000, &ns) != 0) {
            app_msg(a, true, "bad time '%.40s' (try 12.5, 12.5s, +200ms, #123, u456)", spec);
            return;
        }
        target = (r ? r->ts : a->v.t_first) + (spec[0] == '+' ? ns : -ns);
    } else {
        if (parse_dur(spec, 1000000000, &ns) != 0) {
            app_msg(a, true, "bad time '%.40s' (try 12.5, 12.5s, +200ms, #123, u456)", spec);
            return;
        }
        target = a->v.t_first + ns;
    }
    a->playing = false;
    tl_reset(a, vdb_id_at_ts(&a->v, target), +1);
}
