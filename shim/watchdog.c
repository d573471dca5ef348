/* watchdog.c — see watchdog.h. */
#include "shim/watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shim/conn_waiting.h"
#include "shim/stall.h"
#include "trace/recorder.h"
#include "util/duration.h"

/* What the watchdog does each tick, in this order.  A sampler's start()
 * runs before the mount is served and says whether it wants to run on this
 * mount; tick() runs on the watchdog thread; finish() runs once after the
 * session ended, on the thread that stops the watchdog. */
struct sampler {
    const char *name;
    bool (*start)(struct fs *fs);
    void (*tick)(struct fs *fs, uint64_t now);
    void (*finish)(struct fs *fs, uint64_t now);
};

static const struct sampler samplers[] = {
    { "stall", stall_start, stall_tick, stall_finish },
    { "waiting", waiting_start, waiting_tick, waiting_finish },
};
#define NSAMPLERS ((int)(sizeof samplers / sizeof *samplers))

/* One mount per process, so one watchdog. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* CLOCK_MONOTONIC */
    pthread_t thread;
    bool running, stop;
    bool active[NSAMPLERS];
    struct fs *fs;
} wd = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void *watch_main(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "ft-watchdog");
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&wd.mu);
    while (!wd.stop) {
        timespec_add_ns(&next, WATCHDOG_TICK_NS);
        int rc = 0;
        while (!wd.stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&wd.cv, &wd.mu, &next);
        if (wd.stop)
            break;
        pthread_mutex_unlock(&wd.mu);
        uint64_t now = rec_now_ns();
        for (int i = 0; i < NSAMPLERS; i++)
            if (wd.active[i])
                samplers[i].tick(wd.fs, now);
        /* A tick that overran its period is not caught up: the next one
         * comes a full period after it. */
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec > next.tv_sec || (t.tv_sec == next.tv_sec && t.tv_nsec > next.tv_nsec))
            next = t;
        pthread_mutex_lock(&wd.mu);
    }
    pthread_mutex_unlock(&wd.mu);
    return NULL;
}

int watchdog_start(struct fs *fs)
{
    bool any = false;
    wd.fs = fs;
    wd.stop = false;
    for (int i = 0; i < NSAMPLERS; i++) {
        wd.active[i] = samplers[i].start(fs);
        any |= wd.active[i];
    }
    if (!any)
        return 0;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wd.cv, &ca);
    pthread_condattr_destroy(&ca);
    /* No signal is for this thread: the daemon's SIGINT/SIGTERM handling
     * and the lock waiters' wake-up signal belong to other threads. */
    sigset_t all;
    sigfillset(&all);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setsigmask_np(&attr, &all);
    int rc = pthread_create(&wd.thread, &attr, watch_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fprintf(stderr, "fusetrace: cannot start the watchdog thread: %s\n", strerror(rc));
        pthread_cond_destroy(&wd.cv);
        return -1;
    }
    wd.running = true;
    return 0;
}

void watchdog_stop(struct fs *fs)
{
    if (!wd.running)
        return;
    pthread_mutex_lock(&wd.mu);
    wd.stop = true;
    pthread_cond_signal(&wd.cv);
    pthread_mutex_unlock(&wd.mu);
    pthread_join(wd.thread, NULL);
    pthread_cond_destroy(&wd.cv);
    wd.running = false;
    uint64_t now = rec_now_ns();
    for (int i = 0; i < NSAMPLERS; i++)
        if (wd.active[i])
            samplers[i].finish(fs, now);
}
