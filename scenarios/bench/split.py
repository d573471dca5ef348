#!/usr/bin/env python3
"""split.py DB REP WORKLOAD CONFIG — the latency split of a recording with
the kernel's side, as raw.tsv `K` lines (see summarize.py):

  K rep workload config op part count p50_ns p99_ns

op is `all` (every request with both sides and a reply) and then each op
with at least 100 such requests; part is queue, daemon, backing, return,
total (the latency_split view's columns).  Percentiles are nearest rank.
Prints nothing for a recording without the kernel's side."""
import sqlite3
import sys

PARTS = ["queue", "daemon", "backing", "return", "total"]


def pct(v, p):
    return v[max(0, -(-len(v) * p // 100) - 1)]


def main():
    db, rep, wl, cfg = sys.argv[1:5]
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    if c.execute("SELECT sides FROM session").fetchone()[0] != "daemon+kernel":
        return
    rows = c.execute("SELECT op, " + ", ".join(p + "_ns" for p in PARTS) +
                     " FROM latency_split WHERE total_ns IS NOT NULL").fetchall()
    groups = {"all": rows}
    for r in rows:
        groups.setdefault(r[0], []).append(r)
    for op, g in groups.items():
        if op != "all" and len(g) < 100:
            continue
        for i, part in enumerate(PARTS):
            v = sorted(r[i + 1] for r in g)
            print("\t".join(["K", rep, wl, cfg, op, part, str(len(v)),
                             str(pct(v, 50)), str(pct(v, 99))]))


main()
