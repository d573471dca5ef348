set -e
/usr/bin/python3 - <<'PY'
import errno, fcntl, os, signal, sys, time
holder = open("lockfile", "w")
fcntl.lockf(holder, fcntl.LOCK_EX)
pid = os.fork()
if pid == 0:
    class Alarm(Exception):
        pass
    def on_alarm(signum, frame):
        raise Alarm()
    waiter = open("lockfile", "w")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    t0 = time.monotonic()
    try:
        fcntl.lockf(waiter, fcntl.LOCK_EX)
        os._exit(3)          # got the lock: nothing was blocking it
    except Alarm:
        # the wait ended by the signal after ~0.5 s
        os._exit(0 if time.monotonic() - t0 >= 0.4 else 4)
_, st = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(st)
fcntl.lockf(holder, fcntl.LOCK_UN)
holder.close()
sys.exit(code)
PY
