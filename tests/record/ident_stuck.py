"""ident_stuck.py A_FILE B_FILE DIR — a process C stuck in exec on another,
hung, filesystem (B) while the recording daemon of mount A reads its
/proc/C/stat, which waits for C's exec lock.

C is forked before mount A exists and never touches A, as a process stuck
in someone else's exec would: it holds one close-on-exec fd on mount B, so
its exec waits in the FLUSH of that fd, holding its exec lock, for as long
as B's daemon is stopped.  C's child H, also older than mount A, makes A
read C: A describes a new caller and then its ancestors it does not know
(proc_reader.c), so H's first request on A (a stat of A_FILE) has A's
identity thread read H, then C.

Protocol (files in DIR): this script writes `child` (C's pid) and exits;
C writes `ready` once it holds the fd and H exists; C execs /bin/true once
`go` exists; H stats A_FILE once `go2` exists."""
import os, sys, time

a, b, d = sys.argv[1:4]


def wait_for(name, seconds=60):
    deadline = time.time() + seconds
    while not os.path.exists(os.path.join(d, name)):
        if time.time() > deadline:
            os._exit(2)
        time.sleep(0.02)


def put(name, text):
    with open(os.path.join(d, name + ".tmp"), "w") as f:
        f.write(text)
    os.rename(os.path.join(d, name + ".tmp"), os.path.join(d, name))


c = os.fork()
if c == 0:
    nul = os.open(os.devnull, os.O_WRONLY)
    os.dup2(nul, 1)
    os.dup2(nul, 2)
    os.close(nul)
    fb = os.open(b, os.O_RDONLY | os.O_CLOEXEC)
    h = os.fork()
    if h == 0:
        os.close(fb)
        wait_for("go2")
        try:
            os.stat(a)
        except OSError:
            os._exit(1)
        os._exit(0)
    put("ready", "%d\n" % h)
    wait_for("go")
    os.execv("/bin/true", ["true"])

put("child", "%d\n" % c)
