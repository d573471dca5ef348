#!/usr/bin/env python3
"""summarize.py OUTDIR [--check] — tables from OUTDIR/raw.tsv (written by run).

raw.tsv records:
  T rep metric config elapsed_s throughput unit        one timed measurement
  R rep workload config cpu_s maxrss_kib teardown_s db_bytes requests
    lttng_discarded lttng_lost_packets trace_bytes status   one FUSE daemon run
  F rep workload config                                 a failed run
  K rep workload config op part count p50_ns p99_ns     the latency split of a
    recording with the kernel's side (split.py)
  C rep workload config consumerd_cpu_s                 CPU of the machine's
    lttng-consumerd during an LTTng run (drains the buffers, outside the daemon)
--check: exit 1 unless every (metric, configuration) has a number and every
FUSE run has CPU/RSS figures (and DB/LTTng figures where they apply).  It
never looks at timings.
"""
import os
import statistics
import sys
from collections import defaultdict

CONFIG_ORDER = ["native", "pll", "pll-dp", "ft", "ft-nostall", "ft-lttng", "ft-db", "ft-both",
                "ft-lttng-nok", "ft-db-nok", "ft-both-nok", "ft-pt", "hp"]
CONFIG_NAME = {
    "native": "native", "pll": "passthrough_ll", "ft": "fusetrace",
    "pll-dp": "passthrough_ll -o default_permissions",
    "ft-nostall": "fusetrace --stall=0",
    "ft-lttng": "fusetrace --lttng", "ft-db": "fusetrace --db",
    "ft-both": "fusetrace --lttng --db", "ft-pt": "fusetrace --io=passthrough",
    "hp": "passthrough_hp (libfuse HEAD, passthrough)",
    "ft-db-nok": "fusetrace --db --kernel-trace=off",
    "ft-lttng-nok": "fusetrace --lttng --kernel-trace=off",
    "ft-both-nok": "fusetrace --lttng --db --kernel-trace=off",
}
LTTNG_CONFIGS = ("ft-lttng", "ft-both", "ft-lttng-nok", "ft-both-nok")
DB_CONFIGS = ("ft-db", "ft-both", "ft-db-nok", "ft-both-nok")
# the recordings priced against unrecorded fusetrace, paired per repetition
RECORDED = ("ft-lttng", "ft-db", "ft-both", "ft-lttng-nok", "ft-db-nok", "ft-both-nok")
METRIC_ORDER = ["meta", "meta-s", "meta-tmpfs", "meta-s-tmpfs", "par-meta", "par-meta-s", "tree-cold", "tree-cold-s",
                "tree-warm", "tree-warm-s", "seq-write", "seq-read", "rand-read", "make"]
METRIC_WL = {"meta": "meta", "meta-s": "meta-s", "meta-tmpfs": "meta-tmpfs",
             "meta-s-tmpfs": "meta-s-tmpfs", "par-meta": "par", "par-meta-s": "par-s",
             "tree-cold": "tree", "tree-warm": "tree", "tree-cold-s": "tree-s",
             "tree-warm-s": "tree-s", "seq-write": "seqwrite", "seq-read": "seqread",
             "rand-read": "randread", "make": "make"}
METRIC_DESC = {
    "meta": "metadata: create+write 4 KiB, stat+read, unlink",
    "meta-s": "the same, fewer files",
    "meta-tmpfs": "meta on a tmpfs source",
    "meta-s-tmpfs": "the same, 3 000 files (passthrough_ll can run it)",
    "par-meta": "parallel metadata, 2 processes",
    "par-meta-s": "the same, fewer files",
    "tree-cold": "find + stat, cold cache",
    "tree-warm": "find + stat, warm cache",
    "tree-cold-s": "find + stat of a smaller tree, cold cache",
    "tree-warm-s": "find + stat of a smaller tree, warm cache",
    "seq-write": "sequential write (dd bs=1M)",
    "seq-read": "sequential read (dd bs=1M)",
    "rand-read": "random 4 KiB preads",
    "make": "untar + make -j2",
}


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def fmt(x, digits=3):
    if x is None:
        return "—"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.1f}"
    return f"{x:.{digits}f}"


def main():
    out = sys.argv[1]
    check = "--check" in sys.argv[2:]
    T = defaultdict(list)        # (metric, cfg) -> [(elapsed, thr)]
    TR = {}                      # (metric, cfg, rep) -> elapsed
    RR = {}                      # (wl, cfg, rep) -> daemon CPU s
    CONS = defaultdict(list)     # (wl, cfg) -> [lttng-consumerd CPU s]
    units = {}
    R = defaultdict(list)        # (wl, cfg) -> [dict]
    F = []
    S = {}                       # (wl, cfg) -> reason
    K = defaultdict(list)        # (wl, cfg, op, part) -> [(p50, p99)]
    configs, metrics = set(), set()
    with open(os.path.join(out, "raw.tsv")) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[0] == "T":
                _, rep, m, c, s, thr, unit = p
                T[(m, c)].append((num(s), num(thr)))
                TR[(m, c, rep)] = num(s)
                units[m] = unit
                configs.add(c)
                metrics.add(m)
            elif p[0] == "R":
                _, rep, wl, c, cpu, rss, tear, dbb, req, disc, lost, trb, st = p
                R[(wl, c)].append(dict(cpu=num(cpu), rss=num(rss), tear=num(tear),
                                       dbb=num(dbb), req=num(req), disc=num(disc),
                                       lost=num(lost), trb=num(trb), status=st))
                RR[(wl, c, rep)] = num(cpu)
                configs.add(c)
            elif p[0] == "S":
                S[(p[2], p[3])] = p[4]
                configs.add(p[3])
            elif p[0] == "K":
                _, rep, wl, c, op, part, n, p50, p99 = p
                K[(wl, c, op, part)].append((num(p50), num(p99)))
            elif p[0] == "C":
                CONS[(p[2], p[3])].append(num(p[4]))
            elif p[0] == "F":
                F.append(p[1:])
                configs.add(p[3])
    cfgs = [c for c in CONFIG_ORDER if c in configs]
    mets = [m for m in METRIC_ORDER if m in metrics or any(f[1] == METRIC_WL[m] for f in F)]

    def med(m, c, idx):
        v = [x[idx] for x in T.get((m, c), []) if x[idx] is not None]
        return (statistics.median(v), min(v), max(v), len(v)) if v else None

    lines = []
    w = lines.append
    w("### Elapsed time and throughput (median of N runs, min–max)\n")
    w("Ratios compare medians: elapsed-time ratio (lower is better) and, for "
      "throughput, throughput ratio (higher is better).\n")
    w("| workload | configuration | N | elapsed s (median) | min–max s | throughput (median) "
      "| × native (time) | × passthrough_ll (time) | × fusetrace (time) | thr. vs passthrough_ll |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    ratios = {}
    for m in mets:
        nat = med(m, "native", 0)
        pll = med(m, "pll", 0)
        ft = med(m, "ft", 0)
        pllt = med(m, "pll", 1)
        for c in cfgs:
            e = med(m, c, 0)
            t = med(m, c, 1)
            if not e:
                why = S.get((METRIC_WL[m], c))
                w(f"| {m} | {CONFIG_NAME[c]} | 0 | {'not run: ' + why if why else 'FAILED'} | | | | | | |")
                continue
            r_nat = e[0] / nat[0] if nat else None
            r_pll = e[0] / pll[0] if pll else None
            r_ft = e[0] / ft[0] if ft else None
            r_thr = t[0] / pllt[0] if (t and pllt and pllt[0]) else None
            ratios[(m, c)] = (r_nat, r_pll, r_ft, r_thr)
            thr = f"{fmt(t[0])} {units.get(m, '')}" if t else "—"
            w(f"| {m} | {CONFIG_NAME[c]} | {e[3]} | {fmt(e[0])} | {fmt(e[1])}–{fmt(e[2])} | {thr} "
              f"| {fmt(r_nat, 2)} | {fmt(r_pll, 2)} | {fmt(r_ft, 2)} | {fmt(r_thr, 2)} |")
    w("")
    w("Workloads: " + "; ".join(f"**{m}** = {METRIC_DESC[m]}" for m in mets) + ".\n")

    # ---- daemon resources per FUSE run
    w("### FUSE daemon: CPU seconds, peak RSS, teardown, recording size (median per run)\n")
    w("| workload | configuration | daemon CPU s (user+sys) | peak RSS MiB | unmount→exit s "
      "| DB bytes | requests | DB bytes/request | LTTng discarded events | LTTng trace bytes/request "
      "| lttng-consumerd CPU s |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    wls = []
    for m in mets:
        if METRIC_WL[m] not in wls:
            wls.append(METRIC_WL[m])
    missing = []
    for wl in wls:
        for c in cfgs:
            if c == "native":
                continue
            runs = R.get((wl, c), [])
            if not runs and (wl, c) in S:
                continue
            if not runs:
                missing.append(f"{wl}/{c}: no daemon figures")
                continue

            def mv(k):
                v = [r[k] for r in runs if r[k] is not None]
                return statistics.median(v) if v else None
            cpu, rss, tear = mv("cpu"), mv("rss"), mv("tear")
            dbb, req, disc, trb = mv("dbb"), mv("req"), mv("disc"), mv("trb")
            bpr = None
            v = [r["dbb"] / r["req"] for r in runs if r["dbb"] and r["req"]]
            if v:
                bpr = statistics.median(v)
            tpr = None
            if trb is not None and c in ("ft-lttng", "ft-lttng-nok"):
                # trace bytes per request needs a request count: take the
                # --db run of the same workload (same request stream).
                reqs = [r["req"] for r in R.get((wl, "ft-db"), []) if r["req"]]
                if reqs:
                    tpr = trb / statistics.median(reqs)
            discs = [r["disc"] for r in runs if r["disc"] is not None]
            disc_s = "—" if not discs else (f"{int(max(discs))} (max)" if max(discs) else "0")
            cons = [x for x in CONS.get((wl, c), []) if x is not None]
            cons_s = fmt(statistics.median(cons)) if cons else "—"
            w(f"| {wl} | {CONFIG_NAME[c]} | {fmt(cpu)} | {fmt(rss / 1024 if rss else None, 1)} | {fmt(tear)} "
              f"| {fmt(dbb, 0) if dbb else '—'} | {fmt(req, 0) if req else '—'} | {fmt(bpr, 1)} | {disc_s} | {fmt(tpr, 1)} "
              f"| {cons_s} |")
            if cpu is None or rss is None:
                missing.append(f"{wl}/{c}: no CPU/RSS")
            if c in DB_CONFIGS and (bpr is None):
                missing.append(f"{wl}/{c}: no DB size/request count")
            if c in LTTNG_CONFIGS and not discs:
                missing.append(f"{wl}/{c}: no LTTng figures")
            bad = [r["status"] for r in runs if r["status"] != "ok"]
            if bad:
                missing.append(f"{wl}/{c}: daemon status {','.join(bad)}")
    w("")

    # ---- paired ratios: each repetition's configuration against its
    # reference of the same repetition (they ran back to back), so a load
    # change between repetitions does not enter the ratio
    def paired(table, key, c, ref):
        v = []
        for (k, cc, rep), x in table.items():
            if k == key and cc == c and x:
                y = table.get((k, ref, rep))
                if y:
                    v.append(x / y)
        return (statistics.median(v), min(v), max(v), len(v)) if v else None

    def reqs_of(wl):
        v = [r["req"] for c in DB_CONFIGS for r in R.get((wl, c), []) if r["req"]]
        return statistics.median(v) if v else None
    w("### Paired ratios (per repetition, back-to-back runs; median, min–max, N)\n")
    w("Elapsed time and daemon CPU (user+sys) of each configuration divided by its "
      "reference's in the same repetition. Daemon CPU per request (fusetrace only) divides "
      "by the request count of the same workload's --db runs (the same request stream).\n")
    w("| workload | configuration | reference | elapsed ratio | daemon CPU ratio | daemon CPU µs/request |")
    w("|---|---|---|---|---|---|")

    def pf(x):
        return f"{x[0]:.3f} ({x[1]:.3f}–{x[2]:.3f}, {x[3]})" if x else "—"
    for m in mets:
        wl = METRIC_WL[m]
        nreq = reqs_of(wl)
        pairs = [("ft", None), ("ft", "pll"), ("ft", "pll-dp")] + [(c, "ft") for c in RECORDED]
        for c, ref in pairs:
            if c not in cfgs:
                continue
            cpus = [r["cpu"] for r in R.get((wl, c), []) if r["cpu"] is not None]
            # per request only for fusetrace, whose request stream the --db
            # runs count; passthrough_ll's differs (fewer GETATTRs without
            # default_permissions), and nothing here counts it
            cpr = (f"{statistics.median(cpus) / nreq * 1e6:.2f}"
                   if cpus and nreq and c.startswith("ft") else "—")
            if ref is None:
                if cpr != "—":
                    w(f"| {m} | {CONFIG_NAME[c]} | — | — | — | {cpr} |")
                continue
            if ref not in cfgs:
                continue
            if c == "ft":
                cpr = "—"           # on its own row above
            e, d = paired(TR, m, c, ref), paired(RR, wl, c, ref)
            if e or d:
                w(f"| {m} | {CONFIG_NAME[c]} | {CONFIG_NAME[ref]} | {pf(e)} | {pf(d)} | {cpr} |")
    w("")

    # ---- the latency split (recordings with the kernel's side)
    if K:
        w("### Where a request's time went (recordings with the kernel's side)\n")
        w("Every request with both sides and a reply, from the `latency_split` view: "
          "queue = kernel queued → daemon read, daemon = read → reply written (of which "
          "backing = syscalls on the source), return = reply written → caller woken, "
          "total = as the caller saw it.  Per run the median and p99 (nearest rank); "
          "the table gives the median of each over the runs, in µs.\n")
        w("| workload | configuration | op | queue p50 | queue p99 | daemon p50 | daemon p99 "
          "| backing p50 | backing p99 | return p50 | return p99 | total p50 | total p99 |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        keys = sorted({(k[0], k[1], k[2]) for k in K},
                      key=lambda k: (k[0], CONFIG_ORDER.index(k[1]) if k[1] in CONFIG_ORDER else 99,
                                     k[2] != "all", k[2]))
        for wl, c, op in keys:
            cells = []
            for part in ("queue", "daemon", "backing", "return", "total"):
                v = K.get((wl, c, op, part), [])
                for i in (0, 1):
                    x = [e[i] for e in v if e[i] is not None]
                    cells.append(fmt(statistics.median(x) / 1000, 1) if x else "—")
            w(f"| {wl} | {CONFIG_NAME.get(c, c)} | {op} | " + " | ".join(cells) + " |")
        w("")

    # ---- targets (computed from the medians above)
    w("### Targets, computed from the medians above\n")
    w("| target | workload | measured | verdict |")
    w("|---|---|---|---|")

    def verdict(ok, m=None, c=None, ref=None):
        if ok:
            return "met"
        # a miss whose min–max range overlaps the reference's is within the
        # run-to-run spread of this machine: say so, it is still a miss
        a, b = (med(m, c, 0), med(m, ref, 0)) if m else (None, None)
        if a and b and a[1] <= b[2] and b[1] <= a[2]:
            return "**MISSED** (min–max ranges overlap)"
        return "**MISSED**"
    for m in mets:
        r = ratios.get((m, "ft"))
        if r and r[1] is not None:
            w(f"| fusetrace (no recording) ≤ 1.00 × passthrough_ll time | {m} | {r[1]:.3f} | {verdict(r[1] <= 1.0, m, 'ft', 'pll')} |")
    for m in mets:
        wl = METRIC_WL[m]
        cpu_ft = [r["cpu"] for r in R.get((wl, "ft"), []) if r["cpu"] is not None]
        for ref in ("pll", "pll-dp"):
            cpu_ref = [r["cpu"] for r in R.get((wl, ref), []) if r["cpu"] is not None]
            if cpu_ft and cpu_ref:
                x = statistics.median(cpu_ft) / statistics.median(cpu_ref)
                w(f"| fusetrace (no recording) daemon CPU ≤ {CONFIG_NAME[ref]}'s | {m} | {x:.3f} | {verdict(x <= 1.0)} |")
            e = med(m, ref, 0)
            if ref == "pll-dp" and e and med(m, "ft", 0):
                x = med(m, "ft", 0)[0] / e[0]
                w(f"| fusetrace (no recording) ≤ 1.00 × {CONFIG_NAME[ref]} time | {m} | {x:.3f} | {verdict(x <= 1.0, m, 'ft', ref)} |")
    for c, lim in (("ft-db", 1.10), ("ft-lttng", 1.05), ("ft-both", 1.15),
                   ("ft-db-nok", 1.10), ("ft-lttng-nok", 1.05), ("ft-both-nok", 1.15)):
        for m in ("meta", "meta-tmpfs", "meta-s-tmpfs", "make", "tree-cold"):
            r = ratios.get((m, c))
            if r and r[2] is not None:
                w(f"| {CONFIG_NAME[c]} ≤ {lim:.2f} × fusetrace time | {m} | {r[2]:.3f} | {verdict(r[2] <= lim, m, c, 'ft')} |")
    for wl in ("meta", "meta-tmpfs"):
        for c in DB_CONFIGS:
            v = [r["dbb"] / r["req"] for r in R.get((wl, c), []) if r["dbb"] and r["req"]]
            if v:
                b = statistics.median(v)
                w(f"| ≤ 120 DB bytes/request | {wl} ({CONFIG_NAME[c]}) | {b:.1f} | {verdict(b <= 120)} |")
    w("")
    if S:
        w("### Not run\n")
        for (wl, c), why in sorted(S.items()):
            w(f"- {wl} on {CONFIG_NAME.get(c, c)}: {why}")
        w("")
    if F:
        w("### Failed runs\n")
        for f in F:
            w(f"- rep {f[0]}: {f[1]} on {CONFIG_NAME.get(f[2], f[2])}")
        w("")
    print("\n".join(lines))

    if check:
        for m in mets:
            for c in cfgs:
                if not med(m, c, 0) and (METRIC_WL[m], c) not in S:
                    missing.append(f"{m}/{c}: no timing")
        for f in F:
            missing.append(f"rep {f[0]} {f[1]}/{f[2]}: failed")
        expected = set(CONFIG_ORDER)
        for a in sys.argv[2:]:
            if a.startswith("--configs="):
                expected = set(a.split("=", 1)[1].split(","))
        if configs != expected:
            missing.append("configurations that did not run: " + ", ".join(sorted(expected - configs)))
        if missing:
            print("smoke check FAILED:\n  " + "\n  ".join(missing), file=sys.stderr)
            return 1
        print(f"smoke check ok: {len(cfgs)} configurations x {len(mets)} measurements produced numbers",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
