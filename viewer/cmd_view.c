/* cmd_view.c — `fusetrace view DB`: options, start-up, the main loop and
 * key dispatch, live following (the benchmark mode is view_bench.c).
 *
 * The recording is opened and checked before curses starts, so every bad
 * input ends with one line on stderr and an untouched terminal.  The loop
 * blocks in wget_wch() on our own window (never getch(), which would paint
 * stdscr over everything) with a timeout only while something is going
 * on: playback frames, a budgeted scan, the state builder, following. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer/app.h"
#include "viewer/viewer.h"

#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "viewer/text.h"
#include "util/usage.h"

#define POLL_NS 300000000LL

static void usage(FILE *to)
{
    fprintf(to,
            "usage: fusetrace view [OPTIONS] DB\n"
            "Replay a fusetrace recording in the terminal: step, play, seek, filter, query.\n\n"
            "  -f, --follow          follow a recording that is still being written (like tail -f)\n"
            "      --session ID|HOST a fleet database (fusetrace import -o): show session ID, or\n"
            "                        the session of HOST (default: the first session; the\n"
            "                        title names the session shown, and how many there are)\n"
            "      --slow DURATION   latency counted as slow (default 1ms; e.g. 500us, 2ms)\n"
            "      --bench KEYS      benchmark: replay KEYS (space-separated tokens; <PgDn>, <PgUp>,\n"
            "                        <Enter>, <Esc>, <Tab>, <Down>, <Up> name keys; <WaitIndex> waits\n"
            "                        for the state index), time each token\n"
            "      --bench-out FILE  where the benchmark report goes (default stderr after exit)\n"
            "  -h, --help            this help\n\n"
            "Press ? in the viewer for every key.\n");
}

void app_after_move(struct app *a)
{
    detail_update(a);
    state_update(a);
    a->det.top = 0;
}

void apply_filters(struct app *a)
{
    jump_cancel(a);
    tl_refilter(a);
    char d[512];
    filter_describe(&a->filt, d, sizeof d);
    if (filter_count(&a->filt))
        app_msg(a, false, "filter: %s", d);
    else
        app_msg(a, false, "filters cleared");
}

void clear_filters(struct app *a)
{
    char err[256];
    filter_clear_all(&a->filt);
    vdb_set_filter(&a->v, NULL, err, sizeof err);
    apply_filters(a);
}

static void follow_poll(struct app *a)
{
    int64_t now = now_ns();
    if (now - a->last_poll < POLL_NS)
        return;
    a->last_poll = now;
    enum tracedb_status before = a->v.info.status;
    int64_t old_max = a->v.max_id;
    if (!vdb_refresh(&a->v))
        return;
    if (a->v.max_id > old_max) {
        struct timeline *t = &a->tl;
        bool at_bottom = t->n == 0 || (t->at_end && t->cur == t->n - 1);
        t->at_end = false;
        if (a->follow && (at_bottom || !a->playing))
            tl_bottom(a);
        else if (t->n && t->n - t->top < t->height)
            t->pending = true;
    }
    if (before == TRACEDB_RECORDING && a->v.info.status != TRACEDB_RECORDING)
        app_msg(a, false, "the recording finished (%s)", tracedb_status_name(a->v.info.status));
}

void scroll_focus(struct app *a, int delta)
{
    if (a->focus == FOCUS_DETAIL) {
        a->det.top += delta;
        if (a->det.top < 0)
            a->det.top = 0;
    } else {
        a->state_top += delta;
        if (a->state_top < 0)
            a->state_top = 0;
    }
}

void follow_toggle(struct app *a)
{
    a->follow = !a->follow;
    a->idx.follow = a->follow;
    if (a->follow) {
        a->last_poll = 0;
        follow_poll(a);
        tl_bottom(a);
    }
    app_msg(a, false, "follow %s", a->follow ? "on" : "off");
}

/* One key, whatever view is up.  `is_key` distinguishes KEY_* codes from
 * characters (wget_wch). */
void view_dispatch(struct app *a, wint_t ch, bool is_key)
{
    if (is_key && ch == KEY_RESIZE) {
        draw_layout(a);
        clearok(curscr, TRUE);
        return;
    }
    if (!is_key && ch == 12) {             /* ^L */
        clearok(curscr, TRUE);
        return;
    }
    if (a->too_small) {
        if (!is_key && ch == 'q')
            a->quit = true;
        return;
    }
    if (a->pr.kind != PR_NONE) {
        prompt_key(a, ch, is_key);
        return;
    }
    if (a->help) {
        help_key(a, is_key ? (int)ch : (int)ch);
        return;
    }
    int k = (int)ch;
    if (!is_key && ch == 27 && a->view == VIEW_TIMELINE) {   /* Esc: stop whatever runs */
        if (a->job.active) {
            jump_cancel(a);
            app_msg(a, false, "search cancelled");
        }
        a->tl.pending = false;
        return;
    }
    if ((!is_key && ch == '?') || (is_key && ch == KEY_F(1))) {
        a->help_top = 0;
        help_toggle(a);
        return;
    }
    if (a->job.active && !(!is_key && (ch == 'n' || ch == 'N')))
        jump_cancel(a);                    /* a new action supersedes a running search */
    if (!is_key && ch > 255)
        return;
    if (a->view == VIEW_STATS) {
        const struct keybind *b = key_find(VIEW_STATS, k);
        if (b)
            b->act(a, k);
        else if (!is_key && ch == ';')
            prompt_open(a, PR_SQL, "sql> ", NULL);
        return;
    }
    if (a->view == VIEW_SQL) {
        if (!sql_key(a, k) && !is_key && ch == ';')
            prompt_open(a, PR_SQL, "sql> ", a->sql.query);
        return;
    }
    const struct keybind *b = key_find(VIEW_TIMELINE, k);
    if (b)
        b->act(a, k);
}

/* ---- entry point ------------------------------------------------------------ */

int cmd_view(int argc, char **argv)
{
    static const struct option opts[] = {
        { "follow", no_argument, 0, 'f' },     { "slow", required_argument, 0, 'S' },
        { "bench", required_argument, 0, 'B' }, { "bench-out", required_argument, 0, 'O' },
        { "session", required_argument, 0, 's' },
        { "help", no_argument, 0, 'h' },       { 0, 0, 0, 0 },
    };
    static struct app app;
    const char *session = NULL;
    struct app *a = &app;
    memset(a, 0, sizeof *a);
    a->slow_ns = 1000000;
    a->speed_i = 3;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:fh", opts, NULL)) != -1) {
        switch (c) {
        case 'f': a->follow = true; break;
        case 's': session = optarg; break;
        case 'S':
            if (parse_dur(optarg, 1000000, &a->slow_ns) != 0 || a->slow_ns <= 0) {
                return usage_error("view", "bad --slow '%s' (try 1ms, 500us)", optarg);
            }
            break;
        case 'B': a->bench.on = true; a->bench.keys = optarg; break;
        case 'O': a->bench.out = optarg; break;
        case 'h': usage(stdout); return 0;
        case ':':
            /* name the option as the user typed it (--slow, not -S) */
            return usage_error("view", "option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt)
                return usage_error("view", "option '-%c' %s", optopt,
                                   strchr("S", optopt) ? "needs a value" : "is unknown");
            return usage_error("view", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        return usage_error("view", "missing DB (a recording made by fusetrace record)");
    }
    if (optind + 1 < argc) {
        return usage_error("view", "one DB only (extra argument '%s')", argv[optind + 1]);
    }
    const char *path = argv[optind];
    int64_t t_start = now_ns();
    a->bench.t_start = t_start;
    char err[1024];
    if (vdb_open(&a->v, path, session, err, sizeof err) != 0) {
        /* already escaped (tracedb_open and vdb_open escape what they quote):
         * escaping again would double every backslash */
        fprintf(stderr, "fusetrace view: %s\n", err);
        return 1;
    }
    if (a->v.info.status == TRACEDB_RECORDING)
        a->follow = true;      /* a live recording: start at its end, following */
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "fusetrace view: needs a terminal (for scripts use 'fusetrace sql')\n");
        vdb_close(&a->v);
        return 1;
    }
    if (state_idx_start(&a->idx, path, a->v.session, a->slow_ns, a->follow, err, sizeof err) != 0) {
        fprintf(stderr, "fusetrace view: %s\n", err);
        vdb_close(&a->v);
        return 1;
    }
    setlocale(LC_ALL, "");     /* before curses: UTF-8 names and line drawing */
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        fprintf(stderr, "fusetrace view: cannot use terminal type '%s'\n", getenv("TERM") ? getenv("TERM") : "");
        state_idx_stop(&a->idx);
        vdb_close(&a->v);
        return 1;
    }
    set_escdelay(25);
    cbreak();
    noecho();
    nonl();
    curs_set(0);
    draw_init_colors(a);
    draw_layout(a);
    a->tl.height = LINES > 10 ? LINES / 3 : 5;
    {
        int tl_h, pane_y, pane_h, det_w;
        draw_pane_geometry(a, &tl_h, &pane_y, &pane_h, &det_w);
        a->tl.height = tl_h;
    }
    if (a->follow)
        tl_bottom(a);
    else
        tl_top(a);
    if (a->v.info.status == TRACEDB_INCOMPLETE)
        app_msg(a, true, "INCOMPLETE recording: %s", a->v.info.reason);
    else if (a->v.info.events_lost)
        app_msg(a, true, "%lld events were lost while recording", (long long)a->v.info.events_lost);
    draw_screen(a);
    double open_ms = (double)(now_ns() - t_start) / 1e6;

    if (a->bench.on) {
        view_bench_run(a, open_ms);
        a->quit = true;
    }
    while (!a->quit) {
        bool busy = a->job.active || a->tl.pending;
        /* An index that stopped (state_idx_error) will not move again:
         * nothing to poll for, the status line already says why. */
        char idx_err[8];
        bool builder_busy = (state_idx_permille(&a->idx, a->v.min_id, a->v.max_id) < 1000 &&
                             !state_idx_error(&a->idx, idx_err, sizeof idx_err)) ||
                            !a->work.ready;
        int timeout = play_timeout_ms(a);
        if (busy)
            timeout = 0;
        else if (a->sql.running || (a->stv.job && (timeout < 0 || timeout > 50)))
            timeout = 50;      /* poll for the result; the clock on screen moves */
        else if ((a->follow || builder_busy || a->v.info.status == TRACEDB_RECORDING) && (timeout < 0 || timeout > 300))
            timeout = 300;
        wtimeout(a->scr, timeout);
        wint_t ch;
        int r = wget_wch(a->scr, &ch);
        if (r == ERR) {
            int64_t dl = now_ns() + IDLE_SLICE_NS;
            jump_idle(a, dl);
            tl_idle(a, dl);
            play_tick(a);
            if (a->follow || a->v.info.status == TRACEDB_RECORDING)
                follow_poll(a);
            if (!a->work.ready)
                state_update(a);
            if (a->sql.running)
                sql_poll(a);
            if (a->stv.job)
                stats_poll(a);
        } else {
            view_dispatch(a, ch, r == KEY_CODE_YES);
            if (a->playing)
                play_tick(a);
        }
        if (!a->quit)
            draw_screen(a);
    }
    jump_cancel(a);
    if (a->pop_pan)
        help_toggle(a);
    endwin();
    delscreen(scr);
    state_idx_stop(&a->idx);
    work_free(&a->work);
    detail_free(&a->det);
    sql_free(&a->sql);
    stats_free(a);
    tl_clear(&a->tl);
    free(a->tl.rows);
    filter_clear_all(&a->filt);
    vdb_close(&a->v);
    return 0;
}
