/* view_bench.c — `fusetrace view --bench KEYS`: replay a space-separated
 * key script through the real dispatcher and screen, and report for each
 * key the time to the first screen and to completion (budgeted scans
 * included), then RSS.  Used by tests/viewer/bench.sh and the benchmark. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "viewer/app.h"
#include "util/out_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, n))
            v = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

/* Feed one token's keys.  Returns false at the end of the script. */
static bool bench_token(struct app *a, const char **pp, char *name, size_t cap)
{
    const char *p = *pp;
    while (*p == ' ')
        p++;
    if (!*p)
        return false;
    size_t o = 0;
    if (!strncmp(p, "<WaitIndex>", 11)) {
        /* let the state builder finish, so the keys after this measure
         * seeks with the whole session indexed */
        while (state_idx_permille(&a->idx, a->v.min_id, a->v.max_id) < 1000)
            usleep(50000);
        a->state_for_id = 0;
        snprintf(name, cap, "<WaitIndex>");
        *pp = p + 11;
        return true;
    }
    while (*p && *p != ' ') {
        if (*p == '<') {
            const char *e = strchr(p, '>');
            if (e) {
                size_t n = (size_t)(e - p + 1);
                static const struct { const char *n; int k; bool key; } named[] = {
                    { "<PgDn>", KEY_NPAGE, true }, { "<PgUp>", KEY_PPAGE, true }, { "<Enter>", '\n', false },
                    { "<Esc>", 27, false },        { "<Tab>", '\t', false },      { "<Down>", KEY_DOWN, true },
                    { "<Up>", KEY_UP, true },      { "<Home>", KEY_HOME, true },  { "<End>", KEY_END, true },
                    { "<Space>", ' ', false },
                };
                for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
                    if (strlen(named[i].n) == n && !strncmp(p, named[i].n, n)) {
                        view_dispatch(a, (wint_t)named[i].k, named[i].key);
                        break;
                    }
                }
                if (o + n < cap) {
                    memcpy(name + o, p, n);
                    o += n;
                }
                p = e + 1;
                continue;
            }
        }
        view_dispatch(a, (wint_t)(unsigned char)*p, false);
        if (o + 1 < cap)
            name[o++] = *p;
        p++;
    }
    name[o] = 0;
    *pp = p;
    return true;
}

void view_bench_run(struct app *a, double open_ms)
{
    FILE *out = a->bench.out ? out_file_open(a->bench.out, false) : stderr;
    if (!out)
        out = stderr;
    fprintf(out, "db %s requests %lld\nopen_first_screen_ms %.1f\n", a->v.path,
            (long long)(a->v.max_id - a->v.min_id + 1), open_ms);
    const char *p = a->bench.keys;
    char name[256];
    double worst = 0, worst_done = 0;
    for (;;) {
        int64_t t0 = now_ns();
        if (!bench_token(a, &p, name, sizeof name))
            break;
        draw_screen(a);
        double ms = (double)(now_ns() - t0) / 1e6;
        /* a budgeted scan continues while idle: time it to completion too */
        while ((a->job.active || a->tl.pending || a->sql.running || a->stv.job) && now_ns() - t0 < 60000000000LL) {
            jump_idle(a, now_ns() + IDLE_SLICE_NS);
            tl_idle(a, now_ns() + IDLE_SLICE_NS);
            if (a->sql.running && !sql_poll(a))
                usleep(5000);
            if (a->stv.job && !stats_poll(a))
                usleep(5000);
            draw_screen(a);
        }
        double done = (double)(now_ns() - t0) / 1e6;
        const struct oprow *r = tl_cursor(a);
        fprintf(out, "key %-14s response_ms %7.1f complete_ms %8.1f cursor #%lld state_replayed %lld\n", name, ms,
                done, r ? (long long)r->id : 0LL, (long long)a->work.replayed);
        if (strcmp(name, "<WaitIndex>")) {
            if (ms > worst)
                worst = ms;
            if (done > worst_done)
                worst_done = done;
        }
        fflush(out);
    }
    int64_t tw = now_ns();
    while (state_idx_permille(&a->idx, a->v.min_id, a->v.max_id) < 1000 && now_ns() - tw < 300000000000LL)
        usleep(100000);
    fprintf(out, "worst_response_ms %.1f\nworst_complete_ms %.1f\n", worst, worst_done);
    fprintf(out, "state_index_total_s %.1f\n", (double)(now_ns() - a->bench.t_start) / 1e9);
    fprintf(out, "rss_kb %ld\nhwm_kb %ld\n", status_kb("VmRSS:"), status_kb("VmHWM:"));
    if (out != stderr)
        fclose(out);
}
