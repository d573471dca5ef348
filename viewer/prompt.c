/* prompt.c — the one-line editor in the status bar (search, SQL, go to,
 * filter values) and the filter menu.  Input is wide characters, so UTF-8
 * names can be typed; the text is converted back to UTF-8 on Enter. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer/text.h"

void prompt_open(struct app *a, enum prompt_kind k, const char *label, const char *initial)
{
    struct prompt *p = &a->pr;
    p->kind = k;
    snprintf(p->label, sizeof p->label, "%s", label);
    p->len = 0;
    if (initial) {
        size_t n = mbstowcs(p->buf, initial, sizeof p->buf / sizeof *p->buf - 1);
        p->len = n == (size_t)-1 ? 0 : (int)n;
    }
    p->buf[p->len] = 0;
    p->pos = p->len;
}

static void submit(struct app *a)
{
    struct prompt *p = &a->pr;
    char text[4096];
    p->buf[p->len] = 0;
    size_t n = wcstombs(text, p->buf, sizeof text - 1);
    if (n == (size_t)-1)
        n = 0;
    text[n] = 0;
    enum prompt_kind k = p->kind;
    p->kind = PR_NONE;
    char err[600];
    switch (k) {
    case PR_SEARCH:
        if (text[0]) {
            snprintf(a->search, sizeof a->search, "%.511s", text);
            jump_search(a, +1);
        }
        break;
    case PR_SQL:
        if (text[0])
            sql_run(a, text);
        break;
    case PR_GOTO:
        if (text[0])
            jump_goto(a, text);
        break;
    case PR_FILTER_VALUE: {
        char *old = a->filt.val[p->filter_kind] ? strdup(a->filt.val[p->filter_kind]) : NULL;
        if (filter_set(&a->filt, (enum filter_kind)p->filter_kind, text, err, sizeof err) != 0) {
            app_msg(a, true, "filter: %s", err);
        } else {
            char *sql = filter_sql(&a->filt);
            if (vdb_set_filter(&a->v, sql, err, sizeof err) != 0) {
                app_msg(a, true, "filter rejected: %s", err);
                filter_set(&a->filt, (enum filter_kind)p->filter_kind, old ? old : "", err, sizeof err);
            } else {
                apply_filters(a);
            }
            sqlite3_free(sql);
        }
        free(old);
        break;
    }
    default:
        break;
    }
}

void prompt_key(struct app *a, wint_t ch, bool is_key)
{
    struct prompt *p = &a->pr;
    if (p->kind == PR_FILTER_MENU) {
        p->kind = PR_NONE;
        if (is_key || ch == 27)
            return;
        for (int k = 0; k < FK_COUNT; k++) {
            if ((wint_t)filter_keys[k] == ch) {
                char label[80];
                snprintf(label, sizeof label, "filter %s (empty clears): ", filter_names[k]);
                prompt_open(a, PR_FILTER_VALUE, label, a->filt.val[k]);
                p->filter_kind = k;
                return;
            }
        }
        return;
    }
    if (is_key) {
        switch (ch) {
        case KEY_ENTER: submit(a); return;
        case KEY_BACKSPACE:
            if (p->pos > 0) {
                memmove(p->buf + p->pos - 1, p->buf + p->pos, (size_t)(p->len - p->pos) * sizeof *p->buf);
                p->pos--;
                p->len--;
            }
            return;
        case KEY_DC:
            if (p->pos < p->len) {
                memmove(p->buf + p->pos, p->buf + p->pos + 1, (size_t)(p->len - p->pos - 1) * sizeof *p->buf);
                p->len--;
            }
            return;
        case KEY_LEFT: if (p->pos > 0) p->pos--; return;
        case KEY_RIGHT: if (p->pos < p->len) p->pos++; return;
        case KEY_HOME: p->pos = 0; return;
        case KEY_END: p->pos = p->len; return;
        default: return;
        }
    }
    switch (ch) {
    case 27: p->kind = PR_NONE; return;                     /* Esc */
    case '\n': case '\r': submit(a); return;
    case 127: case 8:                                       /* Backspace as a character */
        prompt_key(a, KEY_BACKSPACE, true);
        return;
    case 21: p->len = p->pos = 0; return;                   /* Ctrl-U */
    case 1: p->pos = 0; return;                             /* Ctrl-A */
    case 5: p->pos = p->len; return;                        /* Ctrl-E */
    default:
        if (ch < 32 || p->len >= (int)(sizeof p->buf / sizeof *p->buf) - 1)
            return;
        memmove(p->buf + p->pos + 1, p->buf + p->pos, (size_t)(p->len - p->pos) * sizeof *p->buf);
        p->buf[p->pos++] = (wchar_t)ch;
        p->len++;
    }
}

void prompt_draw(struct app *a, int y)
{
    struct prompt *p = &a->pr;
    WINDOW *w = a->scr;
    if (p->kind == PR_FILTER_MENU) {
        char line[512];
        size_t o = (size_t)snprintf(line, sizeof line, " filter by:");
        for (int k = 0; k < FK_COUNT; k++)
            o += (size_t)snprintf(line + o, sizeof line - o, "  %c %s", filter_keys[k], filter_names[k]);
        snprintf(line + o, sizeof line - o, "   (Esc cancels)");
        draw_text(w, y, 0, COLS, line, CP_STATUS, A_BOLD | (a->colors ? 0 : A_REVERSE));
        return;
    }
    int x = draw_text(w, y, 0, COLS, p->label, CP_STATUS, A_BOLD | (a->colors ? 0 : A_REVERSE));
    /* show the tail of long input so the cursor stays visible */
    char text[4096];
    wchar_t tmp[1024];
    int start = 0, avail = COLS - x - 1;
    if (p->pos > avail)
        start = p->pos - avail;
    wcsncpy(tmp, p->buf + start, (size_t)(p->len - start));
    tmp[p->len - start] = 0;
    size_t n = wcstombs(text, tmp, sizeof text - 1);
    text[n == (size_t)-1 ? 0 : n] = 0;
    char esc[4096];
    fmt_escape(esc, sizeof esc, text);
    draw_text(w, y, x, avail, esc, CP_STATUS, a->colors ? 0 : A_REVERSE);
    int cx = x + p->pos - start;
    if (cx < COLS)
        mvwchgat(w, y, cx, 1, A_REVERSE | A_BLINK, 0, NULL);
}
