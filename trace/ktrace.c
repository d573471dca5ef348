/* ktrace.c — see ktrace.h: the decisions and messages around the tracefs
 * instance (ktrace_instance.c) and its reader (ktrace_reader.c). */
#include "trace/ktrace.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "trace/ktrace_instance.h"
#include "trace/ktrace_reader.h"
#include "trace/rec_event.h"
#include "trace/recorder.h"

static struct {
    enum ktrace_mode mode;
    bool wanted;               /* probe found the kernel side recordable */
    struct tracefs_instance *in;
    struct kt_reader *reader;
    uint64_t begin_ns;
    char note[REC_NOTE_MAX];   /* why the kernel side is not recorded */
} kt;

int ktrace_parse_mode(const char *s, enum ktrace_mode *out)
{
    if (!strcmp(s, "auto"))
        *out = KTRACE_AUTO;
    else if (!strcmp(s, "on"))
        *out = KTRACE_ON;
    else if (!strcmp(s, "off"))
        *out = KTRACE_OFF;
    else
        return -1;
    return 0;
}

/* The kernel side cannot be recorded because of `why`: `on` refuses
 * (-1), `auto` says so in one line and goes on without it (0). */
static int cannot(const char *why)
{
    snprintf(kt.note, sizeof kt.note, "%s", why);
    kt.wanted = false;
    if (kt.mode == KTRACE_ON) {
        fprintf(stderr, "fusetrace: --kernel-trace=on: %s\n", why);
        return -1;
    }
    fprintf(stderr, "fusetrace: kernel side not recorded (%s); recording the daemon's side "
                    "only\n", why);
    return 0;
}

int ktrace_probe(enum ktrace_mode mode, bool recording)
{
    memset(&kt, 0, sizeof kt);
    kt.mode = mode;
    if (mode == KTRACE_OFF) {
        snprintf(kt.note, sizeof kt.note, "--kernel-trace=off");
        return 0;
    }
    if (!recording) {
        if (mode == KTRACE_ON) {
            fprintf(stderr, "fusetrace: --kernel-trace=on needs a recording (--db FILE or "
                            "--lttng)\n");
            return -1;
        }
        return 0;              /* nothing is recorded, so nothing to say */
    }
    char why[REC_NOTE_MAX];
    if (kt_available(why, sizeof why) < 0)
        return cannot(why);
    kt.wanted = true;
    return 0;
}

int ktrace_begin(void)
{
    if (!kt.wanted)
        return 0;
    kt_remove_stale();
    char why[REC_NOTE_MAX];
    kt.in = kt_create(why, sizeof why);
    if (!kt.in)
        return cannot(why);
    kt.begin_ns = rec_now_ns();
    return 0;
}

int ktrace_connect(dev_t conn)
{
    if (!kt.wanted || !kt.in) {
        rec_kernel_state(false, 0, kt.note[0] ? kt.note : NULL);
        return 0;
    }
    uint64_t mount_done = rec_now_ns();
    if (conn == 0) {
        kt_destroy(kt.in);
        kt.in = NULL;
        int r = cannot("the mount's device number is unknown");
        rec_kernel_state(false, 0, kt.note);
        return r;
    }
    /* The kernel's dev_t: what the trace events and fusectl print. */
    uint32_t kdev = (uint32_t)((major(conn) << 20) | minor(conn));
    char why[REC_NOTE_MAX];
    if (kt_filter(kt.in, kdev, why, sizeof why) == 0)
        kt.reader = kt_reader_start(kt.in, kdev, kt.begin_ns, mount_done, why, sizeof why);
    if (!kt.reader) {
        kt_destroy(kt.in);
        kt.in = NULL;
        int r = cannot(why);
        rec_kernel_state(false, 0, kt.note);
        return r;
    }
    rec_kernel_state(true, kdev, NULL);
    return 0;
}

void ktrace_end(void)
{
    /* Our connection is gone and its number may already be another
     * mount's: stop the events first, then read what the buffers hold. */
    kt_disable(kt.in);
    kt_reader_stop(kt.reader);
    kt.reader = NULL;
    kt_destroy(kt.in);
    kt.in = NULL;
}
