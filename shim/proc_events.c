/* proc_events.c — see proc_events.h. */
#include "shim/proc_events.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "shim/proc_reader.h"
#include "shim/proc_table.h"
#include "trace/recorder.h"
#include "util/duration.h"

/* Room for bursts (a parallel build forks hundreds of processes at once)
 * while the thread is scheduled out; SO_RCVBUFFORCE needs CAP_NET_ADMIN,
 * which the connector needs anyway. */
#define RCVBUF_BYTES (8 << 20)
#define ORDER_MARGIN_NS 2000000ULL

static struct {
    int sock;
    int stop[2];
    pthread_t thread;
    bool started;              /* the thread runs */
    bool on;                   /* proc_events_start was called */
    bool creds;
    _Atomic bool active;

    /* Sync state (proc_events_sync, complete_upto), under mu. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool busy;                 /* handling events taken off the socket */
    uint64_t upto;             /* every event queued before this is applied */
    uint64_t seen;             /* the latest kernel time of an event applied */
    uint64_t last_ts;          /* events reach the recorder in time order */
    uint64_t seen_unlocked;    /* the thread's own copy of `seen` */
} E = { .sock = -1, .stop = { -1, -1 }, .mu = PTHREAD_MUTEX_INITIALIZER,
        .cv = PTHREAD_COND_INITIALIZER };

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The process event in a netlink message, copied out: the connector puts
 * it 36 bytes into the message, which is not 8-byte aligned. */
static bool event_of(const struct nlmsghdr *h, struct proc_event *ev)
{
    if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP ||
        h->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg)))
        return false;
    struct cn_msg cn;
    memcpy(&cn, NLMSG_DATA(h), sizeof cn);
    size_t head = sizeof(struct proc_event) - sizeof(ev->event_data);
    if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC || cn.len < head ||
        NLMSG_LENGTH(sizeof cn + cn.len) > h->nlmsg_len)
        return false;
    memset(ev, 0, sizeof *ev);
    memcpy(ev, (const char *)NLMSG_DATA(h) + sizeof cn, cn.len < sizeof *ev ? cn.len : sizeof *ev);
    return true;
}

/* ---- subscription ------------------------------------------------------- */

static int subscribe(char *why, size_t len)
{
    int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (s < 0) {
        snprintf(why, len, "netlink connector socket: %s", strerror(errno));
        return -1;
    }
    int size = RCVBUF_BYTES;
    if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
        snprintf(why, len, "joining the process events group: %s%s", strerror(errno),
                 errno == EPERM ? " (needs CAP_NET_ADMIN)" : "");
        close(s);
        return -1;
    }
    struct {
        struct nlmsghdr nl;
        struct cn_msg cn;
        uint32_t op;
    } __attribute__((packed)) msg;
    memset(&msg, 0, sizeof msg);
    msg.nl.nlmsg_len = sizeof msg;
    msg.nl.nlmsg_type = NLMSG_DONE;
    msg.nl.nlmsg_pid = 0;
    msg.cn.id.idx = CN_IDX_PROC;
    msg.cn.id.val = CN_VAL_PROC;
    msg.cn.len = sizeof msg.op;
    msg.op = PROC_CN_MCAST_LISTEN;
    if (send(s, &msg, sizeof msg, 0) < 0) {
        snprintf(why, len, "subscribing to process events: %s", strerror(errno));
        close(s);
        return -1;
    }
    /* The kernel acknowledges (an event of type NONE); outside the initial
     * user or pid namespace it silently ignores us instead. */
    char buf[4096] __attribute__((aligned(8)));
    uint64_t deadline = now_ns() + 2000000000ULL;
    for (;;) {
        uint64_t now = now_ns();
        if (now >= deadline) {
            snprintf(why, len, "the kernel did not acknowledge the process events "
                               "subscription (not in the initial namespaces?)");
            close(s);
            return -1;
        }
        struct pollfd p = { .fd = s, .events = POLLIN };
        if (poll(&p, 1, (int)((deadline - now) / 1000000) + 1) <= 0)
            continue;
        ssize_t n = recv(s, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0)
            continue;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            struct proc_event ev;
            if (!event_of(h, &ev) || ev.what != PROC_EVENT_NONE)
                continue;
            if (ev.event_data.ack.err) {
                snprintf(why, len, "process events subscription refused: %s",
                         strerror((int)ev.event_data.ack.err));
                close(s);
                return -1;
            }
            return s;
        }
    }
}

/* ---- events ------------------------------------------------------------------ */

static void to_recorder(enum rec_proc_kind kind, uint64_t ts, uint32_t pid, uint32_t tgid,
                        uint32_t ppid, uint32_t ptgid, int32_t status, const char *comm)
{
    if (!rec_enabled())
        return;
    struct rec_proc_event e = { .kind = kind, .ts = ts, .pid = pid, .tgid = tgid,
                                .ppid = ppid, .ptgid = ptgid, .exit_status = status };
    if (comm)
        memcpy(e.comm, comm, sizeof e.comm - 1);
    rec_proc_event(&e);
}

static void handle(const struct proc_event *ev)
{
    uint64_t ts = ev->timestamp_ns;
    if (ts > E.seen_unlocked)
        E.seen_unlocked = ts;
    /* Events of different CPUs can reach the socket a little out of
     * order, and each producer's ring must be in time order: one clamped
     * time for the table and the recorder alike (identities name images
     * by it). */
    if (ts < E.last_ts)
        ts = E.last_ts;
    E.last_ts = ts;
    switch (ev->what) {
    case PROC_EVENT_FORK: {
        const struct fork_proc_event *f = &ev->event_data.fork;
        bool want;
        if (pt_fork((uint32_t)f->parent_pid, (uint32_t)f->parent_tgid, (uint32_t)f->child_pid,
                    (uint32_t)f->child_tgid, ts, &want))
            to_recorder(REC_PROC_FORK, ts, (uint32_t)f->child_pid, (uint32_t)f->child_tgid,
                        (uint32_t)f->parent_pid, (uint32_t)f->parent_tgid, 0, NULL);
        if (want)
            proc_reader_request((uint32_t)f->child_tgid, PT_READ_IDENTITY, false);
        break;
    }
    case PROC_EVENT_EXEC: {
        const struct exec_proc_event *x = &ev->event_data.exec;
        bool want, want_creds;
        if (pt_exec((uint32_t)x->process_pid, (uint32_t)x->process_tgid, ts, E.creds, &want,
                    &want_creds))
            to_recorder(REC_PROC_EXEC, ts, (uint32_t)x->process_pid, (uint32_t)x->process_tgid,
                        0, 0, 0, NULL);
        if (want)
            proc_reader_exec((uint32_t)x->process_tgid, ts);
        if (want_creds)
            proc_reader_request((uint32_t)x->process_tgid, PT_READ_CREDS, false);
        break;
    }
    case PROC_EVENT_UID:
    case PROC_EVENT_GID: {
        if (!E.creds)
            break;
        const struct id_proc_event *i = &ev->event_data.id;
        bool want;
        pt_ids_changed((uint32_t)i->process_pid, (uint32_t)i->process_tgid, &want);
        if (want)
            proc_reader_request((uint32_t)i->process_pid, PT_READ_CREDS, false);
        break;
    }
    case PROC_EVENT_COMM: {
        const struct comm_proc_event *c = &ev->event_data.comm;
        if (c->process_pid == c->process_tgid && pt_interesting((uint32_t)c->process_tgid))
            to_recorder(REC_PROC_COMM, ts, (uint32_t)c->process_pid, (uint32_t)c->process_tgid,
                        0, 0, 0, c->comm);
        break;
    }
    case PROC_EVENT_EXIT: {
        const struct exit_proc_event *x = &ev->event_data.exit;
        if (pt_exit((uint32_t)x->process_pid, (uint32_t)x->process_tgid))
            to_recorder(REC_PROC_EXIT, ts, (uint32_t)x->process_pid, (uint32_t)x->process_tgid,
                        0, 0, (int32_t)x->exit_code, NULL);
        break;
    }
    default:
        break;
    }
}

static void handle_datagram(const char *buf, ssize_t n)
{
    for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
         h = NLMSG_NEXT(h, n)) {
        struct proc_event ev;
        if (event_of(h, &ev))
            handle(&ev);
    }
}

/* The kernel dropped events (we fell behind) or the socket failed: what
 * the table knows can no longer be trusted to be complete. */
static void give_up(const char *what, int err)
{
    fprintf(stderr, "fusetrace: process events connector %s (%s); from now on process "
                    "identities come from /proc only, asynchronously: a new program is "
                    "noticed up to a second late\n", what, strerror(err));
    pt_set_connector(false);
    rec_set_process_clock(NULL);
    pthread_mutex_lock(&E.mu);
    E.active = false;
    E.busy = false;
    pthread_cond_broadcast(&E.cv);
    pthread_mutex_unlock(&E.mu);
}

static void *events_main(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "ft-procev");
    static char buf[16384] __attribute__((aligned(8)));
    for (;;) {
        struct pollfd p[2] = { { .fd = E.sock, .events = POLLIN }, { .fd = E.stop[0], .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            give_up("failed", errno);
            return NULL;
        }
        if (p[1].revents)
            return NULL;
        pthread_mutex_lock(&E.mu);
        E.busy = true;
        pthread_mutex_unlock(&E.mu);
        for (;;) {
            uint64_t before = now_ns();
            ssize_t n = recv(E.sock, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                handle_datagram(buf, n);
                pthread_mutex_lock(&E.mu);
                E.seen = E.seen_unlocked;
                pthread_cond_broadcast(&E.cv);
                pthread_mutex_unlock(&E.mu);
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                /* Everything queued before `before` has been applied. */
                pthread_mutex_lock(&E.mu);
                E.busy = false;
                E.upto = before;
                pthread_cond_broadcast(&E.cv);
                pthread_mutex_unlock(&E.mu);
                break;
            }
            give_up(n < 0 && errno == ENOBUFS ? "lost events" : "failed", n < 0 ? errno : EIO);
            return NULL;
        }
    }
}

/* ---- catching up ----------------------------------------------------------- */

/* With mu held: the thread is waiting and nothing is queued, so every
 * event queued before now has been applied. */
static bool idle_and_empty(uint64_t *at)
{
    if (E.busy)
        return false;
    uint64_t before = now_ns();
    struct pollfd p = { .fd = E.sock, .events = POLLIN };
    if (poll(&p, 1, 0) != 0)
        return false;
    *at = before;
    return true;
}

bool proc_events_sync(uint64_t timeout_ns)
{
    if (!E.active)
        return false;
    uint64_t called = now_ns();
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    timespec_add_ns(&deadline, timeout_ns);
    bool ok = false;
    pthread_mutex_lock(&E.mu);
    while (E.active) {
        uint64_t at;
        /* The socket delivers events in the order the kernel queued them,
         * so once one stamped well after the call has been applied, those
         * queued before the call have been too (the margin covers CPUs
         * whose stamps and queueing interleave). */
        if (E.upto >= called || E.seen >= called + ORDER_MARGIN_NS || idle_and_empty(&at)) {
            ok = true;
            break;
        }
        if (pthread_cond_timedwait(&E.cv, &E.mu, &deadline) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&E.mu);
    return ok;
}

/* The recorder's process clock (rec_set_process_clock). */
static uint64_t complete_upto(void)
{
    pthread_mutex_lock(&E.mu);
    uint64_t at;
    if (E.active && idle_and_empty(&at) && at > E.upto)
        E.upto = at;
    uint64_t seen = E.seen > ORDER_MARGIN_NS ? E.seen - ORDER_MARGIN_NS : 0;
    uint64_t r = !E.active ? UINT64_MAX : E.upto > seen ? E.upto : seen;
    pthread_mutex_unlock(&E.mu);
    return r;
}

/* ---- lifecycle --------------------------------------------------------------- */

void proc_events_start(bool creds)
{
    char why[256];
    E.on = true;
    E.creds = creds;
    proc_table_init();
    E.sock = subscribe(why, sizeof why);
    if (E.sock < 0) {
        fprintf(stderr, "fusetrace: no process events connector (%s); process identities "
                        "come from /proc only, asynchronously: a new program is noticed up to "
                        "a second late\n", why);
    } else if (pipe2(E.stop, O_CLOEXEC) < 0) {
        fprintf(stderr, "fusetrace: no process events connector (pipe: %s)\n", strerror(errno));
        close(E.sock);
        E.sock = -1;
    }
    bool have = E.sock >= 0;
    pt_set_connector(have);
    if (have) {
        E.upto = now_ns();
        E.active = true;
        rec_set_process_clock(complete_upto);
    }
    /* The daemon is of the recording: `record` forks COMMAND from it. */
    pt_mark_interesting((uint32_t)getpid());
    proc_reader_read_self();
    if (have && pthread_create(&E.thread, NULL, events_main, NULL) != 0) {
        give_up("could not start", EAGAIN);
        return;
    }
    E.started = have;
}

void proc_events_stop(void)
{
    if (E.started) {
        char c = 1;
        if (write(E.stop[1], &c, 1) < 0) {
            /* the thread also ends with the socket below */
        }
        pthread_join(E.thread, NULL);
        E.started = false;
    }
    pthread_mutex_lock(&E.mu);
    E.active = false;
    pthread_cond_broadcast(&E.cv);
    pthread_mutex_unlock(&E.mu);
    rec_set_process_clock(NULL);
    if (E.sock >= 0)
        close(E.sock);
    for (int i = 0; i < 2; i++)
        if (E.stop[i] >= 0)
            close(E.stop[i]);
    E.sock = E.stop[0] = E.stop[1] = -1;
    E.on = false;
}

bool proc_events_active(void)
{
    return E.active;
}

void proc_events_command(pid_t pid)
{
    if (!E.on)
        return;
    pt_mark_interesting((uint32_t)pid);
    struct rec_proc_event e = { .kind = REC_PROC_COMMAND, .ts = rec_now_ns(),
                                .pid = (uint32_t)pid, .tgid = (uint32_t)pid };
    rec_proc_event(&e);
}
