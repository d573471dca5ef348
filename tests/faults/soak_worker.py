#!/usr/bin/python3
"""soak_worker.py DIR SECONDS NPROC — mixed concurrent operations in DIR until
SECONDS have passed: NPROC processes, each in its own subdirectory with a
bounded set of names (so the working set, and the daemon's tables, stay
bounded), plus one shared directory where all of them create, rename and
remove.  Every operation is expected to succeed; each failure is printed
as "ERROR ..." on stdout.  At the end each process checks its files' contents
and prints "OPS n" with its operation count."""
import errno, fcntl, os, random, sys, time

def worker(base, deadline, wid):
    rnd = random.Random(wid)
    mine = os.path.join(base, "w%d" % wid)
    shared = os.path.join(base, "shared")
    os.makedirs(mine, exist_ok=True)
    content = {}
    ops = 0
    errors = 0

    def err(what, e):
        nonlocal errors
        errors += 1
        print("ERROR w%d %s: %s" % (wid, what, e), flush=True)

    while time.monotonic() < deadline:
        k = rnd.randrange(40)
        name = "f%d" % k
        p = os.path.join(mine, name)
        op = rnd.randrange(13)
        try:
            if op == 0:      # create/overwrite
                data = (b"%d-%d\n" % (wid, ops)) * rnd.randrange(1, 300)
                with open(p, "wb") as f:
                    f.write(data)
                content[name] = data
            elif op == 1:    # append
                if name in content:
                    with open(p, "ab") as f:
                        f.write(b"+%d\n" % ops)
                    content[name] += b"+%d\n" % ops
            elif op == 2:    # read and check
                if name in content:
                    with open(p, "rb") as f:
                        if f.read() != content[name]:
                            err("read " + name, "content differs")
            elif op == 3:    # rename within the dir
                if name in content:
                    q = "f%d" % rnd.randrange(40)
                    os.rename(p, os.path.join(mine, q))
                    content[q] = content.pop(name)
            elif op == 4:    # unlink
                if name in content:
                    os.unlink(p)
                    del content[name]
            elif op == 5:    # stat + readdir
                os.stat(mine)
                names = set(n for n in os.listdir(mine) if n.startswith("f"))
                if names != set(content):
                    err("listdir", "%s vs %s" % (sorted(names ^ set(content)), "expected"))
            elif op == 6:    # mkdir/rmdir
                d = os.path.join(mine, "d%d" % (k % 5))
                if os.path.isdir(d):
                    for n in os.listdir(d):
                        os.unlink(os.path.join(d, n))
                    os.rmdir(d)
                else:
                    os.mkdir(d)
                    with open(os.path.join(d, "x"), "w") as f:
                        f.write("x")
            elif op == 7:    # symlink + readlink
                l = os.path.join(mine, "l%d" % (k % 8))
                if os.path.islink(l):
                    os.readlink(l)
                    os.unlink(l)
                else:
                    os.symlink(name, l)
            elif op == 8:    # chmod, truncate, utime
                if name in content:
                    os.chmod(p, 0o600 + (ops % 2) * 0o44)
                    n = len(content[name]) // 2
                    os.truncate(p, n)
                    content[name] = content[name][:n]
                    os.utime(p, (1, 2))
            elif op == 9:    # lock, write under the lock, unlock
                if name in content:
                    fd = os.open(p, os.O_RDWR)
                    try:
                        fcntl.lockf(fd, fcntl.LOCK_EX)
                        os.pwrite(fd, b"L", 0)
                        content[name] = b"L" + content[name][1:] if content[name] else b"L"
                        fcntl.lockf(fd, fcntl.LOCK_UN)
                    finally:
                        os.close(fd)
            elif op == 10:   # shared dir: create exclusively, rename over, remove
                s = os.path.join(shared, "s%d" % rnd.randrange(20))
                try:
                    fd = os.open(s, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                    os.write(fd, b"s")
                    os.close(fd)
                    os.rename(s, s + ".r%d" % wid)
                    os.unlink(s + ".r%d" % wid)
                except FileExistsError:
                    pass
            elif op == 11:   # xattr
                if name in content:
                    os.setxattr(p, "user.soak", b"%d" % ops)
                    os.getxattr(p, "user.soak")
            elif op == 12:   # fsync + statvfs
                if name in content:
                    fd = os.open(p, os.O_RDONLY)
                    os.fsync(fd)
                    os.close(fd)
                    os.statvfs(mine)
            ops += 1
        except OSError as e:
            err("op%d %s" % (op, name), e)
    for name, data in content.items():
        with open(os.path.join(mine, name), "rb") as f:
            if f.read() != data:
                err("final " + name, "content differs")
    print("OPS %d" % ops, flush=True)
    return errors

def main():
    base, secs, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    os.makedirs(os.path.join(base, "shared"), exist_ok=True)
    deadline = time.monotonic() + secs
    pids = []
    for w in range(n):
        pid = os.fork()
        if pid == 0:
            try:
                rc = 1 if worker(base, deadline, w) else 0
            except BaseException as e:
                print("ERROR w%d crashed: %r" % (w, e), flush=True)
                rc = 2
            os._exit(rc)
        pids.append(pid)
    rc = 0
    for pid in pids:
        _, st = os.waitpid(pid, 0)
        if st:
            rc = 1
    sys.exit(rc)

main()
