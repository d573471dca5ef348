/* test_drop.c — loss accounting with a deliberately tiny ring.
 *
 * Drop mode: two threads flood the recorder; afterwards the lost count must
 * equal events emitted minus events stored, exactly, in the result, in the
 * session row and in the `loss` table, and requests_seen minus stored
 * requests must be the lost requests.  Lossless mode with the same tiny
 * ring: producers wait, nothing is lost, everything is stored. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace/recorder.h"
#include "tracedb/tracedb.h"
#include "tt_util.h"

#define PER_THREAD 100000

static void *flood(void *arg)
{
    uint64_t base = (uint64_t)(uintptr_t)arg;
    uint8_t args[32];
    size_t n = tt_names(args, "some-name", NULL);
    for (int i = 0; i < PER_THREAD; i++) {
        uint64_t u = base + 2 * (uint64_t)i;
        tt_send_req(FUSE_LOOKUP, u, 1, 0, args, n);
        tt_send_reply(u, -ENOENT, NULL, 0);
    }
    return NULL;
}

static void run(const char *db, bool drop)
{
    char err[512];
    struct rec_config cfg = { .db_path = db, .drop = drop, .ring_bytes = 4096 };
    CHECK_MSG(recorder_open(&cfg, err, sizeof err) == 0, "%s", err);
    pthread_t t[2];
    for (int k = 0; k < 2; k++)
        CHECK(pthread_create(&t[k], NULL, flood, (void *)(uintptr_t)((uint64_t)(k + 1) << 32)) == 0);
    for (int k = 0; k < 2; k++)
        pthread_join(t[k], NULL);
    struct rec_result res;
    recorder_close(&res);

    const long long emitted = 2LL * PER_THREAD * 2;
    CHECK_EQ(res.events + res.lost, emitted);
    if (drop) {
        CHECK_MSG(res.lost > 0, "a 4 KiB ring under a flood must drop");
        CHECK(!res.complete);
        CHECK_MSG(strstr(res.reason, "dropped") != NULL, "%s", res.reason);
    } else {
        CHECK_EQ(res.lost, 0);
        CHECK(res.complete);
    }

    sqlite3 *d;
    struct tracedb_info info;
    CHECK_MSG(tracedb_open(db, &d, &info, err, sizeof err) == 0, "%s", err);
    if (!d)
        return;
    long long req = tt_int(d, "SELECT count(*) FROM request", -1);
    long long rep = tt_int(d, "SELECT count(*) FROM reply", -1);
    CHECK_EQ(req + rep, res.events);
    CHECK_EQ(info.events_stored, req + rep);
    CHECK_EQ(info.events_lost, emitted - (req + rep));
    CHECK_EQ(info.events_seen, emitted);
    CHECK_EQ(info.requests_seen, 2LL * PER_THREAD);
    CHECK_EQ(info.replies_seen, 2LL * PER_THREAD);
    CHECK_EQ(tt_int(d, "SELECT coalesce(sum(events), 0) FROM loss", -1), info.events_lost);
    if (drop) {
        CHECK(info.status == TRACEDB_INCOMPLETE);
        CHECK(strstr(info.reason, "dropped") != NULL);
        printf("drop mode: %lld of %lld events stored, %lld lost (requests: %lld seen, %lld stored)\n",
               req + rep, emitted, (long long)info.events_lost, (long long)info.requests_seen, req);
    } else {
        CHECK(info.status == TRACEDB_COMPLETE);
        CHECK_EQ(req, 2LL * PER_THREAD);
        /* every reply found its request although the writer ran far behind */
        CHECK_EQ(tt_int(d, "SELECT count(*) FROM op WHERE errno_name = 'ENOENT'", -1), 2LL * PER_THREAD);
    }
    sqlite3_close(d);
}

int main(void)
{
    run(tt_path("drop.db"), true);
    run(tt_path("lossless.db"), false);
    int rc = tcheck_done("recorder-drop");
    tt_cleanup();
    return rc;
}
