#!/usr/bin/env python3
"""check_trace_event.py FILE — is FILE a valid Chrome trace-event JSON trace?

The rules are those of the Trace Event Format document (Google's "Trace
Event Format", the format chrome://tracing and ui.perfetto.dev read), for
the parts a trace uses, plus the "v2" flow fields (bind_id, flow_in,
flow_out on slices) that Chrome's own JSON writer emits and Perfetto's JSON
importer reads:
  - the file is UTF-8 JSON: an object with a "traceEvents" array (JSON
    Object Format); displayTimeUnit, when present, is "ms" or "ns";
  - every event is an object with a one-character "ph" among the documented
    phases, integer "pid" and "tid" (metadata without tid: process scope),
    a numeric "ts" (microseconds) on every timed event, a string "name";
  - X (complete): numeric "dur" >= 0; i/I (instant): "s" in g/p/t when
    given; C (counter): "args" of numbers; M (metadata): name among
    process_name, process_labels, process_sort_index, thread_name,
    thread_sort_index with the documented argument (name/labels: string,
    sort_index: integer); s/t/f (flow v1): an "id", f with "bp" "e" or
    none; args, when present, is an object;
  - slices on one thread nest (no partial overlap), as a thread's stack
    must;
  - flow v2: bind_id only on slices, with flow_in/flow_out booleans; for
    each bind_id, in time order: one flow_out only first, flow_in+flow_out
    in between, flow_in only last.
Prints what it checked; exit 1 on the first violation."""
import json
import sys
from collections import defaultdict

PHASES = set('BEXiICbneSTpFsftPNODMVvRc(),')
META = {'process_name': ('name', str), 'process_labels': ('labels', str),
        'process_sort_index': ('sort_index', int), 'thread_name': ('name', str),
        'thread_sort_index': ('sort_index', int)}


def fail(msg):
    print(f'FAIL: {msg}')
    sys.exit(1)


def num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def main():
    raw = open(sys.argv[1], 'rb').read()
    try:
        doc = json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        fail(f'not UTF-8 JSON: {e}')
    if not isinstance(doc, dict) or not isinstance(doc.get('traceEvents'), list):
        fail('not the JSON Object Format: no traceEvents array')
    if 'displayTimeUnit' in doc and doc['displayTimeUnit'] not in ('ms', 'ns'):
        fail(f'displayTimeUnit {doc["displayTimeUnit"]!r}')
    ev = doc['traceEvents']
    slices = defaultdict(list)
    flows = defaultdict(list)
    counts = defaultdict(int)
    for e in ev:
        if not isinstance(e, dict):
            fail(f'event is not an object: {e!r}')
        ph = e.get('ph')
        if not isinstance(ph, str) or len(ph) != 1 or ph not in PHASES:
            fail(f'bad phase: {e!r}')
        counts[ph] += 1
        if not isinstance(e.get('pid'), int) or isinstance(e.get('pid'), bool):
            fail(f'pid is not an integer: {e!r}')
        if ph != 'M' and ph != 'C' and (not isinstance(e.get('tid'), int) or isinstance(e.get('tid'), bool)):
            fail(f'tid is not an integer: {e!r}')
        if 'args' in e and not isinstance(e['args'], dict):
            fail(f'args is not an object: {e!r}')
        if not isinstance(e.get('name'), str):
            fail(f'name is not a string: {e!r}')
        if ph != 'M' and not num(e.get('ts')):
            fail(f'ts is not a number: {e!r}')
        if ph == 'X':
            if not num(e.get('dur')) or e['dur'] < 0:
                fail(f'complete event without dur >= 0: {e!r}')
            slices[(e['pid'], e['tid'])].append((round(e['ts'] * 1000), round((e['ts'] + e['dur']) * 1000)))
        elif ph in 'iI':
            if 's' in e and e['s'] not in ('g', 'p', 't'):
                fail(f'instant scope {e["s"]!r}')
        elif ph == 'C':
            if not e.get('args') or not all(num(v) for v in e['args'].values()):
                fail(f'counter args are not numbers: {e!r}')
        elif ph == 'M':
            if e['name'] not in META:
                fail(f'unknown metadata event {e["name"]!r}')
            key, typ = META[e['name']]
            v = e.get('args', {}).get(key)
            if not isinstance(v, typ) or isinstance(v, bool):
                fail(f'metadata {e["name"]} without {key} of type {typ.__name__}: {e!r}')
            if e['name'].startswith('thread_') and not isinstance(e.get('tid'), int):
                fail(f'thread metadata without tid: {e!r}')
        elif ph in 'stf':
            if 'id' not in e:
                fail(f'flow event without id: {e!r}')
            if ph == 'f' and e.get('bp', 'e') != 'e':
                fail(f'flow end binding point {e["bp"]!r}')
        if 'bind_id' in e or 'flow_in' in e or 'flow_out' in e:
            if ph not in 'XB':
                fail(f'flow v2 fields on a {ph} event: {e!r}')
            fi, fo = e.get('flow_in', False), e.get('flow_out', False)
            if not isinstance(fi, bool) or not isinstance(fo, bool) or not (fi or fo) or 'bind_id' not in e:
                fail(f'flow v2 fields: bind_id with flow_in/flow_out booleans: {e!r}')
            flows[e['bind_id']].append((e['ts'], fi, fo))
    # a thread's slices nest
    for t, sl in slices.items():
        sl.sort(key=lambda x: (x[0], -x[1]))
        stack = []
        for a, b in sl:
            while stack and stack[-1] <= a:
                stack.pop()
            if stack and b > stack[-1]:
                fail(f'thread {t}: slice [{a},{b}] ns overlaps its enclosing slice ending {stack[-1]}')
            stack.append(b)
    # flow chains
    for fid, steps in flows.items():
        steps.sort(key=lambda x: x[0])
        if len(steps) < 2:
            fail(f'flow {fid} has a single end')
        if steps[0][1:] != (False, True) or steps[-1][1:] != (True, False) \
                or any(s[1:] != (True, True) for s in steps[1:-1]):
            fail(f'flow {fid} is not out, in+out..., in in time order: {steps}')
    print(f'ok: valid trace-event JSON: {len(ev)} events ({dict(counts)}), '
          f'{len(slices)} threads with nesting slices, {len(flows)} flows')


if __name__ == '__main__':
    main()
