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
    { { 0 }, NULL, "Timeline", NULL, NULL },
    { { 'j', KEY_DOWN }, "j k  Down Up", "next / previous request", NULL, k_down },
    { { 'k', KEY_UP }, NULL, NULL, NULL, k_up },
    { { KEY_NPAGE, 6 }, "PgDn PgUp  ^F ^B", "page down / up", NULL, k_pgdn },
    { { KEY_PPAGE, 2 }, NULL, NULL, NULL, k_pgup },
    { { 'g', KEY_HOME }, "g G  Home End", "first / last request", NULL, k_first },
    { { 'G', KEY_END }, NULL, NULL, NULL, k_last },
    { { '/' }, "/ n N", "search text (path, name, op, errno, process) or number; next / previous hit",
      "Search", k_search },
    { { 'n', 'N' }, NULL, NULL, NULL, k_hit },
    { { 'e', 'E' }, "e E", "next / previous error reply", "Err", k_error },
    { { 's', 'S' }, "s S", "next / previous slow request (latency >= --slow)", "Slow", k_slow },
    { { 'w', 'W' }, "w W", "next / previous stalled request (marked ! : the stall watchdog reported it)",
      "Stall", k_stall },
    { { 'o', 'O' }, "o O", "next / previous request on the same nodeid", NULL, k_node },
    { { ':' }, ":", "go to: 12.5 (s), +200ms / -1s (relative), #ID, uUNIQUE", "Goto", k_goto },
    { { '\t', KEY_BTAB }, "Tab S-Tab", "focus timeline / detail / state pane (j k scroll the focused pane)",
      NULL, k_focus },
    { { '\n', '\r', KEY_ENTER }, "Enter", "focus the detail pane", NULL, k_detail },
    { { 'z' }, "z", "zoom: timeline only / with panes", NULL, k_zoom },
    { { 0 }, NULL, "Playback", NULL, NULL },
    { { ' ', 'p' }, "Space p", "play / pause (the state panes animate)", "Play", k_play },
    { { '+', '-', '=' }, "+ - =", "faster / slower: x0.1 ... x1000; = back to x1, as recorded", NULL, k_speed },
    { { ']', '[' }, "] [", "step one request forward / back", NULL, k_step },
    { { 'F' }, "F", "follow a live recording (like tail -f); the status bar says FOLLOW", "Follow", k_follow },
    { { 0 }, NULL, "Filters (combined with AND, shown in the status bar)", NULL, NULL },
    { { 'f' }, "f", "filter menu: o op, e errno (or any), p pid/process (PID+ or NAME+: "
                    "and its descendants), a path prefix, s path substring, "
                    "n nodeid, l min latency, x SQL expression over op", "Filter", k_filter },
    { { 'c' }, "c", "clear every filter", "Clear", k_clear },
    { { 0 }, NULL, "Views", NULL, NULL },
    { { 'i' }, "i", "statistics: per-op count, errors, latency percentiles and bytes (as fusetrace stats "
                    "--by=op), histogram, latency over time (Enter filters)", "Stats", k_stats },
    { { ';' }, ";", "SQL prompt; the result table's Enter jumps to the request a row names", "SQL", k_sql },
    { { 'v' }, "v", "back to the last SQL result", NULL, k_last_sql },
    { { '?', KEY_F(1) }, "?  F1", "this help (j k scroll, any other key closes)", "Help", NULL },
    { { 27 }, "Esc", "cancel a prompt or a running search; leave a view", NULL, NULL },
    { { 12 }, "^L", "redraw", NULL, NULL },
    { { 'q' }, "q", "back to the timeline; quit from the timeline", "Quit", k_quit },
};
const int key_table_len = (int)(sizeof key_table / sizeof *key_table);

const struct keybind *key_find(int ch)
{
    for (int i = 0; i < key_table_len; i++) {
        const struct keybind *b = &key_table[i];
        for (int c = 0; c < 5 && b->codes[c]; c++)
            if (b->codes[c] == ch)
                return b->act ? b : NULL;
    }
    return NULL;
}
