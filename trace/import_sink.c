/* import_sink.c — trace/import_sink.h over the SQLite sink and the ingest
 * code the writer thread uses. */
#include "trace/import_sink.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "trace/rec_ingest.h"
#include "trace/rec_sqlite.h"

struct import_sink {
    struct sink sink;
    struct ingest *ing;
    char path[PATH_MAX];
};

static int db_failed(struct import_sink *s, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->sink.db));
    return -1;
}

struct import_sink *import_sink_create(const char *path, const struct session_facts *f,
                                       size_t capture, char *err, size_t errlen)
{
    struct import_sink *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(s->path, sizeof(s->path), "%s", path);
    if (sink_create(&s->sink, path, f, err, errlen) != 0) {
        free(s);
        return NULL;
    }
    s->ing = ingest_new(&s->sink, (uint64_t)f->start_monotonic_ns, capture);
    if (!s->ing) {
        snprintf(err, errlen, "out of memory");
        import_sink_close(s, true);
        return NULL;
    }
    return s;
}

int import_sink_store(struct import_sink *s, const struct rec_hdr *h, char *err, size_t errlen)
{
    if (ingest_record(s->ing, h) != SQLITE_OK)
        return db_failed(s, "database write failed", err, errlen);
    return 0;
}

int import_sink_loss(struct import_sink *s, uint64_t ts, uint64_t events, char *err, size_t errlen)
{
    ingest_count_lost(s->ing, events);
    if (ingest_loss(s->ing, ts, 0, events) != SQLITE_OK)
        return db_failed(s, "database write failed", err, errlen);
    return 0;
}

int import_sink_flush(struct import_sink *s, char *err, size_t errlen)
{
    if (ingest_commit(s->ing) != SQLITE_OK)
        return db_failed(s, "commit failed", err, errlen);
    return 0;
}

uint64_t import_sink_lost(const struct import_sink *s)
{
    struct sink_counters c;
    ingest_counters(s->ing, &c);
    return c.lost;
}

int import_sink_finish(struct import_sink *s, bool complete, const char *reason,
                       const char *end_cause, int64_t end_ts, char *err, size_t errlen)
{
    if (ingest_commit(s->ing) != SQLITE_OK)
        return db_failed(s, "final commit failed", err, errlen);
    char ended[256];
    if (!complete && end_cause) {
        sink_end_reason(&s->sink, end_cause, ended, sizeof ended);
        reason = ended;
    }
    struct sink_counters c;
    ingest_counters(s->ing, &c);
    char why[512] = "";
    if (sink_finish(&s->sink, &c, complete, complete ? NULL : reason, end_ts,
                    why, sizeof why) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", s->path, why);
        return -1;
    }
    /* sink_finish stores an end; a killed session has none. */
    if (end_ts < 0)
        sqlite3_exec(s->sink.db, "UPDATE session SET end_ts=NULL WHERE id=1", NULL, NULL, NULL);
    return 0;
}

void import_sink_close(struct import_sink *s, bool remove_file)
{
    if (!s)
        return;
    ingest_free(s->ing);
    sink_close(&s->sink);
    if (remove_file) {
        char side[PATH_MAX + 8];
        unlink(s->path);
        snprintf(side, sizeof side, "%s-wal", s->path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", s->path);
        unlink(side);
    }
    free(s);
}
