/* lttng_session.c — see lttng_session.h. */
#include "cli/lttng_session.h"

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/mount_setup.h"

/* Sessions that killed recorders left active: destroyed, said on stderr
 * with where their traces are.  Not being able to look is only a warning:
 * this recorder's own session does not depend on it. */
static void sweep_stale_sessions(void)
{
    struct lttng_stale stale[16];
    char err[512];
    int n = lttng_ctl_sweep_stale(stale, 16, err, sizeof err);
    if (n < 0)
        fprintf(stderr, "fusetrace: cannot look for LTTng sessions left by killed recorders: %s\n",
                err);
    for (int i = 0; i < n && i < 16; i++) {
        const struct lttng_stale *t = &stale[i];
        if (t->destroyed)
            fprintf(stderr, "fusetrace: destroyed the LTTng session %s, left active by a recorder "
                    "that is gone (pid %ld); its trace is in %s\n", t->session, t->pid,
                    t->output[0] ? t->output : "(no output listed)");
        else
            fprintf(stderr, "fusetrace: the LTTng session %s was left by a recorder that is gone "
                    "(pid %ld) and could not be destroyed: %s\n", t->session, t->pid, t->err);
    }
    if (n > 16)
        fprintf(stderr, "fusetrace: %d more such LTTng sessions left for the next recorder\n",
                n - 16);
}

int own_lttng_begin(const struct cli *cli, struct own_lttng *s)
{
    s->active = false;
    if (cli->lttng_url) {
        snprintf(s->where, sizeof s->where, "%s", cli->lttng_url);
    } else {
        if (cli->lttng_output)
            snprintf(s->where, sizeof s->where, "%s", cli->lttng_output);
        else
            timestamped(s->where, sizeof s->where, ".lttng");
        if (path_is_under(s->where, cli->fs.mountpoint)) {
            fprintf(stderr, "fusetrace: refusing to write the LTTng trace to %s: it is under %s\n",
                    s->where, cli->fs.mountpoint);
            return -1;
        }
    }
    char name[64], err[512];
    if (cli->lttng_session)
        snprintf(name, sizeof name, "%s", cli->lttng_session);
    else
        snprintf(name, sizeof name, LTTNG_CTL_OWN_PREFIX "%ld", (long)getpid());
    bool started;
    pid_t sessiond;
    int rc = lttng_ctl_ensure_sessiond(&started, &sessiond, err, sizeof err);
    if (rc == 0) {
        sweep_stale_sessions();
        rc = cli->lttng_url
                 ? lttng_ctl_start_url(&s->ctl, name, cli->lttng_url, getpid(), err, sizeof err)
                 : lttng_ctl_start(&s->ctl, name, s->where, err, sizeof err);
    }
    if (rc < 0) {
        if (cli->lttng_url)
            fprintf(stderr, "fusetrace: cannot start an LTTng session streaming to %s: %s "
                    "(does lttng-relayd listen there?)\n", cli->lttng_url, err);
        else
            fprintf(stderr, "fusetrace: cannot start an LTTng session: %s\n", err);
        return -1;
    }
    if (started)
        fprintf(stderr, "fusetrace: started lttng-sessiond (pid %ld)\n", (long)sessiond);
    if (cli->lttng_url)
        fprintf(stderr, "fusetrace: LTTng session %s streams to %s\n", name, cli->lttng_url);
    s->active = true;
    return 0;
}

int own_lttng_end(struct own_lttng *s)
{
    if (!s->active)
        return 0;
    s->active = false;
    bool relay = s->ctl.outdir[0] == '\0';
    char err[512];
    uint64_t discarded = 0;
    if (lttng_ctl_stop(&s->ctl, &discarded, err, sizeof err) < 0) {
        fprintf(stderr, "fusetrace: stopping the LTTng session%s%s: %s%s\n",
                relay ? " streaming to " : "", relay ? s->where : "", err,
                relay ? " (the relay's copy of the trace may be incomplete)" : "");
        return -1;
    }
    if (relay)
        fprintf(stderr, "fusetrace: LTTng session %s streamed to %s\n", s->ctl.session, s->where);
    else
        fprintf(stderr, "fusetrace: LTTng trace in %s\n", s->where);
    if (discarded) {
        fprintf(stderr, "fusetrace: LTTng discarded %llu events\n", (unsigned long long)discarded);
        return -1;
    }
    return 0;
}
