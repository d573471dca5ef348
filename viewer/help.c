/* help.c — the `?` popup (every key) and the htop-style bottom bar (the
 * main ones), both drawn from the key table the dispatcher uses (keys.c),
 * so they cannot disagree with what a key does.  The popup wraps each
 * description to its width and scrolls, so it fits any terminal down to
 * the viewer's minimum (80x24 shows it whole in three screens at most). */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer/app.h"

#include <stdio.h>
#include <string.h>

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

/* The help as lines of the popup's width: a heading, or a key column and
 * its description wrapped at spaces.  Returns the number of lines; fills
 * at most cap entries of `out` (NULL: just count). */
struct hline {
    const struct keybind *b;   /* NULL: a continuation line */
    const char *text;          /* description (or heading) from here ... */
    int len;                   /* ... this many bytes */
    bool heading;
};

static int help_lines(int textw, struct hline *out, int cap)
{
    int n = 0;
    for (int i = 0; i < key_table_len; i++) {
        const struct keybind *b = &key_table[i];
        if (!b->what)
            continue;                      /* a second binding of the row above */
        const char *t = b->what;
        bool first = true;
        do {
            int len = (int)strlen(t);
            if (!b->keys || len <= textw) {
                /* fits (headings are short) */
            } else {
                /* the last space within the width (columns = bytes: ASCII) */
                len = textw;
                while (len > 0 && t[len] != ' ')
                    len--;
                if (len == 0)
                    len = textw;
            }
            if (out && n < cap)
                out[n] = (struct hline){ first ? b : NULL, t, len, !b->keys };
            n++;
            t += len;
            while (*t == ' ')
                t++;
            first = false;
        } while (*t && b->keys);
    }
    return n;
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
    int keyw = 16, textw = wd - 4 - keyw - 1;
    if (textw < 10)
        textw = 10;
    struct hline lines[256];
    int n = help_lines(textw, lines, 256);
    if (n > 256)
        n = 256;
    int rows = h - 2;
    if (a->help_top > n - rows)
        a->help_top = n - rows > 0 ? n - rows : 0;
    char title[128];
    if (n > rows)
        snprintf(title, sizeof title, " fusetrace view — keys %d-%d/%d (j/k scroll, other keys close) ",
                 a->help_top + 1, a->help_top + rows < n ? a->help_top + rows : n, n);
    else
        snprintf(title, sizeof title, " fusetrace view — keys (any key closes) ");
    draw_text(w, 0, 2, wd - 4, title, CP_TITLE, A_BOLD);
    for (int i = 0; i < rows && a->help_top + i < n; i++) {
        const struct hline *l = &lines[a->help_top + i];
        char text[256];
        snprintf(text, sizeof text, "%.*s", l->len, l->text);
        if (l->heading) {
            draw_text(w, 1 + i, 2, wd - 4, text, CP_TITLE, A_BOLD | A_UNDERLINE);
            continue;
        }
        if (l->b)
            draw_text(w, 1 + i, 2, keyw, l->b->keys, 0, A_BOLD);
        draw_text(w, 1 + i, 2 + keyw + 1, textw, text, 0, 0);
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
    for (int i = 0; i < key_table_len && x < COLS; i++) {
        const struct keybind *b = &key_table[i];
        if (!b->bar || !b->keys)
            continue;
        char k[8];
        snprintf(k, sizeof k, "%.*s", (int)strcspn(b->keys, " "), b->keys);
        if (!strcmp(k, "Space"))
            snprintf(k, sizeof k, "p");
        x += draw_text(w, y, x, COLS - x, k, CP_KEY, a->colors ? A_BOLD : A_REVERSE | A_BOLD);
        x += draw_text(w, y, x, COLS - x, b->bar, 0, 0);
        x += draw_text(w, y, x, COLS - x, " ", 0, 0);
    }
}
