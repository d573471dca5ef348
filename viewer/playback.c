/* playback.c — replay in (scaled) recorded time.
 *
 * Each frame computes the session time the playback has reached,
 * play_ts0 + wall-clock elapsed x speed, and moves the cursor to the last
 * row at or before it: within the loaded window when possible, else by a
 * time seek (binary search on request ids).  At high speeds rows are
 * skipped rather than drawn one by one, so a frame costs the same at
 * x0.1 and x1000.  x1 is playback "as recorded". */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer/app.h"

const double play_speeds[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000 };
const int play_nspeeds = (int)(sizeof play_speeds / sizeof *play_speeds);

#define FRAME_MS 40

static void restart_clock(struct app *a)
{
    const struct oprow *r = tl_cursor(a);
    a->play_wall0 = now_ns();
    a->play_ts0 = r ? r->ts : a->v.t_first;
}

void play_toggle(struct app *a)
{
    a->playing = !a->playing;
    if (a->playing) {
        if (a->tl.at_end && a->tl.cur == a->tl.n - 1 && !a->follow)
            tl_top(a);         /* at the end: play from the start */
        restart_clock(a);
    }
}

void play_speed(struct app *a, int dir)
{
    int i = a->speed_i + dir;
    if (i < 0)
        i = 0;
    if (i >= play_nspeeds)
        i = play_nspeeds - 1;
    a->speed_i = i;
    restart_clock(a);
}

void play_step(struct app *a, int dir)
{
    a->playing = false;
    tl_move(a, dir);
}

int play_timeout_ms(const struct app *a)
{
    return a->playing ? FRAME_MS : -1;
}

void play_tick(struct app *a)
{
    if (!a->playing)
        return;
    struct timeline *t = &a->tl;
    double el = (double)(now_ns() - a->play_wall0);
    int64_t target = a->play_ts0 + (int64_t)(el * play_speeds[a->speed_i]);
    if (!t->n)
        return;
    int cur = t->cur;
    if (cur + 1 < t->n && t->rows[t->n - 1].ts >= target) {
        while (cur + 1 < t->n && t->rows[cur + 1].ts <= target)
            cur++;
        if (cur != t->cur)
            tl_move(a, cur - t->cur);
    } else if (t->at_end && cur == t->n - 1) {
        if (!a->follow) {
            a->playing = false;
            app_msg(a, false, "playback reached the end");
        }
    } else {
        /* beyond the loaded rows: seek by time, then settle on the last
         * row at or before the target */
        int64_t id = vdb_id_at_ts(&a->v, target + 1);
        tl_reset(a, id > a->v.min_id ? id - 1 : id, -1);
    }
}
