#!/usr/bin/env python3
"""check_export.py DB PERFETTO.json JSONL — validate `fusetrace export`
output against the recording it came from.  Prints each check; exit 1 on the
first failure."""
import json
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

    # ---- Perfetto / Chrome trace-event JSON
    doc = json.load(open(pf))
    ev = doc.get('traceEvents')
    if not isinstance(ev, list):
        fail('no traceEvents array')
    for e in ev:
        if not isinstance(e, dict) or 'ph' not in e or 'pid' not in e:
            fail(f'malformed event {e!r}')
        if e['ph'] in ('X', 'i', 'C', 's', 'f') and 'ts' not in e:
            fail(f'event without ts {e!r}')
        if e['ph'] == 'X' and (float(e['dur']) < 0 or 'tid' not in e or not e.get('name')):
            fail(f'bad slice {e!r}')
    req = [e for e in ev if e.get('cat') == 'request']
    if len(req) != n_op:
        fail(f'{len(req)} request events, op view has {n_op}')
    ok(f'one request event per row of op ({n_op})')
    uniq = sorted(e['args']['unique'] for e in req)
    if uniq != sorted(r[0] for r in db.execute('SELECT unique_id FROM op')):
        fail('request events do not carry the uniques of op')
    ok('request events carry the uniques of op')
    lat_bad = [e for e in req if e['ph'] == 'X' and 'latency_ns' in e['args']
               and abs(ns(e['dur']) - e['args']['latency_ns']) > 1]
    if lat_bad:
        fail(f'slice duration differs from latency: {lat_bad[0]!r}')
    ok('slice durations equal the recorded latencies')
    back = [e for e in ev if e.get('cat') == 'backing']
    if len(back) != n_back:
        fail(f'{len(back)} backing slices, backing_call has {n_back}')
    ok(f'one slice per backing call ({n_back})')
    starts = {e['id']: e for e in ev if e['ph'] == 's'}
    ends = {e['id']: e for e in ev if e['ph'] == 'f'}
    if len(starts) != n_flow or set(starts) != set(ends):
        fail(f'flows: {len(starts)} starts, {len(ends)} ends, expected {n_flow} pairs')
    for i, s in starts.items():
        if ns(ends[i]['ts']) < ns(s['ts']):
            fail(f'flow {i} ends before it starts')
    ok(f'{n_flow} flows from requests to their backing calls')
    # slices on one track nest (no partial overlap), which the viewers need
    tracks = defaultdict(list)
    for e in ev:
        if e['ph'] == 'X':
            tracks[(e['pid'], e['tid'])].append((ns(e['ts']), ns(e['ts']) + ns(e['dur'])))
    for t, sl in tracks.items():
        sl.sort(key=lambda x: (x[0], -x[1]))
        stack = []
        for a, b in sl:
            while stack and stack[-1] <= a:
                stack.pop()
            if stack and b > stack[-1]:
                fail(f'track {t}: slice [{a},{b}] overlaps its enclosing slice ending {stack[-1]}')
            stack.append(b)
    ok(f'slices nest on all {len(tracks)} tracks')
    cnt = [e for e in ev if e['ph'] == 'C']
    vals = [e['args']['inflight'] for e in sorted(cnt, key=lambda e: ns(e['ts']))]
    if not cnt or min(vals) < 0 or vals[-1] != n_inflight:
        fail(f'in-flight counter: min {min(vals) if vals else None}, last {vals[-1] if vals else None},'
             f' inflight view has {n_inflight}')
    ok(f'in-flight counter: {len(cnt)} samples, max {max(vals)}, ends at {vals[-1]}')

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
