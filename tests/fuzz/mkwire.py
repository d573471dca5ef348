#!/usr/bin/python3
"""mkwire.py OUTDIR — synthesise seed inputs for fuzz_wire (frame streams:
u8 kind, u16 little-endian length, message; kind bit 0 = reply).  Each
seed is a plausible session fragment: INIT negotiation, lookups, reads,
directory listings, xattr size queries, forgets, an interrupted SETLKW,
notifications."""
import os, struct, sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

def inh(opcode, unique, nodeid, body):
    return struct.pack("<IIQQIIIHH", 40 + len(body), opcode, unique, nodeid, 0, 0, 1234, 0, 0) + body
def outh(unique, error, body):
    return struct.pack("<IiQ", 16 + len(body), error, unique) + body
def frame(kind, msg):
    return struct.pack("<BH", kind, len(msg)) + msg
def attr(ino, size=0, mode=0o100644):
    return struct.pack("<QQQQQQIIIIIIIIII", ino, size, 0, 1, 2, 3, 0, 0, 0, mode, 1, 0, 0, 0, 4096, 0)
def entry(nodeid, ino):
    return struct.pack("<QQQQII", nodeid, 0, 1, 1, 0, 0) + attr(ino)
def dirent(ino, off, name, typ=8):
    d = struct.pack("<QQII", ino, off, len(name), typ) + name
    return d + b"\0" * ((8 - len(d) % 8) % 8)
def init_in(minor=38, flags=0x3fffffff):
    return struct.pack("<IIIII", 7, minor, 131072, flags, 0) + b"\0" * 44
def init_out(minor=38, flags=0x20000 | 0x40000):
    return struct.pack("<IIIIHHIIHHI", 7, minor, 131072, flags, 64, 48, 131072, 1, 32, 0, 0) + b"\0" * 28

seeds = {}
init = [frame(0, inh(26, 2, 0, init_in())), frame(1, outh(2, 0, init_out()))]
seeds["init"] = init
seeds["lookup"] = init + [
    frame(0, inh(1, 4, 1, b"hello\0")), frame(1, outh(4, 0, entry(2, 77))),
    frame(0, inh(1, 6, 1, b"missing\0")), frame(1, outh(6, -2, b"")),
    frame(0, inh(3, 8, 2, struct.pack("<IIQ", 0, 0, 0))),
    frame(1, outh(8, 0, struct.pack("<QII", 1, 0, 0) + attr(77, 5))),
    frame(0, inh(2, 10, 2, struct.pack("<Q", 1)))]
seeds["readdir"] = init + [
    frame(0, inh(28, 12, 1, struct.pack("<QQIIII", 1, 0, 4096, 0, 0, 0))),
    frame(1, outh(12, 0, dirent(1, 1, b".", 4) + dirent(1, 2, b"..", 4) + dirent(5, 3, b"file\x1b[31m"))),
    frame(0, inh(44, 14, 1, struct.pack("<QQIIII", 1, 0, 4096, 0, 0, 0))),
    frame(1, outh(14, 0, entry(3, 5) + dirent(5, 1, b"abc") + entry(4, 6) + dirent(6, 2, b"x" * 20)))]
seeds["xattr"] = init + [
    frame(0, inh(22, 16, 2, struct.pack("<II", 0, 0) + b"user.a\0")),
    frame(1, outh(16, 0, struct.pack("<II", 12, 0))),
    frame(0, inh(22, 18, 2, struct.pack("<II", 12, 0) + b"user.a\0")),
    frame(1, outh(18, 0, b"value-bytes!")),
    frame(0, inh(23, 20, 2, struct.pack("<II", 0, 0))),
    frame(1, outh(20, 0, struct.pack("<II", 14, 0))),
    frame(0, inh(21, 22, 2, struct.pack("<IIII", 3, 0, 0, 0) + b"user.b\0abc"))]
seeds["write"] = init + [
    frame(0, inh(35, 24, 1, struct.pack("<IIII", 0o101, 0o644, 0o22, 0) + b"new\0")),
    frame(1, outh(24, 0, entry(9, 99) + struct.pack("<QII", 1 << 20, 0, 0))),
    frame(0, inh(16, 26, 9, struct.pack("<QQIIQII", 1 << 20, 0, 11, 0, 0, 0o101, 0) + b"hello world")),
    frame(1, outh(26, 0, struct.pack("<II", 11, 0))),
    frame(0, inh(15, 28, 9, struct.pack("<QQIIQII", 1 << 20, 0, 4096, 0, 0, 0, 0))),
    frame(1, outh(28, 0, b"hello world")),
    frame(0, inh(45, 30, 1, struct.pack("<QII", 1, 1, 0) + b"new\0old\0")),
    frame(1, outh(30, 0, b""))]
seeds["forget-interrupt"] = init + [
    frame(0, inh(42, 32, 0, struct.pack("<II", 3, 0) + struct.pack("<QQ", 2, 1) * 3)),
    frame(0, inh(33, 34, 9, struct.pack("<QQQQIIII", 1 << 20, 7, 0, 100, 1, 1234, 1, 0))),
    frame(0, inh(36, 37, 0, struct.pack("<Q", 34))),
    frame(1, outh(34, -4, b"")),
    frame(1, outh(37, -11, b""))]
seeds["notify"] = init + [
    frame(1, outh(0, 3, struct.pack("<QII", 1, 4, 0) + b"name\0")),
    frame(1, outh(0, 2, struct.pack("<Qqq", 2, 0, -1))),
    frame(1, outh(0, 4, struct.pack("<QQI", 1, 0, 5) + b"\0\0\0\0" + b"data!")),
    frame(6, outh(77, 0, b"\0" * 64))]
seeds["old-proto"] = [frame(0, inh(26, 2, 0, struct.pack("<IIII", 7, 12, 4096, 0))),
                      frame(1, outh(2, 0, struct.pack("<IIIIHHII", 7, 12, 4096, 0, 12, 9, 4096, 0))),
                      frame(0, inh(8, 4, 1, struct.pack("<IIII", 0o100644, 0, 0, 0) + b"n\0")),
                      frame(1, outh(4, 0, entry(2, 3)))]
for name, frames in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(b"".join(frames))
