#!/usr/bin/env python3
"""procscan.py — watch a running command's processes for a hang without
ever getting stuck.

Why this exists beside ft_check_no_dstate (tests/lib/common.sh), which is
the check, after each run, that no process of the machine is left in D
state: a hang must be noticed *while the run goes on*, within seconds,
so that the run can be freed (its FUSE connection aborted, its processes
killed) instead of waiting out the case's time bound; and a process stuck
in exec is recognised by what it does to others (its /proc/PID/stat
blocks every reader, `ps` included), which a scan of states alone cannot
see.  That needs reads of /proc/PID/stat that may block, made in threads
of their own and given up, never waited for; and the processes of one
session (the run), not of the machine.

Reading /proc/PID/stat (or cmdline, wchan: what `ps` reads) blocks, in D
state, while PID is stuck in exec.  /proc/PID/status takes no lock that an
exec holds (verified here: it stays readable while stat blocks), so the
scans below use status for every process, and read stat or wchan only in
threads of their own that are given up after READ_TIMEOUT seconds.

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


def wchan(pid):
    """the kernel function pid waits in, "?" if unknown (reading wchan can
    block too: read in a thread of its own, given up after READ_TIMEOUT)"""
    out = []

    def read():
        try:
            with open(f"/proc/{pid}/wchan") as f:
                out.append(f.read().strip())
        except OSError:
            pass
    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(READ_TIMEOUT)
    return (out[0] if out else "") or "?"


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
                    print(f"{pid} {comm} in D state ({wchan(pid)}) for {seconds:.0f}s "
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
    if len(args) == 2 and args[0] == "session":
        session(int(args[1]))
    elif len(args) == 3 and args[0] == "watch":
        watch(int(args[1]), float(args[2]))
    else:
        sys.exit(__doc__)
    sys.stdout.flush()
    os._exit(0)     # do not wait for reader threads that are still blocked


if __name__ == "__main__":
    main()
