/* keys.c — the viewer's key table (app.h): the timeline dispatcher looks a
 * key up here, and the `?` help and the bottom bar list these rows, so a
 * key cannot work without being documented nor be documented without
 * working. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer/app.h"

#include <stdio.h>

static int page(struct app *a)
{
    return a->tl.height > 1 ? a->tl.height : 10;
}

static bool pane(struct app *a)
{
    return a->focus != FOCUS_TIMELINE;
}

static void k_down(struct app *a, int ch)
{
    (void)ch;
    if (pane(a)) scroll_focus(a, 1); else tl_move(a, 1);
}
static void k_up(struct app *a, int ch)
{
    (void)ch;
    if (pane(a)) scroll_focus(a, -1); else tl_move(a, -1);
}
static void k_pgdn(struct app *a, int ch)
{
    (void)ch;
    if (pane(a)) scroll_focus(a, page(a)); else tl_move(a, page(a));
}
static void k_pgup(struct app *a, int ch)
{
    (void)ch;
    if (pane(a)) scroll_focus(a, -page(a)); else tl_move(a, -page(a));
}
static void k_first(struct app *a, int ch)
{
    (void)ch;
    a->playing = false;
    tl_top(a);
}
static void k_last(struct app *a, int ch)
{
    (void)ch;
    a->playing = false;
    tl_bottom(a);
}
static void k_search(struct app *a, int ch)
{
    (void)ch;
    prompt_open(a, PR_SEARCH, "search: ", NULL);
}
static void k_hit(struct app *a, int ch)
{
    jump_search(a, ch == 'n' ? +1 : -1);
}
static void k_error(struct app *a, int ch)
{
    jump_start(a, ch == 'e' ? "next error" : "previous error", "errno <> 0", ch == 'e' ? +1 : -1);
}
static void k_slow(struct app *a, int ch)
{
    char pred[64];
    snprintf(pred, sizeof pred, "latency_ns >= %lld", (long long)a->slow_ns);
    jump_start(a, ch == 's' ? "next slow" : "previous slow", pred, ch == 's' ? +1 : -1);
}
static void k_stall(struct app *a, int ch)
{
    jump_stall(a, ch == 'w' ? +1 : -1);
}
static void k_node(struct app *a, int ch)
{
    jump_same_nodeid(a, ch == 'o' ? +1 : -1);
}
static void k_goto(struct app *a, int ch)
{
    (void)ch;
    prompt_open(a, PR_GOTO, "go to (12.5 | +200ms | #id | uUNIQUE): ", NULL);
}
static void k_focus(struct app *a, int ch)
{
    if (ch == KEY_BTAB)
        a->focus = (enum focus_kind)((a->focus + FOCUS_COUNT - 1) % FOCUS_COUNT);
    else
        a->focus = (enum focus_kind)((a->focus + 1) % FOCUS_COUNT);
    if (a->zoom)
        a->focus = FOCUS_TIMELINE;
}
static void k_detail(struct app *a, int ch)
{
    (void)ch;
    a->focus = FOCUS_DETAIL;
    a->zoom = false;
}
static void k_zoom(struct app *a, int ch)
{
    (void)ch;
    a->zoom = !a->zoom;
    a->focus = FOCUS_TIMELINE;
}
static void k_play(struct app *a, int ch)
{
    (void)ch;
    play_toggle(a);
}
static void k_speed(struct app *a, int ch)
{
    if (ch == '=') {
        a->speed_i = 3;
        play_speed(a, 0);
    } else {
        play_speed(a, ch == '+' ? +1 : -1);
    }
}
static void k_step(struct app *a, int ch)
{
    play_step(a, ch == ']' ? +1 : -1);
}
static void k_follow(struct app *a, int ch)
{
    (void)ch;
    follow_toggle(a);
}
static void k_filter(struct app *a, int ch)
{
    (void)ch;
    prompt_open(a, PR_FILTER_MENU, "", NULL);
}
static void k_clear(struct app *a, int ch)
{
    (void)ch;
    clear_filters(a);
}
static void k_stats(struct app *a, int ch)
{
    (void)ch;
    stats_open(a);
}
static void k_sql(struct app *a, int ch)
{
    (void)ch;
    prompt_open(a, PR_SQL, "sql> ", NULL);
}
static void k_last_sql(struct app *a, int ch)
{
    (void)ch;
    if (a->sql.query)
        a->view = VIEW_SQL;
    else
        app_msg(a, true, "no SQL result yet: press ; to run a query");
}
static void k_quit(struct app *a, int ch)
{
    (void)ch;
    a->quit = true;
}

const struct keybind key_table[] = {
    { { 0 }, NULL, "Timeline", NULL, NULL, VIEW_TIMELINE },
    { { 'j', KEY_DOWN }, "j k  Down Up", "next / previous request", NULL, k_down, VIEW_TIMELINE },
    { { 'k', KEY_UP }, NULL, NULL, NULL, k_up, VIEW_TIMELINE },
    { { KEY_NPAGE, 6 }, "PgDn PgUp  ^F ^B", "page down / up", NULL, k_pgdn, VIEW_TIMELINE },
    { { KEY_PPAGE, 2 }, NULL, NULL, NULL, k_pgup, VIEW_TIMELINE },
    { { 'g', KEY_HOME }, "g G  Home End", "first / last request", NULL, k_first, VIEW_TIMELINE },
    { { 'G', KEY_END }, NULL, NULL, NULL, k_last, VIEW_TIMELINE },
    { { '/' }, "/ n N", "search text (path, name, op, errno, process) or number; next / previous hit",
      "Search", k_search, VIEW_TIMELINE },
    { { 'n', 'N' }, NULL, NULL, NULL, k_hit, VIEW_TIMELINE },
    { { 'e', 'E' }, "e E", "next / previous error reply", "Err", k_error, VIEW_TIMELINE },
    { { 's', 'S' }, "s S", "next / previous slow request (latency >= --slow)", "Slow", k_slow, VIEW_TIMELINE },
    { { 'w', 'W' }, "w W", "next / previous stalled request (marked ! : the stall watchdog reported it)",
      "Stall", k_stall, VIEW_TIMELINE },
    { { 'o', 'O' }, "o O", "next / previous request on the same nodeid", NULL, k_node, VIEW_TIMELINE },
    { { ':' }, ":", "go to: 12.5 (s), +200ms / -1s (relative), #ID, uUNIQUE", "Goto", k_goto, VIEW_TIMELINE },
    { { '\t', KEY_BTAB }, "Tab S-Tab", "focus timeline / detail / state pane (j k scroll the focused pane)",
      NULL, k_focus, VIEW_TIMELINE },
    { { '\n', '\r', KEY_ENTER }, "Enter", "focus the detail pane", NULL, k_detail, VIEW_TIMELINE },
    { { 'z' }, "z", "zoom: timeline only / with panes", NULL, k_zoom, VIEW_TIMELINE },
    { { 0 }, NULL, "Playback", NULL, NULL, VIEW_TIMELINE },
    { { ' ', 'p' }, "Space p", "play / pause (the state panes animate)", "Play", k_play, VIEW_TIMELINE },
    { { '+', '-', '=' }, "+ - =", "faster / slower: x0.1 ... x1000; = back to x1, as recorded", NULL, k_speed, VIEW_TIMELINE },
    { { ']', '[' }, "] [", "step one request forward / back", NULL, k_step, VIEW_TIMELINE },
    { { 'F' }, "F", "follow a live recording (like tail -f); the status bar says FOLLOW", "Follow", k_follow, VIEW_TIMELINE },
    { { 0 }, NULL, "Filters (combined with AND, shown in the status bar)", NULL, NULL, VIEW_TIMELINE },
    { { 'f' }, "f", "filter menu: o op, e errno (or any), p pid/process (PID+ or NAME+: "
                    "and its descendants), a path prefix, s path substring, "
                    "n nodeid, l min latency, x SQL expression over op", "Filter", k_filter, VIEW_TIMELINE },
    { { 'c' }, "c", "clear every filter", "Clear", k_clear, VIEW_TIMELINE },
    { { 0 }, NULL, "Views", NULL, NULL, VIEW_TIMELINE },
    { { 'i' }, "i", "statistics: count, errors, latency percentiles and bytes by op, by file or by "
                    "process (as fusetrace stats --by=op|file|process), the selected row's latency "
                    "histogram, latency over time (keys below)", "Stats", k_stats, VIEW_TIMELINE },
    { { ';' }, ";", "SQL prompt; the result table's Enter jumps to the request a row names", "SQL", k_sql, VIEW_TIMELINE },
    { { 'v' }, "v", "back to the last SQL result", NULL, k_last_sql, VIEW_TIMELINE },
    { { '?', KEY_F(1) }, "?  F1", "this help (j k scroll, any other key closes)", "Help", NULL, VIEW_TIMELINE },
    { { 27 }, "Esc", "cancel a prompt or a running search; leave a view", NULL, NULL, VIEW_TIMELINE },
    { { 12 }, "^L", "redraw", NULL, NULL, VIEW_TIMELINE },
    { { 'q' }, "q", "back to the timeline; quit from the timeline", "Quit", k_quit, VIEW_TIMELINE },
    { { 0 }, NULL, "Statistics view (i)", NULL, NULL, VIEW_STATS },
    { { 'o' }, "o f p", "the table by op / by file / by process: the same rows and numbers as "
                        "fusetrace stats --by=op|file|process (by file or process the first 1000, "
                        "read in the background)", NULL, stats_by_key, VIEW_STATS },
    { { 'f', 'p' }, NULL, NULL, NULL, stats_by_key, VIEW_STATS },
    { { 'j', KEY_DOWN }, "j k  Down Up", "next / previous row (its histogram below the table)", NULL,
      stats_move_key, VIEW_STATS },
    { { 'k', KEY_UP }, NULL, NULL, NULL, stats_move_key, VIEW_STATS },
    { { 'g', KEY_HOME }, "g G  Home End", "first / last row", NULL, stats_move_key, VIEW_STATS },
    { { 'G', KEY_END }, NULL, NULL, NULL, stats_move_key, VIEW_STATS },
    { { '\n', '\r', KEY_ENTER }, "Enter", "filter the timeline to the selected op, file or process", NULL,
      stats_enter_key, VIEW_STATS },
    { { 'q', 'i', 27 }, "q i Esc", "leave the statistics view (back to the timeline)", NULL, stats_close_key,
      VIEW_STATS },
};
const int key_table_len = (int)(sizeof key_table / sizeof *key_table);

const struct keybind *key_find(enum view_kind v, int ch)
{
    for (int i = 0; i < key_table_len; i++) {
        const struct keybind *b = &key_table[i];
        if (b->view != v)
            continue;
        for (int c = 0; c < 5 && b->codes[c]; c++)
            if (b->codes[c] == ch)
                return b->act ? b : NULL;
    }
    return NULL;
}
