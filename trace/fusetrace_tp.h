/* fusetrace_tp.h — the `fusetrace` LTTng-UST tracepoint provider.
 *
 * Events: fusetrace:request, :reply, :inode, :fh, :backing, :process (what
 * /proc said about a process image), :process_event (fork, exec, exit,
 * rename of a process, from the kernel's connector), :manifest (a
 * source object as the session first found it), :stall and :stall_end (the
 * stall watchdog), :kernel, :kernel_state and :kernel_loss (the kernel's
 * side, read from tracefs), :counter (a counter track sample), :session.  See
 * tp_args.h for the field meanings.  Included by fusetrace_tp.c (which
 * creates the probes) and by the recorder's hot path (which calls them).
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER fusetrace

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "trace/fusetrace_tp.h"

#if !defined(FUSETRACE_TRACE_FUSETRACE_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define FUSETRACE_TRACE_FUSETRACE_TP_H

#include <lttng/tracepoint.h>
#include "trace/tp_args.h"

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, request,
    LTTNG_UST_TP_ARGS(const struct tp_wire *, w),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, unique, w->unique)
        lttng_ust_field_integer(uint32_t, opcode, w->opcode)
        lttng_ust_field_integer(uint64_t, nodeid, w->nodeid)
        lttng_ust_field_integer(uint32_t, uid, w->uid)
        lttng_ust_field_integer(uint32_t, gid, w->gid)
        lttng_ust_field_integer(uint32_t, pid, w->pid)
        lttng_ust_field_integer(uint32_t, tid, w->tid)
        lttng_ust_field_integer(uint32_t, len, w->len)
        lttng_ust_field_integer(uint8_t, truncated, w->truncated)
        lttng_ust_field_integer(uint32_t, tap_edits, w->tap_edits)
        lttng_ust_field_sequence(uint8_t, raw, w->raw, uint32_t, w->raw_len)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, reply,
    LTTNG_UST_TP_ARGS(const struct tp_wire *, w),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, unique, w->unique)
        lttng_ust_field_integer(int32_t, error, w->error)
        lttng_ust_field_integer(uint32_t, opcode, w->opcode)
        lttng_ust_field_integer(uint32_t, tid, w->tid)
        lttng_ust_field_integer(uint32_t, len, w->len)
        lttng_ust_field_integer(uint8_t, truncated, w->truncated)
        lttng_ust_field_integer(uint32_t, tap_edits, w->tap_edits)
        lttng_ust_field_sequence(uint8_t, raw, w->raw, uint32_t, w->raw_len)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, inode,
    LTTNG_UST_TP_ARGS(const struct tp_inode *, e),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, unique, e->unique)
        lttng_ust_field_integer(uint32_t, tid, e->tid)
        lttng_ust_field_integer(int32_t, kind, e->kind)
        lttng_ust_field_integer(int32_t, cause, e->cause)
        lttng_ust_field_integer(uint64_t, nodeid, e->nodeid)
        lttng_ust_field_integer(uint64_t, parent, e->parent)
        lttng_ust_field_string(name, e->name)
        lttng_ust_field_integer(uint64_t, dev, e->dev)
        lttng_ust_field_integer(uint64_t, ino, e->ino)
        lttng_ust_field_integer(uint64_t, mnt_id, e->mnt_id)
        lttng_ust_field_integer(int64_t, delta, e->delta)
        lttng_ust_field_integer(uint64_t, nlookup, e->nlookup)
        lttng_ust_field_integer(int32_t, err, e->err)
        lttng_ust_field_integer(int32_t, fd, e->fd)
        lttng_ust_field_integer(uint64_t, other_nodeid, e->other_nodeid)
        lttng_ust_field_integer(int32_t, handle_type, e->handle_type)
        lttng_ust_field_integer(int32_t, io_mode, e->io_mode)
        lttng_ust_field_integer(int32_t, io_prev, e->io_prev)
        lttng_ust_field_integer(int32_t, io_why, e->io_why)
        lttng_ust_field_integer(int32_t, backing_id, e->backing_id)
        lttng_ust_field_sequence(uint8_t, handle, e->handle, uint32_t, e->handle_len)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, fh,
    LTTNG_UST_TP_ARGS(const struct tp_fh *, e),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, unique, e->unique)
        lttng_ust_field_integer(uint32_t, tid, e->tid)
        lttng_ust_field_integer(int32_t, kind, e->kind)
        lttng_ust_field_integer(uint64_t, fh, e->fh)
        lttng_ust_field_integer(uint64_t, nodeid, e->nodeid)
        lttng_ust_field_integer(int32_t, flags, e->flags)
        lttng_ust_field_integer(int32_t, fd, e->fd)
        lttng_ust_field_integer(uint8_t, created, e->created)
        lttng_ust_field_integer(int32_t, io_mode, e->io_mode)
        lttng_ust_field_integer(int64_t, size, e->size)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, backing,
    LTTNG_UST_TP_ARGS(const struct tp_backing *, e),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, unique, e->unique)
        lttng_ust_field_integer(uint32_t, tid, e->tid)
        lttng_ust_field_string(call, e->call)
        lttng_ust_field_integer(int64_t, fd, e->fd)
        lttng_ust_field_integer(int64_t, arg, e->arg)
        lttng_ust_field_string(name, e->name)
        lttng_ust_field_integer(int64_t, result, e->result)
        lttng_ust_field_integer(int32_t, err, e->err)
        lttng_ust_field_integer(uint64_t, start_ns, e->start_ns)
        lttng_ust_field_integer(uint64_t, end_ns, e->end_ns)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, process,
    LTTNG_UST_TP_ARGS(const struct tp_process *, p),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint32_t, tid, p->tid)
        lttng_ust_field_integer(uint32_t, pid, p->tgid)
        lttng_ust_field_integer(uint32_t, ppid, p->ppid)
        lttng_ust_field_integer(uint64_t, image_ts, p->image_ts)
        lttng_ust_field_integer(int64_t, start_time, p->start_time)
        lttng_ust_field_string(comm, p->comm)
        lttng_ust_field_string(cmdline, p->cmdline)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, process_event,
    LTTNG_UST_TP_ARGS(const struct tp_process_event *, e),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(int32_t, kind, e->kind)
        lttng_ust_field_integer(uint64_t, ts_ns, e->ts_ns)
        lttng_ust_field_integer(uint32_t, pid, e->pid)
        lttng_ust_field_integer(uint32_t, tgid, e->tgid)
        lttng_ust_field_integer(uint32_t, ppid, e->ppid)
        lttng_ust_field_integer(uint32_t, ptgid, e->ptgid)
        lttng_ust_field_integer(int32_t, exit_status, e->exit_status)
        lttng_ust_field_string(comm, e->comm)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, manifest,
    LTTNG_UST_TP_ARGS(const struct tp_manifest *, m),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, unique, m->unique)
        lttng_ust_field_integer(uint32_t, tid, m->tid)
        lttng_ust_field_integer(uint64_t, nodeid, m->nodeid)
        lttng_ust_field_integer(uint64_t, parent, m->parent)
        lttng_ust_field_string(name, m->name)
        lttng_ust_field_integer(uint32_t, mode, m->mode)
        lttng_ust_field_integer(uint64_t, size, m->size)
        lttng_ust_field_integer(uint32_t, uid, m->uid)
        lttng_ust_field_integer(uint32_t, gid, m->gid)
        lttng_ust_field_integer(uint64_t, rdev, m->rdev)
        lttng_ust_field_integer(uint64_t, nlink, m->nlink)
        lttng_ust_field_integer(uint64_t, dev, m->dev)
        lttng_ust_field_integer(uint64_t, ino, m->ino)
        lttng_ust_field_integer(int64_t, atime_ns, m->atime_ns)
        lttng_ust_field_integer(int64_t, mtime_ns, m->mtime_ns)
        lttng_ust_field_integer(int64_t, ctime_ns, m->ctime_ns)
        lttng_ust_field_string(link_target, m->link_target)
        lttng_ust_field_sequence(uint8_t, data, m->data, uint32_t, m->data_len)))

/* The stall watchdog: `ts` is the recorder's own clock read (the
 * event's timestamp comes a little later), so an import stores the same
 * times as the direct recording. */
LTTNG_UST_TRACEPOINT_EVENT(fusetrace, stall,
    LTTNG_UST_TP_ARGS(const struct tp_stall *, s),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, ts, s->ts)
        lttng_ust_field_integer(uint64_t, unique, s->unique)
        lttng_ust_field_integer(uint32_t, tid, s->tid)
        lttng_ust_field_integer(uint32_t, opcode, s->opcode)
        lttng_ust_field_integer(uint64_t, nodeid, s->nodeid)
        lttng_ust_field_integer(uint32_t, pid, s->pid)
        lttng_ust_field_integer(uint64_t, held_ns, s->held_ns)
        lttng_ust_field_string(call, s->call)
        lttng_ust_field_integer(int64_t, fd, s->fd)
        lttng_ust_field_integer(int64_t, arg, s->arg)
        lttng_ust_field_string(name, s->name)
        lttng_ust_field_string(fd_path, s->fd_path)
        lttng_ust_field_integer(uint64_t, call_ns, s->call_ns)
        lttng_ust_field_string(wchan, s->wchan)
        lttng_ust_field_string(stack, s->stack)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, stall_end,
    LTTNG_UST_TP_ARGS(const struct tp_stall_end *, s),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, ts, s->ts)
        lttng_ust_field_integer(uint64_t, unique, s->unique)
        lttng_ust_field_integer(uint32_t, tid, s->tid)
        lttng_ust_field_integer(uint32_t, reason, s->reason)))

/* The kernel's side: `ts` is the kernel's own timestamp (the event is
 * emitted later, by the tracefs reader), so an import stores the same
 * times as the direct recording. */
LTTNG_UST_TRACEPOINT_EVENT(fusetrace, kernel,
    LTTNG_UST_TP_ARGS(const struct tp_kernel *, k),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, ts, k->ts)
        lttng_ust_field_integer(uint64_t, unique, k->unique)
        lttng_ust_field_integer(uint32_t, kind, k->kind)
        lttng_ust_field_integer(uint32_t, opcode, k->opcode)
        lttng_ust_field_integer(uint32_t, len, k->len)
        lttng_ust_field_integer(int32_t, error, k->error)
        lttng_ust_field_integer(uint32_t, caller_tid, k->caller_tid)
        lttng_ust_field_integer(uint32_t, tid, k->tid)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, kernel_state,
    LTTNG_UST_TP_ARGS(const struct tp_kernel_state *, k),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint8_t, on, k->on)
        lttng_ust_field_integer(uint32_t, connection, k->connection)
        lttng_ust_field_string(note, k->note)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, kernel_loss,
    LTTNG_UST_TP_ARGS(const struct tp_kernel_loss *, k),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, ts, k->ts)
        lttng_ust_field_integer(uint64_t, events, k->events)
        lttng_ust_field_integer(uint32_t, tid, k->tid)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, counter,
    LTTNG_UST_TP_ARGS(const struct tp_counter *, c),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(uint64_t, ts, c->ts)
        lttng_ust_field_string(name, c->name)
        lttng_ust_field_integer(int64_t, value, c->value)
        lttng_ust_field_integer(uint32_t, tid, c->tid)))

LTTNG_UST_TRACEPOINT_EVENT(fusetrace, session,
    LTTNG_UST_TP_ARGS(const struct tp_session *, s),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_integer(int32_t, phase, s->phase)
        lttng_ust_field_string(uuid, s->uuid)
        lttng_ust_field_string(status, s->status)
        lttng_ust_field_string(end_cause, s->end_cause)
        lttng_ust_field_integer(uint64_t, start_realtime_ns, s->start_realtime_ns)
        lttng_ust_field_integer(uint64_t, start_monotonic_ns, s->start_monotonic_ns)
        lttng_ust_field_integer(uint32_t, pid, s->pid)
        lttng_ust_field_string(source, s->source)
        lttng_ust_field_string(mountpoint, s->mountpoint)
        lttng_ust_field_string(command, s->command)
        lttng_ust_field_string(options, s->options)
        lttng_ust_field_integer(uint32_t, capture_data, s->capture_data)
        lttng_ust_field_integer(uint32_t, snapshot_data, s->snapshot_data)
        lttng_ust_field_integer(uint8_t, drop, s->drop)
        lttng_ust_field_integer(uint64_t, events, s->events)
        lttng_ust_field_integer(uint64_t, lost, s->lost)))

#endif

#include <lttng/tracepoint-event.h>
