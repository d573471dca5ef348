#!/usr/bin/env python3
"""tree.py DIR [--ignore GLOB]... — what a run left in DIR, as comparable text.

One line per entry, sorted by path: type, permission bits, owner, link
count (not for directories), size and SHA-256 of regular files, symlink
targets, extended attributes.  Left out because they legitimately differ
between two runs of the same workload: timestamps, inode and device
numbers, and directory sizes (they depend on the history of the directory,
not on what it holds).  A GLOB (fnmatch, on the path relative to DIR)
leaves out matching entries and everything under them; a case names those
with its reason.
"""
import fnmatch
import hashlib
import os
import stat
import sys


def describe(path, rel):
    st = os.lstat(path)
    mode = stat.S_IMODE(st.st_mode)
    head = f"{rel} {stat.filemode(st.st_mode)[0]} {mode:04o} {st.st_uid}:{st.st_gid}"
    if stat.S_ISDIR(st.st_mode):
        line = head
    elif stat.S_ISREG(st.st_mode):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        line = f"{head} n{st.st_nlink} {st.st_size} {h.hexdigest()[:16]}"
    elif stat.S_ISLNK(st.st_mode):
        line = f"{head} n{st.st_nlink} -> {os.readlink(path)}"
    else:
        line = f"{head} n{st.st_nlink}"
    try:
        names = sorted(os.listxattr(path, follow_symlinks=False))
    except OSError:
        names = []
    for name in names:
        value = os.getxattr(path, name, follow_symlinks=False)
        line += f" xattr:{name}={value.hex()}"
    return line


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    root, ignore = args[0], []
    rest = args[1:]
    while rest:
        if rest[0] != "--ignore" or len(rest) < 2:
            sys.exit(__doc__)
        ignore.append(rest[1])
        rest = rest[2:]
    lines = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if any(fnmatch.fnmatchcase(rel, g) for g in ignore):
                if name in dirnames:
                    dirnames.remove(name)
                continue
            lines.append(describe(path, rel))
    for line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main()
