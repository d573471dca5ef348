#!/usr/bin/env python3
"""dbcompare.py A.db B.db — compare a direct SQLite recording (A) with the
import of the same run's LTTng trace (B), row by row, on every table.

What is compared: every column of every table, as multisets of rows, except
  * storage ids (id INTEGER PRIMARY KEY of event tables) and the surrogate
    ids call_name.id / process.id: these are replaced by what they stand for
    (backing_call.call_id and stall.call_id -> call_name.name,
    request.process_id, process_event.process_id, process.parent_id and
    process.replaced_id -> that process's pid, the `thread` column of event
    tables -> thread.tid);
  * CLOCK columns (the `ts` of request, reply, inode_event, fh_event, forget,
    inode, node_name, notify, loss, manifest, process_event and process.first_ts,
    session.init_ts/end_ts, and session.clock_offset_ns, which an import
    takes from LTTng's clock class and the recorder from its own two clock
    readings: the same offset measured twice): the
    direct recording timestamps an event when the hot path reads
    CLOCK_MONOTONIC, LTTng when the tracepoint fires a few hundred ns later;
    both are the same clock, so they are compared with a tolerance instead
    (request/reply/inode_event/fh_event paired by their row's content);
  * session.fusetrace_version/kernel/libfuse_version/ring_bytes: not carried
    by the fusetrace:session event.
backing_call.ts is exact (the event carries the call's start time), and so
are the stall and stall_end times (their events carry the recorder's own).
Exit 0 when identical under these rules, 1 otherwise (differences printed).
"""
import sqlite3
import sys

TOL_NS = 5_000_000   # LTTng vs ring clock reads of one event: far below 5 ms

CLOCK = {
    'request': ['ts'], 'reply': ['ts'], 'inode_event': ['ts'], 'fh_event': ['ts'],
    'forget': ['ts'], 'inode': ['ts'], 'node_name': ['ts'], 'notify': ['ts'], 'loss': ['ts'],
    'process': ['first_ts'], 'session': ['init_ts', 'end_ts', 'clock_offset_ns'], 'manifest': ['ts'],
    'process_event': ['ts'],
}
NOT_IN_TRACE = {
    'session': ['fusetrace_version', 'kernel', 'libfuse_version', 'ring_bytes'],
}
SURROGATE = {'call_name': ['id'], 'process': ['id'], 'thread': ['id']}


def columns(db, table):
    return [r[1] for r in db.execute(f'PRAGMA "main".table_info("{table}")')]


def select(table, cols, alias):
    """SQL expression list for `cols`, with surrogate ids resolved."""
    out = []
    for c in cols:
        if table in ('backing_call', 'stall') and c == 'call_id':
            out.append(f'(SELECT name FROM {alias}.call_name n WHERE n.id = t.call_id) AS call')
        elif c == 'thread' and table != 'thread':
            out.append(f'(SELECT tid FROM {alias}.thread h WHERE h.id = t.thread) AS tid')
        elif (table, c) in (('request', 'process_id'), ('process_event', 'process_id'),
                            ('process', 'parent_id'), ('process', 'replaced_id')):
            out.append(f'(SELECT pid FROM {alias}.process p WHERE p.id = t.{c}) AS {c}_pid')
        else:
            out.append(f't."{c}"')
    return ', '.join(out)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    db = sqlite3.connect(sys.argv[1])
    db.execute('ATTACH DATABASE ? AS b', (sys.argv[2],))
    tables = [r[0] for r in db.execute(
        "SELECT name FROM main.sqlite_master WHERE type='table' ORDER BY name")]
    bad = 0
    for t in tables:
        cols = columns(db, t)
        pk_id = 'id' in cols and t not in ('session',)
        skip = set(CLOCK.get(t, [])) | set(NOT_IN_TRACE.get(t, [])) | set(SURROGATE.get(t, []))
        if pk_id:
            skip.add('id')
        keep = [c for c in cols if c not in skip]
        if not keep:
            continue
        qa = f'SELECT {select(t, keep, "main")}, count(*) FROM main."{t}" t GROUP BY {", ".join(str(i + 1) for i in range(len(keep)))}'
        qb = f'SELECT {select(t, keep, "b")}, count(*) FROM b."{t}" t GROUP BY {", ".join(str(i + 1) for i in range(len(keep)))}'
        only_a = db.execute(f'{qa} EXCEPT {qb}').fetchall()
        only_b = db.execute(f'{qb} EXCEPT {qa}').fetchall()
        na = db.execute(f'SELECT count(*) FROM main."{t}"').fetchone()[0]
        nb = db.execute(f'SELECT count(*) FROM b."{t}"').fetchone()[0]
        status = 'identical' if not only_a and not only_b and na == nb else 'DIFFERENT'
        skipped = sorted(skip - {'id'}) if pk_id else sorted(skip)
        print(f'{t:14s} {na:7d} rows / {nb:7d} rows  {status}'
              + (f'  (not compared exactly: {", ".join(skipped)})' if skipped else ''))
        if status != 'identical':
            bad += 1
            hdr = keep + ['count']
            for label, rows in (('only in A', only_a), ('only in B', only_b)):
                for r in rows[:10]:
                    print(f'    {label}: ' + ', '.join(f'{h}={v!r}' for h, v in zip(hdr, r)))
                if len(rows) > 10:
                    print(f'    {label}: ... {len(rows) - 10} more')
    # Clock columns: same event, two reads of CLOCK_MONOTONIC.
    pairs = {
        'request': 'unique_id, opcode',
        'reply': 'unique_id',
    }
    for t, key in pairs.items():
        row = db.execute(f'''
            SELECT count(*), max(abs(a.ts - x.ts)), avg(abs(a.ts - x.ts))
            FROM main."{t}" a JOIN b."{t}" x USING ({key})''').fetchone()
        n, mx, avg = row
        ok = mx is None or mx <= TOL_NS
        print(f'{t:14s} ts: {n} paired rows, max |A-B| = {mx} ns, mean {avg and round(avg)} ns'
              f'  {"within" if ok else "OVER"} {TOL_NS} ns')
        if not ok:
            bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
