#!/bin/bash
# names.sh — a recording of a workload that creates hostile names: ESC
# sequences (SGR colour, OSC set-title ending in BEL, clear screen), BEL,
# newline, tab, DEL, C1 CSI (U+009B), invalid UTF-8, a quote and a comma,
# 255-byte names, a path of 255-byte components over 4 KiB long, and a
# right-to-left override.
#  - the names reach the source exactly (the passthrough does not mangle);
#  - sql (table, --json), stats and export (jsonl, perfetto) print no ESC
#    (0x1b), BEL (0x07), C1 (0xc2 0x80-0x9f) or raw newline inside a name:
#    every name appears in escaped form; exit 0;
#  - sql --csv is RFC 4180 with the raw bytes: Python's csv reader gives
#    back every name exactly as SQLite holds it (no terminal escaping in
#    CSV), every record ends in CRLF outside quotes;
#  - sql --json and export parse as strict UTF-8 JSON, valid names come
#    back exactly and the invalid bytes as \u00XX;
#  - view in a real terminal (tmux): the raw bytes it writes never contain
#    the recorded sequences (no "ESC ] 0 ; PWNED"), the pane title is not
#    changed, the screen shows the escaped forms, and it quits cleanly on q.
#  - noted (not failed unless FX_STRICT_BIDI=1): U+202E passed through raw.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../faults/lib.sh"
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init; fx_init
export LC_ALL=C.UTF-8

dir=$(ft_tmpdir); db=$FT_ROOT/names.db
"$FUSETRACE" record --db "$db" "$dir" -- "$FX_PY" -c '
import os
names = ["\x1b[31mRED\x1b[0m", "bell\x07\x07", "new\nline", "\x1b]0;PWNED\x07title",
         "csi\u009b31m", "tab\there", "del\x7f", "\x1b[2J\x1b[Hclear", "\u202eRLO", "L" * 255,
         "say \"hi\", ok"]
for n in names:
    with open(os.fsencode(n), "w") as f:
        f.write("x")
with open(b"bad\xff\xfeutf8", "w") as f:
    f.write("x")
for c in (b"D", b"E", b"F", b"G", b"H", b"I", b"J", b"K", b"M", b"N", b"O", b"P", b"Q", b"R", b"S", b"T", b"U"):
    os.mkdir(c * 250 + b"\x1b[31m")
    os.chdir(c * 250 + b"\x1b[31m")
with open(b"\x1b]0;PWNED2\x07deep", "w") as f:
    f.write("y")
' > "$FT_ROOT/rec.out" 2>&1 || { cat "$FT_ROOT/rec.out"; ft_fail "recording the hostile workload failed"; }
[ -e "$dir/$(printf '\033]0;PWNED\007title')" ] || ft_fail "the hostile name did not reach the source intact"
expect "hostile names in the source" "$(find "$dir" -mindepth 1 -maxdepth 1 -printf x | wc -c)" 13
expect "integrity" "$(q "$db" 'PRAGMA integrity_check')" ok
expect_ge "longest recorded path (bytes)" "$(q "$db" 'SELECT max(length(CAST(path AS BLOB))) FROM inode')" 4096

clean() {   # clean WHAT FILE: no terminal control bytes in FILE
	local what=$1 f=$2
	LC_ALL=C grep -q $'\x1b' "$f" && ft_fail "$what: raw ESC in the output: $(LC_ALL=C grep -a -m1 $'\x1b' "$f" | cat -v | head -c 200)"
	LC_ALL=C grep -q $'\x07' "$f" && ft_fail "$what: raw BEL in the output"
	LC_ALL=C grep -qP '\xc2[\x80-\x9f]' "$f" && ft_fail "$what: raw C1 control in the output"
	grep -q '\\x1b\]0;PWNED' "$f" || grep -q '\\u001b\]0;PWNED' "$f" || ft_fail "$what: the OSC name is not shown in escaped form"
	if LC_ALL=C grep -q $'\xe2\x80\xae' "$f"; then
		if [ "${FX_STRICT_BIDI:-0}" = 1 ]; then ft_fail "$what: raw U+202E (bidi override) in the output"
		else ft_log "NOTE: $what prints U+202E (right-to-left override) raw: names can be displayed reversed"; fi
	fi
	echo "ok: $what: no control bytes, names escaped"
}
"$FUSETRACE" sql "$db" "SELECT name FROM request WHERE name IS NOT NULL" "SELECT path FROM inode" \
	"SELECT * FROM op" > "$FT_ROOT/sql.out" 2>&1 || ft_fail "sql failed"
clean "sql (table)" "$FT_ROOT/sql.out"
grep -q 'new\\nline' "$FT_ROOT/sql.out" || ft_fail "sql: the newline in a name is not escaped"
"$FUSETRACE" sql --csv "$db" "SELECT nodeid, name, path FROM inode ORDER BY nodeid" > "$FT_ROOT/csv.out" 2> "$FT_ROOT/csv.err" \
	|| ft_fail "sql --csv failed: $(cat "$FT_ROOT/csv.err")"
"$FUSETRACE" sql --json "$db" "SELECT nodeid, name, path FROM inode ORDER BY nodeid" > "$FT_ROOT/json.out" 2>&1 || ft_fail "sql --json failed"
clean "sql --json" "$FT_ROOT/json.out"
# CSV and JSON against the database itself (Python's sqlite3, bytes)
"$FX_PY" - "$db" "$FT_ROOT/csv.out" "$FT_ROOT/json.out" <<'PY' || ft_fail "sql --csv / --json do not give back the recorded names"
import csv, io, json, sqlite3, sys
db, csv_path, json_path = sys.argv[1:4]
c = sqlite3.connect(db)
c.text_factory = bytes
rows = [(str(n), name, path) for n, name, path in
        c.execute("SELECT nodeid, name, path FROM inode ORDER BY nodeid")]
raw = open(csv_path, "rb").read()
# every record ends in CRLF (outside quotes, a bare LF never ends one)
assert raw.endswith(b"\r\n"), "CSV does not end in CRLF"
text = raw.decode("utf-8", "surrogateescape")
got = list(csv.reader(io.StringIO(text, newline=""), strict=True))
assert got[0] == ["nodeid", "name", "path"], got[0]
assert len(got) == len(rows) + 1, (len(got), len(rows))
def b(x):
    return x.encode("utf-8", "surrogateescape")
hostile = 0
for (n, name, path), g in zip(rows, got[1:]):
    assert g[0] == n, (g, n)
    assert b(g[1]) == (name or b""), (g[1], name)
    assert b(g[2]) == (path or b""), (g[2], path)
    if name and any(ch in name for ch in (b"\x1b", b"\n", b'"', b",", b"\xff")):
        hostile += 1
assert hostile >= 6, "hostile names checked: %d" % hostile
print("ok: sql --csv: %d rows give back the recorded bytes (%d hostile names)" % (len(rows), hostile))
j = json.loads(open(json_path, "rb").read().decode("utf-8"))
assert len(j) == len(rows)
for (n, name, path), o in zip(rows, j):
    want = name.decode("utf-8", "replace") if name is not None else None
    if name is not None and want.encode("utf-8") == name:
        assert o["name"] == want, (o["name"], name)
    elif name is not None:
        # invalid UTF-8: each invalid byte as U+00XX
        assert o["name"].startswith("bad\u00ff\u00fe"), o["name"]
print("ok: sql --json: valid UTF-8 JSON, names exact, invalid bytes as \\u00XX")
PY
"$FUSETRACE" stats "$db" > "$FT_ROOT/stats.out" 2>&1 || ft_fail "stats failed"
clean "stats" "$FT_ROOT/stats.out"
# export: valid UTF-8 JSON (an invalid byte in a name is escaped, as sql
# --json does, not copied raw), no control bytes
for fmt in jsonl perfetto; do
	"$FUSETRACE" export "$db" --format=$fmt -o "$FT_ROOT/export.$fmt" > /dev/null 2>&1 \
		|| ft_fail "export --format=$fmt failed"
	clean "export --format=$fmt" "$FT_ROOT/export.$fmt"
	grep -q 'bad\\u00ff\\u00feutf8' "$FT_ROOT/export.$fmt" \
		|| ft_fail "export --format=$fmt: the invalid UTF-8 name is not escaped"
done
"$FX_PY" -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    json.loads(line)
json.load(open(sys.argv[2], encoding="utf-8"))' "$FT_ROOT/export.jsonl" "$FT_ROOT/export.perfetto" \
	|| ft_fail "export output is not valid UTF-8 JSON"
echo "ok: export: valid UTF-8 JSON, invalid bytes escaped"

# ---- view in a real terminal ----
if command -v tmux > /dev/null && command -v script > /dev/null; then
	sock=fx-names-$$
	FX_HOOKS+=("tmux -L $sock kill-server 2>/dev/null")
	raw=$FT_ROOT/view.raw
	tmux -L "$sock" -f /dev/null new-session -d -s v -x 200 -y 50 \
		"TERM=xterm-256color LC_ALL=C.UTF-8 script -qfec '$FUSETRACE view $db' $raw; echo VIEW-EXIT=\$? > $FT_ROOT/view.rc; sleep 60"
	title0=$(tmux -L "$sock" display -p -t v '#{pane_title}')
	sleep 2
	tmux -L "$sock" capture-pane -p -t v > "$FT_ROOT/screen0"
	for k in j j j j j j j j j j j j j j j j j j j j Enter G Tab; do tmux -L "$sock" send-keys -t v "$k"; sleep 0.1; done
	sleep 1
	tmux -L "$sock" capture-pane -p -t v > "$FT_ROOT/screen"
	title1=$(tmux -L "$sock" display -p -t v '#{pane_title}')
	tmux -L "$sock" send-keys -t v q
	for i in $(seq 1 50); do [ -s "$FT_ROOT/view.rc" ] && break; sleep 0.1; done
	tmux -L "$sock" kill-server 2>/dev/null
	grep -q 'VIEW-EXIT=0' "$FT_ROOT/view.rc" 2>/dev/null || ft_fail "view did not exit 0 on q: $(cat "$FT_ROOT/view.rc" 2>/dev/null)"
	[ "$title1" = "$title0" ] || ft_fail "view let a recorded name change the terminal title: '$title0' -> '$title1'"
	echo "ok: view: pane title unchanged ($title1)"
	LC_ALL=C grep -q $'\x1b\\]0;PWNED' "$raw" && ft_fail "view wrote the recorded OSC sequence raw to the terminal"
	LC_ALL=C grep -q $'\x1b\\[2J\x1b\\[Hclear' "$raw" && ft_fail "view wrote the recorded clear-screen sequence raw"
	LC_ALL=C grep -q $'bell\x07' "$raw" && ft_fail "view wrote a recorded BEL raw"
	grep -q '\\x1b\[31mRED\|\^\[\[31mRED' "$FT_ROOT/screen0" "$FT_ROOT/screen" || { head -20 "$FT_ROOT/screen0"; ft_fail "view does not show the escaped name"; }
	echo "ok: view: recorded sequences shown escaped, never written raw"
else
	ft_log "note: tmux or script missing: view not checked in a terminal"
fi
echo "names: hostile names recorded intact, displayed safely everywhere"
