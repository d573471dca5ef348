/* app.h — the viewer's shared state, and the interface between its views.
 *
 * One concept per file:
 *   cmd_view.c   options, start-up, main loop, key dispatch
 *   view_bench.c the --bench mode: a key script, timed
 *   draw.c       screen primitives (safe text, colours, layout, key bar)
 *   timeline.c   the request list: a window of filtered rows over SQL
 *   detail.c     the selected request's fields, events and backing calls
 *   statepane.c  inode table / open fhs / in flight at the cursor
 *   kqueue.c     requests queued in the kernel at the cursor (kernel side)
 *   playback.c   play/pause/speed/step
 *   jump.c       search, next error/slow/nodeid, go to time (budgeted scans)
 *   statsview.c  per-op latency statistics, histogram, latency over time
 *   sqlview.c    the `;` SQL prompt and its result table
 *   prompt.c     the one-line editor used by /, ;, :, filters
 *   help.c       the key table: help popup and bottom key bar
 */
#ifndef FUSETRACE_VIEWER_APP_H
#define FUSETRACE_VIEWER_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <wchar.h>

#include <ncursesw/curses.h>
#include <ncursesw/panel.h>

#include "viewer/filter.h"
#include "viewer/kqueue.h"
#include "viewer/state.h"
#include "viewer/vdb.h"

enum view_kind { VIEW_TIMELINE, VIEW_STATS, VIEW_SQL };
enum focus_kind { FOCUS_TIMELINE, FOCUS_DETAIL, FOCUS_STATE, FOCUS_COUNT };

enum color_pair {
    CP_ERROR = 1, CP_SLOW, CP_FLIGHT, CP_HEADER, CP_KEY, CP_STATUS, CP_OK, CP_DIM, CP_WARN, CP_TITLE,
};

struct timeline {
    struct oprow *rows;        /* consecutive filter matches, id order */
    int n, cap;
    int top, cur;              /* first visible row, cursor row */
    bool at_start, at_end;     /* nothing matches before rows[0] / after rows[n-1] */
    int64_t fwd_pos, back_pos; /* ids examined beyond the window's ends */
    bool pending;              /* a fill ran out of budget: continue when idle */
    int owe;                   /* rows a j/k/page still has to move (+ down, - up) once found */
    int height;                /* visible rows (set by the layout) */
};

enum prompt_kind { PR_NONE, PR_SEARCH, PR_SQL, PR_GOTO, PR_FILTER_MENU, PR_FILTER_VALUE };

struct prompt {
    enum prompt_kind kind;
    int filter_kind;           /* PR_FILTER_VALUE: enum filter_kind */
    wchar_t buf[1024];
    int len, pos;
    char label[80];
};

struct job {                   /* a budgeted scan that may span several ticks */
    bool active;
    struct vdb_find find;
    char label[64];
    int64_t started;
};

struct detail_line {
    char *text;                /* already escaped */
    int attr;                  /* enum color_pair or 0; negative = bold */
};

struct detail {
    int64_t for_id;            /* cache key */
    struct detail_line *l;
    int n, cap, top;
    int64_t inode_free_ids[8]; /* nodeids the request freed (state pane marks) */
    int nfreed;
};

struct sqlres {
    char *query;
    char **cells;              /* nrows * ncols, escaped */
    char **names;
    int *jump;                 /* per column: 0 none, 1 request id, 2 unique */
    int nrows, ncols;
    int *width;
    int top, cur, left;
    bool truncated;
    double ms;
    char error[512];
    bool running;              /* the query runs on its thread */
    int64_t t0;
    struct sqljob *job;
};

/* The statistics view's table: by op (the state builder's numbers), by
 * file or by process (tracedb/stats_groups.h, read on a thread of its own
 * when asked for, the first STATS_VIEW_ROWS groups kept). */
enum stats_by { STATS_BY_OP, STATS_BY_FILE, STATS_BY_PROCESS };
struct stats_group;
struct groupsjob;

#define STATS_VIEW_ROWS 1000

/* Invariant: g is set only with g_by != STATS_BY_OP, and ng <= nall and
 * ng <= STATS_VIEW_ROWS; job != NULL exactly while a table is being read,
 * for job_by, of the session up to job_max_id. */
struct statsview {
    struct vstats s;
    int order[NOPS], nops;
    int cur, top;              /* selected row, first row shown, of the current table */
    enum stats_by by;
    struct stats_group **g;    /* by file / process: the first groups, ng of them, */
    size_t ng, nall;           /* of nall there are, */
    enum stats_by g_by;        /* for this table (STATS_BY_OP: none loaded), */
    int64_t g_max_id;          /* read up to this request */
    struct groupsjob *job;     /* the table being read */
    enum stats_by job_by;
    int64_t job_max_id, job_t0;
};

struct bench {
    bool on;
    const char *keys;          /* key script */
    const char *out;
    FILE *f;
    int64_t t_start;
};

struct app {
    struct vdb v;
    struct state_idx idx;
    struct work work;
    struct filters filt;
    struct timeline tl;
    struct detail det;
    struct sqlres sql;
    struct statsview stv;
    struct prompt pr;
    struct job job;
    struct bench bench;

    enum view_kind view;
    enum focus_kind focus;
    bool zoom;                 /* timeline only, no panes */
    int state_top;

    WINDOW *scr;               /* the whole screen, in a panel */
    PANEL *scr_pan;
    WINDOW *pop;               /* help popup */
    PANEL *pop_pan;
    int help_top;
    bool help;
    bool colors;
    bool too_small;

    /* playback */
    bool playing;
    int speed_i;
    int64_t play_wall0, play_ts0;

    bool follow;
    int64_t last_poll;

    char search[512];
    int64_t slow_ns;
    char msg[600];
    bool msg_err;
    int64_t msg_until;
    bool quit;
    int64_t state_for_id;      /* state_seek cache key */
    /* the kernel's queue at the cursor (kqueue.h), for state_for_id */
    struct kq_entry kq[16];
    int kq_depth;              /* -1: unknown */
    bool kq_capped;
};

/* draw.c */
void draw_init_colors(struct app *a);
int draw_text(WINDOW *w, int y, int x, int maxw, const char *s, int pair, attr_t attr);
void draw_fill(WINDOW *w, int y, int x, int width, int pair, attr_t attr);
void draw_screen(struct app *a);
void draw_layout(struct app *a);          /* (re)create windows after a resize */
void app_msg(struct app *a, bool err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int draw_body_top(void);
void draw_pane_geometry(struct app *a, int *tl_h, int *pane_y, int *pane_h, int *det_w);

/* timeline.c */
void tl_clear(struct timeline *t);
void tl_reset(struct app *a, int64_t id, int dir);
void tl_move(struct app *a, int delta);
void tl_top(struct app *a);
void tl_bottom(struct app *a);
void tl_idle(struct app *a, int64_t deadline);
const struct oprow *tl_cursor(const struct app *a);
void tl_draw(struct app *a, int y, int h);
void tl_refilter(struct app *a);
void row_args(const struct oprow *r, char *buf, size_t cap);
void row_result(const struct oprow *r, char *buf, size_t cap);
void row_path(const struct oprow *r, char *buf, size_t cap);

/* detail.c */
void detail_update(struct app *a);
void detail_draw(struct app *a, int y, int x, int h, int w);
void detail_free(struct detail *d);

/* statepane.c */
void state_update(struct app *a);
void state_draw(struct app *a, int y, int x, int h, int w);

/* playback.c */
extern const double play_speeds[];
extern const int play_nspeeds;
void play_toggle(struct app *a);
void play_speed(struct app *a, int dir);
void play_tick(struct app *a);
void play_step(struct app *a, int dir);
int play_timeout_ms(const struct app *a);

/* jump.c */
void jump_start(struct app *a, const char *label, const char *pred, int dir);
void jump_idle(struct app *a, int64_t deadline);
void jump_cancel(struct app *a);
void jump_search(struct app *a, int dir);
void jump_same_nodeid(struct app *a, int dir);
void jump_stall(struct app *a, int dir);
void jump_goto(struct app *a, const char *spec);
void jump_to_id(struct app *a, int64_t id);

/* statsview.c */
void stats_open(struct app *a);
void stats_draw(struct app *a);
void stats_free(struct app *a);
/* Take a table read on its thread over once it is there: true if it was. */
bool stats_poll(struct app *a);
/* the statistics view's keys (keys.c's table) */
void stats_by_key(struct app *a, int ch);
void stats_move_key(struct app *a, int ch);
void stats_enter_key(struct app *a, int ch);
void stats_close_key(struct app *a, int ch);

/* sqlview.c */
void sql_run(struct app *a, const char *query);
void sql_draw(struct app *a);
bool sql_key(struct app *a, int ch);
void sql_free(struct sqlres *r);
bool sql_poll(struct app *a);         /* a running query finished: true */

/* prompt.c */
void prompt_open(struct app *a, enum prompt_kind k, const char *label, const char *initial);
void prompt_key(struct app *a, wint_t ch, bool is_key);
void prompt_draw(struct app *a, int y);

/* keys.c: every key of the viewer, in one table that the dispatchers of
 * the timeline and the statistics view, the `?` help and the bottom bar
 * all read. */
struct keybind {
    int codes[5];              /* characters or KEY_* codes, 0-terminated; {0}: a heading */
    const char *keys, *what;   /* as the help shows them */
    const char *bar;           /* label in the bottom bar, or NULL */
    void (*act)(struct app *a, int ch);   /* the action; NULL: handled before it (view_dispatch) */
    enum view_kind view;       /* the view the key acts in */
};
extern const struct keybind key_table[];
extern const int key_table_len;
/* The action bound to ch in view v, or NULL. */
const struct keybind *key_find(enum view_kind v, int ch);

/* help.c */
void help_toggle(struct app *a);
void help_draw(struct app *a);
bool help_key(struct app *a, int ch);
void keybar_draw(struct app *a, int y);

/* cmd_view.c */
void app_after_move(struct app *a);   /* cursor changed: detail + state */
void scroll_focus(struct app *a, int delta);
void follow_toggle(struct app *a);
void clear_filters(struct app *a);
void apply_filters(struct app *a);
/* One key, whatever view is up; `is_key`: a KEY_* code, not a character. */
void view_dispatch(struct app *a, wint_t ch, bool is_key);

/* Work done between two looks at the keyboard: a key pressed meanwhile
 * waits at most this long, plus its own work (KEY_BUDGET_NS). */
#define IDLE_SLICE_NS 30000000LL

/* view_bench.c: run the --bench key script, write the report. */
void view_bench_run(struct app *a, double open_ms);

#endif
