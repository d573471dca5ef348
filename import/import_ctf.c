/* import_ctf.c — see import_ctf.h. */
#include "import/import_ctf.h"

#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_TRACES 256

/* source.ctf.fs does not recurse: collect every directory holding a
 * `metadata` file.  nftw has no user pointer, hence the static list (the
 * command reads one tree per process). */
static char *dirs[MAX_TRACES];
static int ndirs;
static bool too_many;

static int find_md(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    if (type == FTW_F && !strcmp(p + ftw->base, "metadata")) {
        if (ndirs == MAX_TRACES) {
            too_many = true;
            return 1;
        }
        char *d = strndup(p, (size_t)ftw->base ? (size_t)ftw->base - 1 : 0);
        if (!d)
            return 1;
        dirs[ndirs++] = d;
    }
    return 0;
}

struct run {
    const struct ctf_callbacks *cb;
    bool failed;
    bool ended;                /* an event callback asked to end */
};

static bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator *it,
                                                                  void *data)
{
    struct run *r = data;
    bt_message_array_const msgs;
    uint64_t count;
    switch (bt_message_iterator_next(it, &msgs, &count)) {
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
        return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
        return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
    case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
        break;
    default:
        return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
    }
    for (uint64_t i = 0; i < count; i++) {
        const bt_message *m = msgs[i];
        if (!r->failed && bt_message_get_type(m) == BT_MESSAGE_TYPE_EVENT) {
            const bt_clock_snapshot *cs = bt_message_event_borrow_default_clock_snapshot_const(m);
            uint64_t v = bt_clock_snapshot_get_value(cs);
            uint64_t f = bt_clock_class_get_frequency(bt_clock_snapshot_borrow_clock_class_const(cs));
            uint64_t ns = f == 1000000000ULL ? v
                        : (uint64_t)((long double)v * 1e9L / (long double)f);
            int rc = r->ended ? 0 : r->cb->event(r->cb->ctx, bt_message_event_borrow_event_const(m), ns);
            if (rc < 0)
                r->failed = true;
            else if (rc > 0)
                r->ended = true;
        } else if (!r->failed && !r->ended && r->cb->progress
                   && bt_message_get_type(m) == BT_MESSAGE_TYPE_MESSAGE_ITERATOR_INACTIVITY) {
            const bt_clock_snapshot *cs =
                bt_message_message_iterator_inactivity_borrow_clock_snapshot_const(m);
            uint64_t v = bt_clock_snapshot_get_value(cs);
            uint64_t f = bt_clock_class_get_frequency(bt_clock_snapshot_borrow_clock_class_const(cs));
            uint64_t ns = f == 1000000000ULL ? v
                        : (uint64_t)((long double)v * 1e9L / (long double)f);
            if (r->cb->progress(r->cb->ctx, ns) != 0)
                r->failed = true;
        } else if (!r->failed && !r->ended
                   && bt_message_get_type(m) == BT_MESSAGE_TYPE_DISCARDED_EVENTS) {
            uint64_t d = 0, ts = 0;
            if (bt_message_discarded_events_get_count(m, &d) != BT_PROPERTY_AVAILABILITY_AVAILABLE)
                d = 1;    /* "some" were lost: count at least one */
            const bt_stream_class *sc = bt_stream_borrow_class_const(
                bt_message_discarded_events_borrow_stream_const(m));
            if (bt_stream_class_discarded_events_have_default_clock_snapshots(sc))
                ts = bt_clock_snapshot_get_value(
                    bt_message_discarded_events_borrow_end_default_clock_snapshot_const(m));
            if (r->cb->discarded && r->cb->discarded(r->cb->ctx, d, ts) != 0)
                r->failed = true;
        }
        bt_message_put_ref(m);
    }
    return r->failed ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR
         : r->ended  ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END
                     : BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

int ctf_read(const char *dir, const struct ctf_callbacks *cb, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return -1;
    }
    ndirs = 0;
    too_many = false;
    if (nftw(dir, find_md, 16, FTW_PHYS) != 0 && !too_many) {
        snprintf(err, errlen, "%s: cannot walk the trace directory", dir);
        goto out_dirs;
    }
    if (too_many) {
        snprintf(err, errlen, "%s: more than %d CTF traces", dir, MAX_TRACES);
        goto out_dirs;
    }
    if (ndirs == 0) {
        snprintf(err, errlen, "%s: no CTF trace (no 'metadata' file) under it", dir);
        goto out_dirs;
    }

    const bt_plugin *ctf = NULL, *utils = NULL;
    if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &ctf) != BT_PLUGIN_FIND_STATUS_OK
        || bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &utils) != BT_PLUGIN_FIND_STATUS_OK) {
        snprintf(err, errlen, "babeltrace2 plugins 'ctf' and 'utils' not found");
        bt_plugin_put_ref(ctf);
        goto out_dirs;
    }
    int ret = -1;
    struct run r = { .cb = cb };
    bt_graph *g = bt_graph_create(0);
    const bt_component_filter *mux;
    const bt_component_sink *sink;
    if (!g || bt_graph_add_filter_component(g,
                bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer"),
                "mux", NULL, BT_LOGGING_LEVEL_WARNING, &mux) != BT_GRAPH_ADD_COMPONENT_STATUS_OK
        || bt_graph_add_simple_sink_component(g, "fusetrace-import", NULL, consume, NULL, &r,
                                              &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
        snprintf(err, errlen, "cannot build the babeltrace2 graph");
        goto out;
    }
    uint64_t nports = 0;
    for (int t = 0; t < ndirs; t++) {
        bt_value *params = bt_value_map_create(), *inputs = bt_value_array_create();
        bool ok = params && inputs
               && bt_value_array_append_string_element(inputs, dirs[t]) == BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK
               && bt_value_map_insert_entry(params, "inputs", inputs) == BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK;
        char name[32];
        snprintf(name, sizeof name, "src%d", t);
        const bt_component_source *src = NULL;
        if (ok)
            ok = bt_graph_add_source_component(g,
                    bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs"),
                    name, params, BT_LOGGING_LEVEL_ERROR, &src) == BT_GRAPH_ADD_COMPONENT_STATUS_OK;
        bt_value_put_ref(inputs);
        bt_value_put_ref(params);
        if (!ok) {
            snprintf(err, errlen, "%s: not a readable CTF trace", dirs[t]);
            goto out;
        }
        for (uint64_t i = 0; i < bt_component_source_get_output_port_count(src); i++, nports++)
            if (bt_graph_connect_ports(g, bt_component_source_borrow_output_port_by_index_const(src, i),
                    bt_component_filter_borrow_input_port_by_index_const(mux, nports), NULL)
                != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
                snprintf(err, errlen, "%s: cannot connect stream %" PRIu64, dirs[t], i);
                goto out;
            }
    }
    if (bt_graph_connect_ports(g, bt_component_filter_borrow_output_port_by_index_const(mux, 0),
            bt_component_sink_borrow_input_port_by_index_const(sink, 0), NULL)
        != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
        snprintf(err, errlen, "cannot connect the muxer");
        goto out;
    }
    bt_graph_run_status rs;
    do
        rs = bt_graph_run(g);
    while (rs == BT_GRAPH_RUN_STATUS_AGAIN);
    if (r.failed) {
        if (!err[0])
            snprintf(err, errlen, "import stopped by an error");
    } else if (rs != BT_GRAPH_RUN_STATUS_OK) {
        snprintf(err, errlen, "%s: babeltrace2 failed to read the trace (status %d)", dir, (int)rs);
    } else {
        ret = 0;
    }
out:
    bt_graph_put_ref(g);
    bt_plugin_put_ref(ctf);
    bt_plugin_put_ref(utils);
    for (int t = 0; t < ndirs; t++)
        free(dirs[t]);
    ndirs = 0;
    return ret;
out_dirs:
    for (int t = 0; t < ndirs; t++)
        free(dirs[t]);
    ndirs = 0;
    return -1;
}

int ctf_read_live(const char *url, const struct ctf_callbacks *cb, const volatile sig_atomic_t *stop,
                  char *err, size_t errlen)
{
    const bt_plugin *ctf = NULL;
    if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &ctf) != BT_PLUGIN_FIND_STATUS_OK) {
        snprintf(err, errlen, "babeltrace2 plugin 'ctf' not found");
        return -1;
    }
    int ret = -1;
    struct run r = { .cb = cb };
    bt_graph *g = bt_graph_create(0);
    bt_value *params = bt_value_map_create(), *inputs = bt_value_array_create();
    const bt_component_source *src = NULL;
    const bt_component_sink *sink;
    if (!g || !params || !inputs
        || bt_value_array_append_string_element(inputs, url) != BT_VALUE_ARRAY_APPEND_ELEMENT_STATUS_OK
        || bt_value_map_insert_entry(params, "inputs", inputs) != BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK
        /* wait for a session that does not exist yet (the default, said
         * here because the command line's default is to end) */
        || bt_value_map_insert_string_entry(params, "session-not-found-action", "continue")
               != BT_VALUE_MAP_INSERT_ENTRY_STATUS_OK) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (bt_graph_add_source_component(g,
            bt_plugin_borrow_source_component_class_by_name_const(ctf, "lttng-live"),
            /* its error log is several lines per lost connection: the
             * one-line reason below says it */
            "live", params, BT_LOGGING_LEVEL_NONE, &src) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
        snprintf(err, errlen, "%s: not a live session URL babeltrace2 accepts "
                 "(net://RELAY[:LIVEPORT]/host/HOSTNAME/SESSION)", url);
        goto out;
    }
    if (bt_graph_add_simple_sink_component(g, "fusetrace-import", NULL, consume, NULL, &r,
                                           &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK
        || bt_graph_connect_ports(g, bt_component_source_borrow_output_port_by_index_const(src, 0),
               bt_component_sink_borrow_input_port_by_index_const(sink, 0), NULL)
               != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
        snprintf(err, errlen, "cannot build the babeltrace2 graph");
        goto out;
    }
    bt_graph_run_once_status rs = BT_GRAPH_RUN_ONCE_STATUS_OK;
    for (;;) {
        rs = bt_graph_run_once(g);
        if (rs != BT_GRAPH_RUN_ONCE_STATUS_AGAIN && rs != BT_GRAPH_RUN_ONCE_STATUS_OK)
            break;
        if (*stop) {
            ret = 1;
            goto out;
        }
        if (rs == BT_GRAPH_RUN_ONCE_STATUS_AGAIN) {
            /* nothing new: commit, then wait a little (the relay's live
             * timer delivers about once a second) */
            if (cb->idle && cb->idle(cb->ctx) != 0) {
                r.failed = true;
                break;
            }
            struct timespec ts = { 0, 50 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    if (r.failed) {
        if (!err[0])
            snprintf(err, errlen, "import stopped by an error");
    } else if (rs == BT_GRAPH_RUN_ONCE_STATUS_END) {
        ret = 0;
    } else {
        snprintf(err, errlen, "%s: the live stream failed (status %d): the relay daemon went "
                 "away or refused the session", url, (int)rs);
    }
out:
    bt_value_put_ref(inputs);
    bt_value_put_ref(params);
    bt_graph_put_ref(g);
    bt_plugin_put_ref(ctf);
    return ret;
}

/* ---- payload fields ------------------------------------------------------------ */

static const bt_field *member(const bt_field *s, const char *name)
{
    if (!s || bt_field_get_class_type(s) != BT_FIELD_CLASS_TYPE_STRUCTURE)
        return NULL;
    return bt_field_structure_borrow_member_field_by_name_const(s, name);
}

bool ctf_u64(const bt_field *s, const char *name, uint64_t *out)
{
    const bt_field *f = member(s, name);
    if (!f)
        return false;
    bt_field_class_type t = bt_field_get_class_type(f);
    if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER))
        *out = bt_field_integer_unsigned_get_value(f);
    else if (bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER))
        *out = (uint64_t)bt_field_integer_signed_get_value(f);
    else
        return false;
    return true;
}

bool ctf_i64(const bt_field *s, const char *name, int64_t *out)
{
    uint64_t v;
    if (!ctf_u64(s, name, &v))
        return false;
    *out = (int64_t)v;
    return true;
}

const char *ctf_str(const bt_field *s, const char *name)
{
    const bt_field *f = member(s, name);
    if (!f || bt_field_get_class_type(f) != BT_FIELD_CLASS_TYPE_STRING)
        return NULL;
    /* babeltrace2 2.0.4 clears a string field by setting its length to 0
     * without terminating its buffer, so an empty string read with
     * bt_field_string_get_value() alone shows the previous event's text.
     * The length is right. */
    if (bt_field_string_get_length(f) == 0)
        return "";
    return bt_field_string_get_value(f);
}

long ctf_bytes(const bt_field *s, const char *name, uint8_t *buf, size_t cap)
{
    const bt_field *f = member(s, name);
    if (!f || !bt_field_class_type_is(bt_field_get_class_type(f), BT_FIELD_CLASS_TYPE_ARRAY))
        return -1;
    uint64_t n = bt_field_array_get_length(f);
    if (n > cap)
        n = cap;
    for (uint64_t i = 0; i < n; i++)
        buf[i] = (uint8_t)bt_field_integer_unsigned_get_value(
            bt_field_array_borrow_element_field_by_index_const(f, i));
    return (long)n;
}
