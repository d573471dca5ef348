#!/usr/bin/env python3
"""procscan.py — look for stuck processes without ever getting stuck.

Reading /proc/PID/stat (or cmdline, wchan: what `ps` reads) blocks, in D
state, while PID is stuck in exec, which is one of the hangs the gauntlet
looks for.  /proc/PID/status takes no lock that an exec holds (verified
here: it stays readable while stat blocks), so the scans below use status
for every process, and read stat or wchan only in threads of their own that
are given up after READ_TIMEOUT seconds, never waited for.

  procscan.py dstate [--rounds N] [--root DIR] [--sid SID]...
      print "pid comm D wchan [ours]" for each process in state D in every
      one of N rounds 0.3 s apart (a process briefly in D while it waits
      for a disk is not a hang), and "pid comm BLOCKED ... [ours]" for each
      process of a session SID whose /proc/PID/stat cannot be read (stuck
      in exec).  "ours" marks what involves this test: a process of one of
      the sessions SID, or whose working directory or an open file is under
      DIR, or that is blocked reading /proc/Q/... of such a process Q (a
      `ps` waiting for an exec stuck on the test's mount).  On a shared
      machine this tells a hang of this test from another one's.
  procscan.py session SID
      print the pid of every process in session SID, one per line.
  procscan.py watch SID SECONDS
      watch the processes of session SID, once a second, until one has
      been stuck for SECONDS: its /proc/PID/stat unreadable all along (it
      is stuck in exec, and every `ps` of the machine now blocks on it), or
      in state D at every look without a single context switch (a process
      that is merely busy waiting for many quick replies switches); then
      print "pid comm what" and exit.  Exits silently when the session is
      empty.
"""
import os
import sys
import threading
import time

READ_TIMEOUT = 2.0


def statuses():
    """{pid: (comm, state letter, session id, context switches)} of every
    process, from /proc/PID/status"""
    out = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/status") as f:
                fields = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
            out[int(p)] = (fields.get("Name", "?"),
                           fields.get("State", "?")[:1],
                           int(fields.get("NSsid", "0").split()[0]),
                           int(fields.get("voluntary_ctxt_switches", "0")) +
                           int(fields.get("nonvoluntary_ctxt_switches", "0")))
        except (OSError, ValueError):
            pass    # gone meanwhile
    return out


def bounded_all(fns, default):
    """{key: fns[key]()} computed in threads of their own, all given up
    together after READ_TIMEOUT; default for any that failed or did not
    return (a shared machine can hold many processes stuck on someone
    else's hang: one deadline for them all keeps a scan short)"""
    out = {}

    def run(key, fn):
        try:
            out[key] = fn()
        except OSError:
            pass
    threads = [threading.Thread(target=run, args=(k, fn), daemon=True) for k, fn in fns.items()]
    for t in threads:
        t.start()
    deadline = time.monotonic() + READ_TIMEOUT
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return {k: out.get(k, default) for k in fns}


def wchan(pids):
    """{pid: the kernel function it waits in} (reading wchan can block too)"""
    return bounded_all({p: (lambda p=p: open(f"/proc/{p}/wchan").read().strip() or "?")
                        for p in pids}, "?")


def start_stat_read(pid):
    """read /proc/PID/stat in a thread of its own: (thread, started)"""
    def read():
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                f.read()
        except OSError:
            pass
    t = threading.Thread(target=read, daemon=True)
    t.start()
    return t, time.monotonic()


def stat_blocked(pids):
    """those of pids whose /proc/PID/stat did not answer within READ_TIMEOUT"""
    reads = {pid: start_stat_read(pid)[0] for pid in pids}
    deadline = time.monotonic() + READ_TIMEOUT
    for t in reads.values():
        t.join(max(0.0, deadline - time.monotonic()))
    return sorted(pid for pid, t in reads.items() if t.is_alive())


def read_links(pid):
    """working directory and open files of pid (paths)"""
    paths = [os.readlink(f"/proc/{pid}/cwd")]
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            paths.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    return paths


def under(path, root):
    return root is not None and (path == root or path.startswith(root + "/"))


def proc_pid_of(path):
    """Q for a path /proc/Q/..., else None"""
    parts = path.split("/")
    if len(parts) > 3 and parts[1] == "proc" and parts[2].isdigit():
        return int(parts[2])
    return None


def ours(pids, root, sids, procs):
    """those of pids whose state involves this test (see the module's doc):
    in a session of sids, or a working directory or open file under root,
    or reading /proc/Q/... of a process Q that is in a session of sids or
    has its working directory or an open file under root"""
    def direct(pid, paths):
        return (pid in procs and procs[pid][2] in sids) or any(under(p, root) for p in paths)
    links = bounded_all({p: (lambda p=p: read_links(p)) for p in pids}, [])
    others = {q for pid in pids for q in map(proc_pid_of, links[pid])
              if q is not None and q != pid and q not in links}
    links.update(bounded_all({q: (lambda q=q: read_links(q)) for q in others}, []))
    found = set()
    for pid in pids:
        qs = [q for q in map(proc_pid_of, links[pid]) if q is not None and q != pid]
        if direct(pid, links[pid]) or any(direct(q, links.get(q, [])) for q in qs):
            found.add(pid)
    return found


def dstate(rounds, root, sids):
    seen = None
    for r in range(rounds):
        if r:
            time.sleep(0.3)
        procs = statuses()
        now = {pid: comm for pid, (comm, state, _, _) in procs.items() if state == "D"}
        seen = now if seen is None else {p: c for p, c in seen.items() if now.get(p) == c}
    blocked = stat_blocked([pid for pid, st in procs.items() if st[2] in sids])
    mine = ours(set(seen) | set(blocked), root, sids, procs)
    where = wchan([pid for pid in seen if pid in mine])
    for pid, comm in sorted(seen.items()):
        print(f"{pid} {comm} D {where[pid]} ours" if pid in mine else f"{pid} {comm} D")
    for pid in blocked:
        print(f"{pid} {procs[pid][0]} BLOCKED (reading /proc/{pid}/stat did not return "
              f"within {READ_TIMEOUT:.0f}s){' ours' if pid in mine else ''}")


def members(sid):
    return {pid: st for pid, st in statuses().items() if st[2] == sid}


def session(sid):
    for pid in sorted(members(sid)):
        print(pid)


def watch(sid, seconds):
    pending = {}    # pid -> (thread, started) of a stat read not yet back
    in_d = {}       # pid -> (since, switches): in D at every look since then
    while True:
        procs = members(sid)
        if not procs:
            return
        now = time.monotonic()
        for pid, (comm, state, _, switches) in procs.items():
            if state == "D":
                since, before = in_d.get(pid, (now, switches))
                if before != switches:
                    since = now
                in_d[pid] = (since, switches)
                if now - since >= seconds:
                    print(f"{pid} {comm} in D state ({wchan([pid])[pid]}) for {seconds:.0f}s "
                          "without a context switch")
                    return
            else:
                in_d.pop(pid, None)
            t, started = pending.get(pid, (None, now))
            if t is not None and t.is_alive():
                if now - started >= seconds:
                    print(f"{pid} {comm} /proc/{pid}/stat unreadable for {seconds:.0f}s "
                          "(stuck in exec)")
                    return
                continue
            pending[pid] = start_stat_read(pid)
        time.sleep(1)


def main():
    args = sys.argv[1:]
    if args[:1] == ["dstate"]:
        rounds, root, sids = 3, None, set()
        rest = args[1:]
        while len(rest) >= 2 and rest[0] in ("--rounds", "--root", "--sid"):
            if rest[0] == "--rounds":
                rounds = int(rest[1])
            elif rest[0] == "--sid":
                sids.add(int(rest[1]))
            else:
                root = os.path.realpath(rest[1])
            rest = rest[2:]
        if rest:
            sys.exit(__doc__)
        dstate(rounds, root, sids)
    elif len(args) == 2 and args[0] == "session":
        session(int(args[1]))
    elif len(args) == 3 and args[0] == "watch":
        watch(int(args[1]), float(args[2]))
    else:
        sys.exit(__doc__)
    sys.stdout.flush()
    os._exit(0)     # do not wait for reader threads that are still blocked


if __name__ == "__main__":
    main()
