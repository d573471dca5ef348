#!/usr/bin/env python3
"""check_export.py DB PERFETTO.json JSONL — validate `fusetrace export`
output against the recording it came from.  Prints each check; exit 1 on the
first failure."""
import json
import os
import sqlite3
import sys
from collections import defaultdict


def fail(msg):
    print(f'FAIL: {msg}')
    sys.exit(1)


def ok(msg):
    print(f'ok: {msg}')


def ns(v):
    return round(float(v) * 1000)


def level_samples(rows, bucket=1000000):
    """(ts, level) rows in order -> the counter samples the export writes."""
    out, cur, peak, last, level = [], None, 0, None, 0
    for ts, lv in rows:
        b = ts // bucket
        if b != cur:
            if cur is not None and peak != last:
                out.append((cur * bucket, peak))
                last = peak
            cur, peak = b, level
        level = lv
        peak = max(peak, level)
    if cur is not None:
        if peak != last:
            out.append((cur * bucket, peak))
            last = peak
        if level != last:
            out.append((rows[-1][0], level))
    return out


def main():
    dbp, pf, jl = sys.argv[1:4]
    db = sqlite3.connect(dbp)
    one = lambda q: db.execute(q).fetchone()[0]
    n_op = one('SELECT count(*) FROM op')
    n_back = one('SELECT count(*) FROM backing_call')
    n_flow = one('SELECT count(*) FROM backing_call b WHERE b.unique_id <> 0 AND EXISTS '
                 '(SELECT 1 FROM request q WHERE q.unique_id = b.unique_id AND q.opcode NOT IN (36, 41))')
    n_inflight = one('SELECT count(*) FROM inflight')
    if n_op < 10:
        fail(f'recording too small to test ({n_op} requests)')

    # ---- Perfetto / Chrome trace-event JSON (the format itself is checked
    # by check_trace_event.py; here: what it says about the recording)
    doc = json.load(open(pf, encoding='utf-8'))
    ev = doc['traceEvents']
    daemon = one('SELECT recorder_pid FROM session')
    names = {e['pid']: e['args']['name'] for e in ev          # the last one wins
             if e['ph'] == 'M' and e['name'] == 'process_name'}
    if daemon not in names or 'daemon' not in names[daemon]:
        fail(f'no process for the daemon (pid {daemon}): {names.get(daemon)!r}')
    ok(f'the daemon is a process of its own: {names[daemon]!r}')
    req = [e for e in ev if e['ph'] in ('X', 'i') and e['pid'] != daemon]
    back = [e for e in ev if e['ph'] == 'X' and e['pid'] == daemon]
    if len(req) != n_op:
        fail(f'{len(req)} request events, op view has {n_op}')
    ok(f'one request event per row of op ({n_op})')
    uniq = sorted(e.get('args', {}).get('unique', e.get('bind_id')) for e in req)
    if uniq != sorted(r[0] for r in db.execute('SELECT unique_id FROM op')):
        fail('request events do not carry the uniques of op')
    ok('request events carry the uniques of op')
    # each request on its application process: the caller's process (pid,
    # named by the command line, else the comm, of the last program that
    # pid ran), its thread (the request's pid) or a lane of it
    want = {r[0]: r[1:] for r in db.execute(
        'SELECT o.unique_id, coalesce(p.pid, o.pid), o.pid, p.cmdline, p.comm, o.op, o.file, '
        'o.errno_name, o.latency_ns FROM op o LEFT JOIN process p ON p.id = o.process_id')}
    lineage = {r[0]: r[1] for r in db.execute('SELECT id, lineage FROM process_tree')}
    img = {r[0]: r[1] for r in db.execute('SELECT unique_id, process_id FROM op')}
    last = {}
    for u, (pid, tid, cmd, comm, *_rest) in sorted(want.items(), key=lambda kv: kv[0]):
        if tid:
            # "the last four ancestors' names: the command line"
            lin = lineage.get(img[u])
            last[pid] = (('/'.join(lin.split('/')[-4:]) + ': ') if lin else '') + (cmd or comm or '?')[:120]
    for e in req:
        pid, tid, cmd, comm, op, file, errno, lat = want[e.get('args', {}).get('unique', e.get('bind_id'))]
        if tid == 0:
            pid = tid = 4194305       # the "kernel" process: no caller
        elif names.get(pid) != last[pid]:
            fail(f'request {e!r} on process {pid} named {names.get(pid)!r}, not {last[pid]!r}')
        if e['pid'] != pid or e['tid'] % 10000000 != tid:
            fail(f'request {e!r} not on process {pid} thread {tid}')
        # the slice is labelled "OP FILE ERRNO" (file and errno when it has them)
        if e['name'] != ' '.join(x for x in (op, file, errno) if x) or 'errno' in e.get('args', {}):
            fail(f'request event {e!r} disagrees with op ({op}, {file}, {errno})')
        if e['ph'] == 'X' and lat is not None and abs(ns(e['dur']) - lat) > 1:
            fail(f'slice duration differs from latency {lat}: {e!r}')
    # the process tree: each application process's name starts with the
    # last four names of its lineage (checked above for every request)
    multi = {p for p, n in last.items() if n.split(': ', 1)[0].count('/') >= 1}
    if len(multi) < 3:
        fail(f'too few processes with ancestors to test: {last}')
    ok(f'{len(multi)} processes named by their lineage')
    # the main thread is the process's track: only other threads are named
    if any(e['ph'] == 'M' and e['name'] == 'thread_name' and e['tid'] == e['pid'] for e in ev):
        fail('a main thread named apart from its process')
    napp = len({e['pid'] for e in req})
    ok(f'requests on their {napp} application processes and threads, durations = latencies')
    if len(back) != n_back:
        fail(f'{len(back)} backing slices, backing_call has {n_back}')
    tids = {r[0] for r in db.execute('SELECT t.tid FROM backing_call b JOIN thread t ON t.id = b.thread')}
    if {e['tid'] for e in back} != tids:
        fail('backing slices are not on the worker threads that made the calls')
    ok(f'one slice per backing call ({n_back}) on the daemon\'s worker threads')
    # flows: every request with backing calls starts one (bind_id = its
    # unique); it enters a worker thread at the request's first call there
    # (a call is a flow step when the call before it on its thread belongs
    # to another request or none); a call made for no request is of
    # category "no request"; so every call's request can be read back by
    # walking its thread.
    calls = defaultdict(list)     # tid -> [unique or None], in (ts, id) order
    for tid, u in db.execute(
            'SELECT t.tid, CASE WHEN q.id IS NOT NULL THEN b.unique_id END FROM backing_call b '
            'JOIN thread t ON t.id = b.thread LEFT JOIN request q ON q.unique_id = b.unique_id '
            'AND b.unique_id <> 0 AND q.opcode NOT IN (36, 41) ORDER BY b.ts, b.id'):
        calls[tid].append(u)
    want_steps = defaultdict(int)
    for us in calls.values():
        for i, u in enumerate(us):
            if u is not None and (i == 0 or us[i - 1] != u):
                want_steps[u] += 1
    chains = defaultdict(list)
    for e in ev:
        if 'bind_id' in e:
            chains[e['bind_id']].append(e)
    if set(chains) != set(want_steps):
        fail(f'{len(chains)} flows, {len(want_steps)} requests with backing calls')
    for u, es in chains.items():
        starts = [e for e in es if e.get('flow_out') and not e.get('flow_in')]
        if len(starts) != 1 or starts[0]['pid'] == daemon or len(es) != want_steps[u] + 1:
            fail(f'flow {u}: {len(es) - 1} steps, want {want_steps[u]}: {es!r}')
    got = defaultdict(list)
    cur = {}
    for e in back:                # in time order, as written
        if 'bind_id' in e:
            cur[e['tid']] = e['bind_id']
        elif e.get('cat') == 'no request':
            cur[e['tid']] = None
        elif e['tid'] not in cur:
            fail(f'a call with neither a flow nor a category starts its thread: {e!r}')
        got[e['tid']].append(cur[e['tid']])
    if dict(got) != dict(calls):
        fail('reading each thread\'s calls back (flow steps, then the calls after them) does not give '
             'the recording\'s request of every backing call')
    nsteps = sum(want_steps.values())
    ok(f'{len(chains)} flows, {nsteps} steps (for {n_flow} backing calls); every call\'s request reads back')
    cnt = sorted((e for e in ev if e['ph'] == 'C' and e['name'] == 'in flight'), key=lambda e: ns(e['ts']))
    vals = [e['args']['max'] for e in cnt]
    if not cnt or min(vals) < 0 or vals[-1] != n_inflight:
        fail(f'in-flight counter: min {min(vals) if vals else None}, last {vals[-1] if vals else None},'
             f' inflight view has {n_inflight}')
    ok(f'in-flight counter: {len(cnt)} samples, max {max(vals)}, ends at {vals[-1]}')
    # the kernel's queue (kernel_queue view): per millisecond like the
    # in-flight counter, so at most one event per row, its peak and its
    # final depth the view's
    kq = [e['args']['max'] for e in sorted((e for e in ev if e['ph'] == 'C' and e['name'] == 'kernel queue'),
                                          key=lambda e: ns(e['ts']))]
    depths = [r[0] for r in db.execute('SELECT depth FROM kernel_queue')]
    if len(kq) > len(depths) or (depths and (not kq or max(kq) != max(depths) or kq[-1] != depths[-1])) \
            or (kq and not depths):
        fail(f'kernel queue counter: {len(kq)} samples, max {max(kq) if kq else None}, '
             f'the view has {len(depths)} rows, max {max(depths) if depths else None}')
    # exactly the samples the view's rows give: per millisecond its highest
    # depth, a sample that repeats the last left out, then the final depth
    want_kq = level_samples(db.execute('SELECT ts, depth FROM kernel_queue').fetchall())
    got_kq = [(ns(e['ts']), e['args']['max']) for e in ev if e['ph'] == 'C' and e['name'] == 'kernel queue']
    if got_kq != want_kq:
        fail(f'kernel queue counter differs from the kernel_queue view: {got_kq[:5]}... vs {want_kq[:5]}...')
    ok(f'kernel queue counter: {len(kq)} samples for {len(depths)} changes, max {max(kq) if kq else None}, '
       'the view\'s samples')
    # the sampled counters (counter table), one event per row
    want = {}
    for name, n in db.execute('SELECT name, count(*) FROM counter GROUP BY name'):
        want[name] = n
    for name, n in want.items():
        got = [e for e in ev if e['ph'] == 'C' and e['name'] == name]
        if len(got) != n:
            fail(f'counter track {name!r}: {len(got)} events, the recording has {n} rows')
        if any(not isinstance(v, int) for e in got for v in e['args'].values()):
            fail(f'counter track {name!r}: a value that is not an integer')
    others = {e['name'] for e in ev if e['ph'] == 'C'} - set(want) - {'in flight', 'kernel queue'}
    if others:
        fail(f'counter tracks the recording does not have: {sorted(others)}')
    ok('counter tracks: ' + (', '.join(f'{k} {v}' for k, v in sorted(want.items())) or 'none sampled'))
    # Size: at most 300 bytes per request for what grows with the requests
    # (their slices, the backing calls' slices and flows, instants).  Names
    # grow with processes and threads (at most one per program image and
    # thread, checked above) and counters with time (one per sample of the
    # recording, checked above); this workload runs 14 requests per process,
    # where the names alone are 7 bytes per request, a real build far more.
    size = os.path.getsize(pf)
    per_req = sum(len(json.dumps(e, separators=(',', ':'), ensure_ascii=False).encode()) + 1
                  for e in ev if e['ph'] in ('X', 'i'))
    rest = sum(len(json.dumps(e, separators=(',', ':'), ensure_ascii=False).encode()) + 1
               for e in ev if e['ph'] not in ('X', 'i'))
    print(f'note: {size} bytes, {size / n_op:.0f} bytes per request in all: '
          f'{per_req / n_op:.0f} in slices, flows and instants, {rest / n_op:.0f} in names and counters')
    if per_req / n_op > 300:
        fail(f'{per_req / n_op:.0f} bytes per request in slices, flows and instants: more than 300')
    if size > per_req + rest + 4096:
        fail(f'{size} bytes in the file, {per_req + rest} in its events: the re-serialised '
             'events no longer account for the file')

    # ---- JSON lines
    lines = open(jl).read().splitlines()
    if len(lines) != n_op:
        fail(f'{len(lines)} JSON lines, op view has {n_op}')
    objs = [json.loads(l) for l in lines]
    ops = {r[0]: r for r in db.execute(
        'SELECT unique_id, op, latency_ns, errno, outcome FROM op WHERE opcode <> 41')}
    for o in objs:
        for k in ('time', 'ts_ns', 't_s', 'wall_time', 'unique_id', 'op', 'outcome', 'level'):
            if k not in o:
                fail(f'line without {k}: {o!r}')
        r = ops.get(o['unique_id'])
        if r is None:
            continue
        if o['op'] != r[1] or o.get('latency_ns') != r[2] or o['outcome'] != r[4]:
            fail(f'line disagrees with op: {o!r} vs {r!r}')
        if r[3] is not None and o['reply']['errno'] != r[3]:
            fail(f'reply errno differs: {o!r}')
        if 'reply' in o and o['reply']['ts_ns'] - o['ts_ns'] != o['latency_ns']:
            fail(f'latency is not reply - request: {o!r}')
    ok(f'{n_op} JSON lines agree with op (op, latency, outcome, errno)')


if __name__ == '__main__':
    main()
