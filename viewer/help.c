/* help.c — the key table.  One list feeds both the `?` popup (every key)
 * and the htop-style bottom bar (the main ones), so they cannot disagree. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer/app.h"

#include <stdio.h>
#include <string.h>

struct keyhelp {
    const char *keys, *what, *bar;   /* bar: label in the bottom bar, or NULL */
};

static const struct keyhelp keys[] = {
    { NULL, "Timeline", NULL },
    { "j k  Down Up", "next / previous request", NULL },
    { "PgDn PgUp  ^F ^B", "page down / up", NULL },
    { "g G  Home End", "first / last request", NULL },
    { "/ n N", "search text (path, name, op, errno, process) or number; next / previous hit", "Search" },
    { "e E", "next / previous error reply", "Err" },
    { "s S", "next / previous slow request (latency >= --slow)", "Slow" },
    { "w W", "next / previous stalled request (marked ! : the stall watchdog reported it)", "Stall" },
    { "o O", "next / previous request on the same nodeid", NULL },
    { ":", "go to: 12.5 (s), +200ms / -1s (relative), #ID, uUNIQUE", "Goto" },
    { "Tab", "focus timeline / detail / state pane (j k scroll the focused pane)", NULL },
    { "z", "zoom: timeline only / with panes", NULL },
    { NULL, "Playback", NULL },
    { "Space p", "play / pause (the state panes animate)", "Play" },
    { "+ -", "faster / slower: x0.1 ... x1000 (x1 = as recorded)", NULL },
    { "=", "speed x1, as recorded", NULL },
    { "] [", "step one request forward / back", NULL },
    { "F", "follow a live recording (like tail -f)", "Follow" },
    { NULL, "Filters (combined with AND, shown in the status bar)", NULL },
    { "f", "filter menu: o op, e errno (or any), p pid/process, a path prefix, s path substring, n nodeid, "
           "l min latency, x SQL expression over op", "Filter" },
    { "c", "clear every filter", "Clear" },
    { NULL, "Views", NULL },
    { "i", "statistics: per-op count, latency percentiles, histogram, latency over time (Enter filters)", "Stats" },
    { ";", "SQL prompt; the result table's Enter jumps to the request a row names", "SQL" },
    { "v", "back to the last SQL result", NULL },
    { "?  F1", "this help (j k scroll, any other key closes)", "Help" },
    { "Esc", "cancel a prompt or a running search", NULL },
    { "^L", "redraw", NULL },
    { "q", "back to the timeline; quit from the timeline", "Quit" },
};
#define NKEYS ((int)(sizeof keys / sizeof *keys))

void help_toggle(struct app *a)
{
    if (a->pop_pan) {
        WINDOW *w = panel_window(a->pop_pan);
        del_panel(a->pop_pan);
        delwin(w);
        a->pop_pan = NULL;
        a->pop = NULL;
        a->help = false;
        return;
    }
    int h = LINES - 2, w = COLS - 4;
    if (w > 110)
        w = 110;
    if (h < 3 || w < 20)
        return;
    a->pop = newwin(h, w, 1, (COLS - w) / 2);
    a->pop_pan = new_panel(a->pop);
    a->help = true;
}

void help_draw(struct app *a)
{
    WINDOW *w = a->pop;
    if (!w)
        return;
    int h, wd;
    getmaxyx(w, h, wd);
    werase(w);
    box(w, 0, 0);
    draw_text(w, 0, 2, wd - 4, " fusetrace view — keys (j/k scroll, any other key closes) ", CP_TITLE, A_BOLD);
    int rows = h - 2;
    if (a->help_top > NKEYS - rows)
        a->help_top = NKEYS - rows > 0 ? NKEYS - rows : 0;
    for (int i = 0; i < rows && a->help_top + i < NKEYS; i++) {
        const struct keyhelp *k = &keys[a->help_top + i];
        if (!k->keys) {
            draw_text(w, 1 + i, 2, wd - 4, k->what, CP_TITLE, A_BOLD | A_UNDERLINE);
            continue;
        }
        draw_text(w, 1 + i, 2, 18, k->keys, 0, A_BOLD);
        draw_text(w, 1 + i, 21, wd - 23, k->what, 0, 0);
    }
}

bool help_key(struct app *a, int ch)
{
    if (ch == 'j' || ch == KEY_DOWN) {
        a->help_top++;
        return true;
    }
    if (ch == 'k' || ch == KEY_UP) {
        if (a->help_top > 0)
            a->help_top--;
        return true;
    }
    help_toggle(a);
    return true;
}

void keybar_draw(struct app *a, int y)
{
    WINDOW *w = a->scr;
    int x = 0;
    draw_fill(w, y, 0, COLS, 0, 0);
    for (int i = 0; i < NKEYS && x < COLS; i++) {
        if (!keys[i].bar)
            continue;
        char k[8];
        snprintf(k, sizeof k, "%.*s", (int)strcspn(keys[i].keys, " "), keys[i].keys);
        if (!strcmp(k, "Space"))
            snprintf(k, sizeof k, "p");
        x += draw_text(w, y, x, COLS - x, k, CP_KEY, a->colors ? A_BOLD : A_REVERSE | A_BOLD);
        x += draw_text(w, y, x, COLS - x, keys[i].bar, 0, 0);
        x += draw_text(w, y, x, COLS - x, " ", 0, 0);
    }
}
