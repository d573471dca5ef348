#!/bin/bash
# tests/viewer/run.sh CASE — drive the real viewer in tmux and assert on the
# rendered screen.  Environment (set by viewer/meson.build):
#   VIEWER     viewer-main (same code as `fusetrace view`)
#   GENDB      fusetrace-gendb
#   FUSETRACE  the fusetrace binary (case real-recording)
# Exits 0 pass, 1 fail, 77 when tmux is missing.
set -u
CASE=${1:?usage: run.sh CASE}
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }

D=$(mktemp -d /tmp/fusetrace-viewer-test.XXXXXX)
T="tmux -S $D/sock"
BG_PIDS=()
cleanup() {
    $T kill-server 2>/dev/null
    for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    if [ -n "${MNT_CLEANUP:-}" ]; then umount -l "$MNT_CLEANUP" 2>/dev/null; fi
    rm -rf "$D"
}
trap cleanup EXIT

screen() { $T capture-pane -p -t t 2>/dev/null; }
# viewer_threads: what each thread of the viewer in the pane is doing (its
# name, state and kernel wait, and with gdb its stack), so a failure that
# is a hang says where it hangs.  The viewer (viewer-main, or `fusetrace
# view`) is the pane shell's child.
# viewer_pid: the pid of the viewer running in the pane (none: nothing).
viewer_pid() {
    local sh_pid pid exe
    sh_pid=$($T list-panes -t t -F '#{pane_pid}' 2>/dev/null | head -1)
    [ -n "$sh_pid" ] || return 0
    for pid in $(cat /proc/"$sh_pid"/task/*/children 2>/dev/null); do
        exe=$(readlink /proc/"$pid"/exe 2>/dev/null)
        [ "$exe" = "$(readlink -f "$VIEWER")" ] || [ "$exe" = "$(readlink -f "${FUSETRACE:-/}")" ] || continue
        echo "$pid"
    done
}
viewer_threads() {
    local pid tid
    for pid in $(viewer_pid); do
        echo "----- viewer pid $pid: threads -----"
        for tid in $(ls /proc/"$pid"/task 2>/dev/null); do
            printf '%s %s state=%s wchan=%s syscall=%s\n' "$tid" "$(cat /proc/"$pid"/task/"$tid"/comm 2>/dev/null)" \
                "$(awk '{print $3}' /proc/"$pid"/task/"$tid"/stat 2>/dev/null)" \
                "$(cat /proc/"$pid"/task/"$tid"/wchan 2>/dev/null)" \
                "$(cut -d' ' -f1 /proc/"$pid"/task/"$tid"/syscall 2>/dev/null)"
        done
        if command -v gdb >/dev/null 2>&1; then
            timeout 60 gdb -q -batch -p "$pid" -ex 'thread apply all bt' 2>/dev/null | grep -E '^(Thread|#)'
        fi
    done
}
fail() {
    echo "FAIL [$CASE]: $*"
    echo "----- screen -----"
    screen
    echo "------------------"
    viewer_threads
    exit 1
}
# wait_for REGEX [seconds]: poll the screen until it matches
wait_for() {
    local i=0 max=$(( ${2:-10} * 20 ))
    while [ $i -lt $max ]; do
        screen | grep -Eq -- "$1" && return 0
        sleep 0.05; i=$((i + 1))
    done
    fail "timeout waiting for /$1/"
}
# wait_gone REGEX [seconds]: poll until the screen no longer matches
wait_gone() {
    local i=0 max=$(( ${2:-10} * 20 ))
    while [ $i -lt $max ]; do
        screen | grep -Eq -- "$1" || return 0
        sleep 0.05; i=$((i + 1))
    done
    fail "still showing /$1/"
}
# region LINE_FROM LINE_TO: lines of the screen (1-based)
region() { screen | sed -n "$1,$2p"; }
keys() { $T send-keys -t t "$@"; }
# lit TEXT: type TEXT literally (a lone ";" is tmux's command separator)
lit() { if [ "$1" = ";" ]; then $T send-keys -t t '\;'; else $T send-keys -t t -l -- "$1"; fi; }
# start COMMAND...: run it in a fresh tmux session, 120x40 unless
# SIZE_X/SIZE_Y say otherwise
start() {
    $T kill-server 2>/dev/null
    rm -f "$D/sock"
    $T -f /dev/null new-session -d -s t -x "${SIZE_X:-120}" -y "${SIZE_Y:-40}" -e LANG=C.UTF-8 -e TERM=tmux-256color \
        "$*; echo VIEWER_EXIT=\$?; sleep 600" || fail "tmux new-session"
}
view() { start "$VIEWER $(printf '%q ' "$@")"; }
# q SQL: first row of a query on $DB, columns joined by |
q() {
    python3 - "$DB" "$1" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
r = c.execute(sys.argv[2]).fetchone()
print("" if r is None else "|".join("" if x is None else str(x) for x in r))
EOF
}
# gen ARGS... DB: a synthetic recording; N = its number of requests
gen() {
    "$GENDB" -q "$@" || fail "gendb $*"
    N=$(DB="${@: -1}" q "SELECT max(id) FROM request")
}
timeline() { region 3 17; }     # the timeline rows at 120x40
# tl FIELD: the value of FIELD in each timeline row on screen (120x40 layout)
tl() {
    screen | python3 -c '
import re, sys
cols = dict(op=(25, 37), nodeid=(37, 45), proc=(45, 59), path=(59, 83), result=(98, 110), latency=(110, 200))
a, b = cols[sys.argv[1]]
for i, l in enumerate(sys.stdin):
    if 2 <= i <= 16 and re.match(r"^. +[0-9]+\.[0-9]{6} ", l):
        print(l.rstrip("\n")[a:b].strip())
' "$1"
}
# all_rows FIELD REGEX WHAT: there are rows, and every row's FIELD matches
all_rows() {
    local vals
    vals=$(tl "$1")
    [ -n "$vals" ] || fail "$3: no rows on screen"
    if echo "$vals" | grep -Evq -- "$2"; then
        fail "$3: row $1 not matching /$2/: $(echo "$vals" | grep -Ev -- "$2" | head -3 | tr '\n' ' ')"
    fi
}
cursor_line() { screen | grep -E '^#[0-9]+ [A-Z_]+ +unique' | head -1; }
# stats_compare KIND STATS_OUTPUT SCREEN: the screen's table rows are the first
# rows of the stats table, in order, with the same numbers
stats_compare() {
    python3 - "$@" <<'PY' || fail "the viewer's $1 table differs from fusetrace stats --by=$1"
import sys
kind, cli_path, scr_path = sys.argv[1:4]
norm = lambda v: v.replace('µs', 'us')
cli = []
for line in open(cli_path, encoding='utf-8').read().splitlines()[1:]:
    if kind == 'file':                  # numbers, then the path
        f = line.split(None, 9)
        cli.append((f[9], [norm(x) for x in f[:9]]))
    else:                               # a 22-column "pid comm", then numbers
        cli.append((line[2:24].rstrip(), [norm(x) for x in line[24:].split()]))
rows = []
for line in open(scr_path, encoding='utf-8').read().splitlines():
    f = line.split()
    if kind == 'file' and len(f) >= 10 and f[0].startswith(('/', '…', '(')) and f[1].isdigit():
        rows.append((f[0], [norm(x) for x in f[1:10]]))
    elif kind == 'process' and len(f) >= 11 and f[0].isdigit() and f[2].isdigit():
        rows.append((f'{f[0]} {f[1]}', [norm(x) for x in f[2:11]]))
if len(rows) < 5:
    print(f'only {len(rows)} {kind} rows on the screen'); sys.exit(1)
for i, (key, nums) in enumerate(rows):
    ckey, cnums = cli[i]
    if key != ckey or nums != cnums:
        print(f'row {i + 1}: viewer {key} {nums}, stats {ckey} {cnums}'); sys.exit(1)
print(f'ok: {kind}: the first {len(rows)} of {len(cli)} rows agree (key, count, errors, p50, p95, p99, max, avg, total, bytes)')
PY
}

case "$CASE" in

first-screen)
    DB=$D/s.db; gen -n 3000 "$DB"
    view "$DB"
    wait_for 'fusetrace view .*s\.db +\[complete\]'
    wait_for 'time s +delta +op +nodeid +pid/proc +path +args +result +latency'
    wait_for "#1/$N +0%"
    wait_for 'INIT'
    wait_for '^#1 INIT +unique'
    wait_for 'inodes at \+0\.000000s after #1'
    wait_for 'Help.*Quit'
    region 3 17 | grep -q 'LOOKUP' || fail "no LOOKUP in the first screen"
    keys j j
    wait_for "#3/$N"
    keys G
    wait_for "#$N/$N 100%"
    wait_for '— end —'
    keys q
    wait_for 'VIEWER_EXIT=0'
    ;;

detail)
    DB=$D/s.db; gen -n 3000 "$DB"
    ID=$(q "SELECT id FROM request WHERE opcode = 35 ORDER BY id LIMIT 1")
    NAME=$(q "SELECT name FROM request WHERE id = $ID")
    FH=$(q "SELECT r.fh FROM reply r JOIN request q USING (unique_id) WHERE q.id = $ID")
    view "$DB"
    wait_for "#1/$N"
    keys :; lit "#$ID"; keys Enter
    wait_for "^#$ID CREATE +unique"
    wait_for "nodeid [0-9]+ /mod[0-9]+/$NAME"
    wait_for 'request fields'
    wait_for "name=$NAME"
    wait_for 'flags=O_WRONLY\|O_CREAT\|O_TRUNC'
    wait_for 'reply fields'
    wait_for 'inode events'
    wait_for 'NEW +CREATE +node'
    wait_for 'fh events'
    wait_for "CREATE +fh $FH .*created"
    wait_for 'backing syscalls'
    wait_for 'openat\(fd'
    wait_for 'latency split: backend .*daemon\+kernel'
    # the state pane shows the new inode and the open fh created here
    wait_for "\* +[0-9]+ +1 handle +[^ ]+ +/mod[0-9]+/$NAME"
    wait_for "fh $FH .*created"
    ;;

forget)
    DB=$D/s.db; gen -n 3000 "$DB"
    # a FORGET of a temporary: the inode exists right before, is gone after
    F=$(q "SELECT q.id FROM request q JOIN inode i ON i.nodeid = q.nodeid WHERE q.opcode = 2 AND i.name LIKE 'tmp_%' ORDER BY q.id LIMIT 1")
    NODE=$(q "SELECT nodeid FROM request WHERE id = $F")
    P=$(q "SELECT path FROM inode WHERE nodeid = $NODE")
    view "$DB"
    wait_for "#1/$N"
    keys :; lit "#$((F - 1))"; keys Enter
    wait_for "^#$((F - 1)) "
    wait_for "inodes at .* after #$((F - 1))"
    wait_for " $NODE +1 handle +[^ ]+ +$P"
    keys j
    wait_for "^#$F FORGET"
    wait_for "inodes at .* after #$F"
    wait_for "x +$NODE +freed +by this request +$P"
    screen | grep -Eq " $NODE +1 handle +[^ ]+ +$P" && fail "inode $NODE still in the table after its FORGET"
    wait_for 'UNREF +FORGET'
    wait_for 'FREE +FORGET'
    # and back: the inode reappears
    keys k
    wait_for " $NODE +1 handle +[^ ]+ +$P"
    ;;

playback)
    DB=$D/s.db; gen -n 3000 "$DB"
    view "$DB"
    wait_for "#1/$N +0%.*PAUSE"
    keys Space
    wait_for 'PLAY ×1 as recorded'
    # the session lasts ~0.12 s: at x1 it reaches the end by itself
    wait_for "#$N/$N 100%" 10
    wait_for 'playback reached the end'
    keys g
    wait_for "#1/$N"
    keys - - - -                   # x0.1 ... slowest steps
    wait_for 'PAUSE ×0.1'
    keys Space
    wait_for 'PLAY ×0.1'
    # advances, but far from the end within a second
    wait_for "#([2-9]|[1-9][0-9]+)/$N"
    keys Space
    wait_for 'PAUSE ×0.1'
    A=$(screen | grep -Eo "#[0-9]+/$N" | head -1)
    A=${A%/$N}; A=${A#\#}
    keys ']'
    # poll for the redraw: reading the screen at once races with it
    wait_for "#$((A + 1))/$N"
    keys '['
    wait_for "#$A/$N"
    keys + + + + + + + + + + + + +
    wait_for 'PAUSE ×1000'
    ;;

filters)
    DB=$D/s.db; gen -n 5000 "$DB"
    view "$DB"
    wait_for "#1/$N"
    keys f; wait_for 'filter by:'
    keys o; wait_for 'filter op'
    lit READ; keys Enter
    wait_for 'FILTER op=READ'
    all_rows op '^READ$' "op filter"
    keys c; wait_for 'filters cleared'
    keys f e; lit ENOENT; keys Enter
    wait_for 'FILTER errno=ENOENT'
    wait_for 'LOOKUP .*ENOENT'
    all_rows result '^ENOENT$' "errno filter"
    [ "$(tl result | wc -l)" -ge 10 ] || fail "errno filter: too few rows"
    keys c; wait_for 'filters cleared'
    keys f p; lit cat; keys Enter
    wait_for 'FILTER proc=cat'
    all_rows proc '^4280 cat$' "process filter"
    keys c f p; lit 4242; keys Enter
    wait_for 'FILTER proc=4242'
    all_rows proc '^4242 make$' "pid filter"
    keys c f a; lit /mod007/; keys Enter
    wait_for 'FILTER path\^=/mod007/'
    wait_for '/mod007/'
    all_rows path '^/mod007/' "path prefix filter"
    keys c f s; lit file_0042; keys Enter
    wait_for 'FILTER path~=file_0042'
    all_rows path 'file_0042' "substring filter"
    NODE=$(q "SELECT nodeid FROM request WHERE opcode = 15 ORDER BY id LIMIT 1")
    keys c f n; lit "$NODE"; keys Enter
    wait_for "FILTER nodeid=$NODE"
    paste <(tl nodeid) <(tl result) | grep -Evq "^$NODE	|	node $NODE\$" && fail "nodeid filter"
    all_rows nodeid '^[0-9]+$' "nodeid filter"
    keys c f l; lit 1ms; keys Enter
    wait_for 'FILTER lat>=1ms'
    wait_for '[0-9]ms *$'
    all_rows latency '^[0-9.]+ms$' "latency filter"
    keys c f x; lit "opcode = 3"; keys Enter
    wait_for 'FILTER sql=opcode = 3'
    all_rows op '^GETATTR$' "SQL filter"
    # a broken SQL expression is refused, with SQLite's reason
    keys f x; keys C-u; lit "no_such_column = 1"; keys Enter
    wait_for 'filter rejected: no such column'
    wait_for 'FILTER sql=opcode = 3'
    # AND of two filters
    keys c f o; lit LOOKUP; keys Enter
    keys f p; lit make; keys Enter
    wait_for 'FILTER op=LOOKUP & proc=make'
    all_rows op '^LOOKUP$' "AND of filters (op)"
    all_rows proc '^4242 make$' "AND of filters (proc)"
    keys c
    wait_for 'filters cleared'
    screen | grep -q FILTER && fail "status still shows a filter"
    ;;

jumps)
    DB=$D/s.db; gen -n 5000 "$DB"
    E1=$(q "SELECT id FROM op WHERE errno <> 0 ORDER BY id LIMIT 1")
    E2=$(q "SELECT id FROM op WHERE errno <> 0 ORDER BY id LIMIT 1 OFFSET 1")
    S1=$(q "SELECT id FROM op WHERE latency_ns >= 1000000 ORDER BY id LIMIT 1")
    S2=$(q "SELECT id FROM op WHERE latency_ns >= 1000000 ORDER BY id LIMIT 1 OFFSET 1")
    view "$DB"
    wait_for "#1/$N"
    keys e;  wait_for "^#$E1 "
    keys e;  wait_for "^#$E2 "
    keys E;  wait_for "^#$E1 "
    cursor_line >/dev/null
    wait_for 'reply: E[A-Z]+ \(errno'
    keys g s; wait_for "^#$S1 "
    wait_for 'reply: ok after [0-9.]+ms'
    keys s;  wait_for "^#$S2 "
    keys S;  wait_for "^#$S1 "
    # same nodeid
    keys g
    wait_for '^#1 INIT'
    keys j j
    wait_for '^#3 '
    NN=$(q "SELECT nodeid FROM request WHERE id = 3")
    O1=$(q "SELECT id FROM request WHERE nodeid = $NN AND id > 3 ORDER BY ts, id LIMIT 1")
    keys o; wait_for "^#$O1 "
    keys O; wait_for "^#3 "
    # search and n/N
    SR=$(q "SELECT id FROM op WHERE instr(name, 'file_0100') > 0 OR instr(path, 'file_0100') > 0 ORDER BY id LIMIT 2")
    SR1=$(q "SELECT id FROM op WHERE instr(name, 'file_0100') > 0 OR instr(path, 'file_0100') > 0 ORDER BY id LIMIT 1")
    SR2=$(q "SELECT id FROM op WHERE instr(name, 'file_0100') > 0 OR instr(path, 'file_0100') > 0 ORDER BY id LIMIT 1 OFFSET 1")
    : "$SR"
    keys g /; lit file_0100; keys Enter
    wait_for "^#$SR1 "
    keys n; wait_for "^#$SR2 "
    keys N; wait_for "^#$SR1 "
    # go to a time: 0.05 s into the session
    T50=$(q "SELECT min(id) FROM request WHERE ts >= (SELECT min(ts) FROM request) + 50000000")
    keys :; lit 0.05; keys Enter
    wait_for "^#$T50 "
    ;;

stats)
    DB=$D/s.db; gen -n 5000 "$DB"
    N_LOOKUP=$(q "SELECT count(*) FROM request WHERE opcode = 1")
    view "$DB"
    wait_for "#1/$N"
    keys i
    wait_for 'Statistics — whole session'
    wait_for 'op +count +errors +p50 +p95 +p99 +max +avg +total +bytes'
    wait_for "LOOKUP +$N_LOOKUP "
    wait_for 'latency histogram: LOOKUP'
    wait_for '>= +[0-9.]+µs +[0-9]+ ■'
    wait_for 'latency over time'
    keys j
    wait_for 'latency histogram: READ'
    keys k Enter
    wait_for 'FILTER op=LOOKUP'
    all_rows op '^LOOKUP$' "stats Enter filters to LOOKUP"
    keys i q
    wait_for 'FILTER op=LOOKUP'
    # Esc leaves the statistics view too (it used to be swallowed as
    # "cancel a search")
    keys i
    wait_for 'Statistics — whole session'
    keys Escape
    wait_gone 'Statistics — whole session'
    wait_for 'FILTER op=LOOKUP'
    ;;

help-80x24)
    # In an 80x24 terminal the help shows every key of the table (the
    # timeline's and the statistics view's), each description whole
    # (wrapped, never cut: no "…"), scrolling with j.
    DB=$D/s.db; gen -n 500 "$DB"
    SIZE_X=80 SIZE_Y=24 view "$DB"
    wait_for "#1/$N"
    keys '?'
    wait_for 'fusetrace view — keys 1-20/[0-9]+'
    : > "$D/help.txt"
    for i in $(seq 1 40); do
        screen >> "$D/help.txt"
        screen | grep -q 'leave the statistics view' && break
        keys j; sleep 0.1
    done
    grep -q 'leave the statistics view' "$D/help.txt" || fail "the last key is never shown"
    # the popup's inside (between its borders; the timeline shows around it)
    grep '│' "$D/help.txt" | sed 's/^[^│]*│//; s/│.*$//' > "$D/inside.txt"
    grep -q '…' "$D/inside.txt" && fail "a help line is cut"
    for k in 'j k  Down Up' 'PgDn PgUp  ^F ^B' 'g G  Home End' '/ n N' 'e E' 's S' 'w W' 'o O' 'Tab S-Tab' 'Enter' \
             'Space p' '+ - =' '] [' 'F ' 'f ' 'c ' 'i ' '; ' 'v ' '?  F1' 'Esc' '^L' 'q ' 'o f p' 'q i Esc'; do
        sed 's/^ *//' "$D/inside.txt" | awk -v k="$k" 'index($0, k) == 1 { f = 1 } END { exit !f }' \
            || fail "key '$k' not in the help"
    done
    # the words of a long description all arrive (wrapped, in order)
    tr -s ' \n' ' ' < "$D/inside.txt" | grep -q 'l min latency, x SQL expression over op' \
        || fail "the filter menu's description is cut"
    keys x
    wait_gone 'fusetrace view — keys'
    keys q
    wait_for 'VIEWER_EXIT=0'
    ;;

screens-200-80)
    # A value that does not fit is cut with an ellipsis, never shown as a
    # shorter value.  At 200 columns the statistics table fits: no row is
    # cut.  At 80x24 every row of it is wider than the screen: each one
    # ends in "…" (a number cut short would end in a digit).
    DB=$D/s.db; gen -n 3000 "$DB"
    SIZE_X=200 SIZE_Y=50 view "$DB"
    wait_for "#1/$N"
    keys i
    wait_for 'Statistics — whole session'
    wait_gone 'indexing' 30
    wait_for 'LOOKUP +[0-9]+ +[0-9]+ '
    screen | grep -E '^ [A-Z_]+ +[0-9]+ +[0-9]+ ' | grep -q '…' && fail "a statistics row is cut at 200 columns"
    R=$(screen | grep -Ec '^ [A-Z_]+ +[0-9]+ +[0-9]+ +[0-9.]+(ns|µs|ms|s) ')
    [ "$R" -ge 8 ] || fail "only $R statistics rows at 200 columns"
    echo "ok: 200 columns: $R statistics rows, none cut"
    keys q q
    wait_for 'VIEWER_EXIT=0'
    SIZE_X=80 SIZE_Y=24 view "$DB"
    wait_for "#1/$N"
    keys i
    wait_for 'Statistics'
    wait_gone 'indexing' 30
    wait_for 'LOOKUP +[0-9]+ +[0-9]+ '
    rows=$(screen | grep -E '^ [A-Z_]+ +[0-9]+ +[0-9]+ ')
    [ -n "$rows" ] || fail "no statistics rows at 80x24"
    echo "$rows" | grep -vq '…$' && fail "a statistics row cut at 80 columns without an ellipsis: $(echo "$rows" | grep -v '…$' | head -1)"
    echo "ok: 80x24: $(echo "$rows" | wc -l) statistics rows, each cut with an ellipsis"
    # the timeline at 80x24: the status bar ends whole or with "…"
    keys q
    wait_for "#1/$N"
    keys q
    wait_for 'VIEWER_EXIT=0'
    ;;

stats-agree)
    # The viewer's statistics view and `fusetrace stats --by=op` on the
    # same file: the same columns with the same numbers for every op the
    # view shows; FORGET counted with "-" for latency (never 0 ns).
    DB=$D/s.db; gen -n 5000 "$DB"
    "$FUSETRACE" stats --by=op --top 0 "$DB" > "$D/stats.txt" || fail "fusetrace stats --by=op failed"
    view "$DB"
    wait_for "#1/$N"
    keys i
    wait_for 'Statistics — whole session'
    wait_gone 'indexing' 30
    wait_for 'FORGET +[0-9]+ +0 +- +- +- +- +- +- +0'
    screen > "$D/view.txt"
    python3 - "$D/stats.txt" "$D/view.txt" <<'PY' || fail "the viewer's statistics differ from fusetrace stats"
import re, sys
norm = lambda v: v.replace('µs', 'us')
cli = {}
for line in open(sys.argv[1]).read().splitlines()[1:]:
    f = line.split()
    if len(f) == 10:
        cli[f[0]] = [norm(x) for x in f[1:]]
seen = 0
for line in open(sys.argv[2]).read().splitlines():
    f = line.split()
    if len(f) >= 10 and f[0] in cli:
        got = [norm(x) for x in f[1:10]]
        if got != cli[f[0]]:
            print(f'{f[0]}: viewer {got} stats {cli[f[0]]}')
            sys.exit(1)
        seen += 1
if seen < 8 or 'FORGET' not in cli:
    print(f'only {seen} ops compared')
    sys.exit(1)
print(f'ok: {seen} ops agree on count, errors, p50, p95, p99, max, avg, total, bytes')
PY
    ;;

stats-by)
    # The statistics view by file (f) and by process (p): exactly the rows
    # `fusetrace stats --by=file` / `--by=process` print, in their order,
    # with the same count, errors, p50, p95, p99, max, avg, total and bytes;
    # the histogram follows the selected row; Enter filters the timeline to
    # it; o goes back to the ops; 80x24 still shows the table (rows cut
    # with "…", a path keeping its end) and the histogram.
    DB=$D/s.db; gen -n 5000 "$DB"
    "$FUSETRACE" stats --by=file --top 0 "$DB" > "$D/file.txt" || fail "fusetrace stats --by=file failed"
    "$FUSETRACE" stats --by=process --top 0 "$DB" > "$D/process.txt" || fail "fusetrace stats --by=process failed"
    SIZE_X=200 SIZE_Y=50 view "$DB"
    wait_for "#1/$N"
    keys i
    wait_for 'Statistics — whole session, by op'
    keys f
    wait_for 'Statistics — whole session, by file'
    wait_for 'latency histogram: /'
    screen > "$D/view-file.txt"
    stats_compare file "$D/file.txt" "$D/view-file.txt"
    # the histogram is the selected row's: the third file after j j
    F3=$(sed -n 4p "$D/file.txt" | awk '{ print $10 }'); C3=$(sed -n 4p "$D/file.txt" | awk '{ print $1 }')
    R3=$(q "SELECT count(latency_ns) FROM op WHERE file = '$F3'")
    keys j j
    wait_for "latency histogram: $F3 \\($R3 replies\\)"
    echo "ok: the histogram follows the selected file ($F3: $C3 requests, $R3 replies)"
    keys p
    wait_for 'Statistics — whole session, by process'
    wait_for 'latency histogram: [0-9]+ '
    screen > "$D/view-process.txt"
    stats_compare process "$D/process.txt" "$D/view-process.txt"
    keys o
    wait_for 'Statistics — whole session, by op'
    wait_for 'LOOKUP +[0-9]+ +[0-9]+ '
    # Enter on a file: the timeline shows exactly that file's requests
    # (the table is read again in the background: Enter once it is there)
    keys f
    wait_for 'Statistics — whole session, by file'
    wait_for 'latency histogram: /'
    keys Enter
    F1=$(sed -n 2p "$D/file.txt" | awk '{ print $10 }'); NF=$(sed -n 2p "$D/file.txt" | awk '{ print $1 }')
    wait_for "FILTER sql=file = '$F1'"
    wait_for '— end —'
    got=$(screen | sed '/— end —/q' | grep -Ec '^[ »] +[0-9]+\.[0-9]{6} ')
    [ "$NF" -le 10 ] || fail "the first file has $NF requests: more than the check counts on one screen"
    [ "$got" = "$NF" ] || fail "Enter on $F1: $got requests on the timeline, stats --by=file counts $NF"
    echo "ok: Enter on the first file ($F1) filters the timeline to its $NF requests"
    keys q
    wait_for 'VIEWER_EXIT=0'
    # 80x24: the table and the histogram still fit; each row cut with "…"
    SIZE_X=80 SIZE_Y=24 view "$DB"
    wait_for "#1/$N"
    keys i
    wait_for 'Statistics'
    keys f
    wait_for 'latency histogram: /'
    rows=$(screen | grep -E '^ (…|/)[^ ]* +[0-9]+ +[0-9]+ ')
    [ "$(echo "$rows" | wc -l)" -ge 3 ] || fail "fewer than 3 file rows at 80x24"
    echo "$rows" | grep -vq '…$' && fail "a file row cut at 80 columns without an ellipsis"
    tail1=$(sed -n 2p "$D/file.txt" | awk '{ print $10 }')
    first=$(echo "$rows" | head -1 | awk '{ print $1 }')
    case "$tail1" in *"${first#…}") ;; *) fail "the first row's path '$first' is not the end of '$tail1'";; esac
    echo "ok: 80x24: $(echo "$rows" | wc -l) file rows (the first '$first'), each cut with an ellipsis, and the histogram"
    keys p
    wait_for 'latency histogram: [0-9]+ '
    keys q q
    wait_for 'VIEWER_EXIT=0'
    ;;

stats-cut)
    # Many files: the statistics view keeps the first 1000 groups by total
    # latency (a 10 M-request session has hundreds of thousands of files),
    # and says so with the number there are; those rows are exactly the
    # first rows of `fusetrace stats --by=file`.  `stats --top N` holds at
    # most 2N groups while reading, cutting back as it goes: its N rows
    # are still the first N of --top 0 and it counts the rest exactly.
    # The table is read on a thread of its own: a table asked for while
    # another is being read replaces it (f p f), and the view ends up with
    # the one asked for last.
    DB=$D/s.db; gen -n 40000 "$DB"
    "$FUSETRACE" stats --by=file --top 0 "$DB" > "$D/file.txt" || fail "fusetrace stats --by=file failed"
    NG=$(( $(wc -l < "$D/file.txt") - 1 ))
    [ "$NG" -gt 2000 ] || fail "only $NG file groups: the case needs more than the view keeps"
    "$FUSETRACE" stats --by=file --top 7 "$DB" > "$D/top7.txt" || fail "fusetrace stats --by=file --top 7 failed"
    [ "$(sed -n 2,8p "$D/top7.txt")" = "$(sed -n 2,8p "$D/file.txt")" ] \
        || fail "stats --by=file --top 7: not the first 7 rows of --top 0"
    grep -qx "  ($((NG - 7)) more; --top 0 shows all)" "$D/top7.txt" \
        || fail "stats --by=file --top 7: '$(tail -1 "$D/top7.txt")', want $((NG - 7)) more"
    echo "ok: stats --top 7 of $NG file groups: the first 7 rows of --top 0, $((NG - 7)) more counted"
    SIZE_X=200 SIZE_Y=50 view "$DB"
    wait_for "#1/$N"
    keys i
    wait_for 'Statistics — whole session, by op'
    keys f p f
    wait_for "Statistics — whole session, by file \\(the first 1000 of $NG\\)" 60
    wait_for 'latency histogram: /'
    screen > "$D/view-file.txt"
    stats_compare file "$D/file.txt" "$D/view-file.txt"
    # G: the last row kept is the 1000th of stats --by=file
    keys G
    F1000=$(sed -n 1001p "$D/file.txt" | awk '{ print $10 }')
    wait_for "latency histogram: $F1000 \\("
    echo "ok: the view keeps the first 1000 of $NG files; its last row is the 1000th of stats --by=file"
    keys p
    wait_for 'Statistics — whole session, by process'
    wait_for 'latency histogram: [0-9]+ ' 60
    keys q q
    wait_for 'VIEWER_EXIT=0'
    ;;

kernel-side)
    # A recording with the kernel's side: the detail pane splits a request's
    # time into queue / daemon / backing / return, the state pane shows the
    # kernel's queue at the cursor, the statistics view the queue times.
    DB=$D/k.db; gen --kernel -n 3000 "$DB"
    ID=$(q "SELECT s.request_id FROM latency_split s JOIN backing_call b USING (unique_id)
            WHERE s.op = 'LOOKUP' AND s.request_id > 100 ORDER BY s.request_id LIMIT 1")
    dur() { python3 -c '
import sys
v = int(sys.argv[1]); a = abs(v); s = "-" if v < 0 else ""
print(s + ("%dns" % a if a < 1000 else "%.1fµs" % (a / 1e3) if a < 1e6 else "%.2fms" % (a / 1e6) if a < 1e9 else "%.3fs" % (a / 1e9)))' "$1"; }
    IFS='|' read -r QN DN BN RN TN < <(q "SELECT queue_ns, daemon_ns, backing_ns, return_ns, total_ns
                                          FROM latency_split WHERE request_id = $ID")
    # a cursor where the kernel holds requests queued: computed here from the
    # tables, the way the view documents it
    KQ=$(python3 - "$DB" <<'PYEOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for (i, ts) in c.execute("SELECT id, ts FROM request WHERE id > 50 AND opcode NOT IN (2, 36, 41, 42) ORDER BY id LIMIT 2000"):
    read = c.execute("SELECT max(unique_id) FROM request WHERE id <= ? AND opcode NOT IN (2, 36, 41, 42)", (i,)).fetchone()[0]
    n = c.execute("SELECT count(*) FROM kernel_send k WHERE k.unique_id > ? AND k.ts <= ? AND NOT EXISTS "
                  "(SELECT 1 FROM kernel_end e WHERE e.unique_id = k.unique_id AND e.ts <= ?)", (read, ts, ts)).fetchone()[0]
    if n:
        print(i, n)
        break
PYEOF
)
    read -r KQ_ID KQ_N <<< "$KQ"
    [ -n "$KQ_ID" ] || fail "no cursor with a kernel queue in the synthetic recording"
    view "$DB"
    wait_for "#1/$N"
    keys :; lit "#$ID"; keys Enter
    wait_for "^#$ID LOOKUP +unique"
    wait_for "latency split: the caller waited $(dur "$TN")"
    wait_for "queue +$(dur "$QN") +the kernel queued it"
    wait_for "daemon +$(dur "$DN") +read -> reply written"
    wait_for "backing +$(dur "$BN") +of that"
    wait_for "return +$(dur "$RN") +reply written -> the caller woke"
    keys :; lit "#$KQ_ID"; keys Enter
    wait_for "^#$KQ_ID [A-Z]+ +unique"
    wait_for "in flight at \+[0-9.]+s: [0-9]+ served, kernel queue $KQ_N "
    wait_for "queued in the kernel: [A-Z]+ +for "
    wait_for "» #[0-9]+ [A-Z]+ +worker [0-9]+ for"
    keys i
    wait_for 'Statistics — whole session'
    wait_for 'op +count +errors +p50 +p95 +p99 +max +avg +total +queue p50 +queue p99'
    wait_for 'LOOKUP +[0-9]+ +[0-9]+ .* [0-9.]+µs +[0-9.]+µs *$'
    ;;

sql)
    DB=$D/s.db; gen -n 3000 "$DB"
    C1=$(q "SELECT id FROM op WHERE op = 'CREATE' ORDER BY id LIMIT 1 OFFSET 1")
    U=$(q "SELECT unique_id FROM request WHERE opcode = 16 ORDER BY id LIMIT 1")
    UID_ID=$(q "SELECT id FROM request WHERE unique_id = $U")
    view "$DB"
    wait_for "#1/$N"
    lit ';'
    wait_for 'sql>'
    lit "SELECT id, op, path FROM op WHERE op = 'CREATE' ORDER BY id LIMIT 3"; keys Enter
    wait_for '3 rows in [0-9.]+ ms'
    wait_for 'Enter: jump'
    wait_for "^$C1 +CREATE"
    keys j Enter
    wait_for "^#$C1 CREATE +unique"
    # unique_id from another table also names a request
    lit ';'
    lit "SELECT unique_id, call, dur_ns FROM backing WHERE unique_id = $U"; keys Enter
    wait_for '1 row in'
    keys Enter
    wait_for "^#$UID_ID WRITE"
    # errors and read-only
    lit ';'; lit "SELEC nonsense"; keys Enter
    wait_for 'syntax error'
    keys q
    lit ';'; lit "DELETE FROM request"; keys Enter
    wait_for 'only read-only statements'
    keys q v
    wait_for 'only read-only statements'
    keys q
    wait_for "#[0-9]+/$N"
    ;;

help)
    DB=$D/s.db; gen -n 500 "$DB"
    view "$DB"
    wait_for "#1/$N"
    keys '?'
    wait_for 'fusetrace view — keys'
    wait_for 'next / previous error reply'
    wait_for 'follow a live recording'
    wait_for 'filter menu: o op'
    keys j j j j j j j j j j j j j j j j j j j j
    wait_for 'back to the timeline; quit from the timeline'
    keys x
    wait_gone 'fusetrace view — keys'
    keys q
    wait_for 'VIEWER_EXIT=0'
    ;;

resize)
    DB=$D/s.db; gen -n 2000 "$DB"
    view "$DB"
    wait_for "#1/$N"
    keys '?'
    wait_for 'fusetrace view — keys'
    $T resize-window -t t -x 40 -y 10
    wait_for 'terminal too small \(40x10\)'
    wait_for 'need 60x12'
    keys j j
    $T resize-window -t t -x 120 -y 40
    wait_for 'fusetrace view — keys'
    keys x
    wait_for "#1/$N"
    wait_for 'inodes at'
    $T resize-window -t t -x 70 -y 14
    wait_for "#1/$N"
    screen | grep -q 'inodes at' && fail "panes shown in a 14-line terminal"
    $T resize-window -t t -x 120 -y 40
    wait_for 'inodes at'
    keys q
    wait_for 'VIEWER_EXIT=0'
    ;;

odd-names)
    DB=$D/s.db; gen -n 3000 --odd-names "$DB"
    view "$DB"
    wait_for "#1/$N"
    keys /; lit evil; keys Enter
    # the escape sequence is shown as text, never interpreted
    wait_for 'evil\\x1b\[31mRED\\x1b\[0m\\t[0-9]+\\x07'
    $T capture-pane -p -e -t t | grep -q $'\x1b\[31mRED' && fail "a recorded escape sequence reached the terminal"
    keys g /; lit bad; keys Enter
    wait_for 'bad\\xff\\xfe[0-9]+\\nline'
    keys g /; lit données; keys Enter
    wait_for 'données_[0-9]+\.txt'
    keys g /; lit 日本語; keys Enter
    wait_for '日本語_[0-9]+\.md'
    ;;

follow)
    DB=$D/live.db
    "$GENDB" -q -n 500 --live 400 "$DB" > "$D/gen.out" &
    BG_PIDS+=($!)
    i=0; until grep -q LIVE "$D/gen.out" 2>/dev/null; do sleep 0.05; i=$((i+1)); [ $i -lt 400 ] || fail "gendb live never started"; done
    view "$DB"
    wait_for '\[recording, live\]'
    wait_for 'FOLLOW'
    # following is not pausing: the status bar says FOLLOW, never PAUSE
    screen | grep -q 'PAUSE' && fail "follow mode also says PAUSE"
    A=$(screen | grep -Eo '#[0-9]+/[0-9]+' | head -1); A=${A#\#}; A=${A%/*}
    # the cursor follows the end as rows arrive
    j=0
    while :; do
        B=$(screen | grep -Eo '#[0-9]+/[0-9]+' | head -1); B=${B#\#}; B=${B%/*}
        [ -n "$B" ] && [ "$B" -gt $((A + 50)) ] && break
        sleep 0.1; j=$((j+1)); [ $j -lt 100 ] || fail "follow did not advance past #$A"
    done
    # F turns following off: the position stays
    keys F
    wait_for 'follow off'
    wait_for 'PAUSE'
    sleep 0.5
    C=$(screen | grep -Eo '#[0-9]+/[0-9]+' | head -1); C=${C#\#}; C=${C%/*}
    sleep 1
    E=$(screen | grep -Eo '#[0-9]+/[0-9]+' | head -1); E=${E#\#}; E=${E%/*}
    [ "$C" = "$E" ] || fail "cursor moved with follow off ($C -> $E)"
    keys F
    wait_for 'follow on'
    wait "${BG_PIDS[0]}"; BG_PIDS=()
    DB=$D/live.db
    NF=$(q "SELECT max(id) FROM request")
    wait_for '\[complete\]' 15
    wait_for "#$NF/$NF" 10
    ;;

bad-input)
    printf 'hello, not a database\n' > "$D/text.db"
    : > "$D/empty.db"
    head -c 65536 /dev/urandom > "$D/random.db"
    DB=$D/good.db; gen -n 3000 "$DB"
    head -c $(( $(stat -c %s "$DB") / 2 )) "$DB" > "$D/truncated.db"
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("create table t(x)"); c.commit()' "$D/foreign.db"
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("create table session(id)"); c.execute("create table other(x)"); c.commit()' "$D/nosession.db"
    cp "$DB" "$D/future.db"
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("pragma user_version=99"); c.commit()' "$D/future.db"
    mkdir "$D/adir"
    check_bad() {   # check_bad FILE REGEX
        view "$1"
        wait_for "$2"
        wait_for 'VIEWER_EXIT=1'
        # one message (wrapped at 120 columns at most once), nothing else
        [ "$(screen | grep -c .)" -le 3 ] || fail "more than a message and the exit line"
        screen | head -1 | grep -q '^fusetrace view: ' || fail "the message is not first on a clean screen"
    }
    check_bad "$D/missing.db" 'fusetrace view: .*missing\.db: no such file'
    check_bad "$D/adir" 'adir: is a directory, not a recording'
    check_bad "$D/empty.db" 'empty\.db: empty file'
    check_bad "$D/text.db" 'text\.db: not an SQLite database'
    check_bad "$D/random.db" 'random\.db: not an SQLite database'
    check_bad "$D/truncated.db" 'truncated\.db: (truncated|corrupt)'
    check_bad "$D/foreign.db" 'foreign\.db: an SQLite database, but not a fusetrace recording'
    check_bad "$D/nosession.db" 'nosession\.db: .*not a (fusetrace|usable)'
    check_bad "$D/future.db" 'future\.db: recorded by a newer fusetrace \(schema version 99'
    # a name with control characters: echoed escaped
    EVIL="$D/"$'ev\e[31mil\nname.db'
    view "$EVIL"
    wait_for 'ev\\x1b\[31mil\\nname\.db: no such file'
    wait_for 'VIEWER_EXIT=1'
    $T capture-pane -p -e -t t | grep -q $'\x1b\[31mil' && fail "control characters of a file name reached the terminal"
    cp "$DB" "$EVIL"
    view "$EVIL"
    wait_for 'fusetrace view .*ev\\x1b\[31mil\\nname\.db +\[complete\]'
    keys q
    wait_for 'VIEWER_EXIT=0'
    # usage errors: exit 2 with a hint
    start "$VIEWER"
    wait_for 'fusetrace view: missing DB'
    wait_for "Try 'fusetrace view --help'"
    wait_for 'VIEWER_EXIT=2'
    start "$VIEWER --frobnicate $DB"
    wait_for "unknown or incomplete option '--frobnicate'"
    wait_for 'VIEWER_EXIT=2'
    start "$VIEWER $DB $DB"
    wait_for 'one DB only'
    wait_for 'VIEWER_EXIT=2'
    start "$VIEWER --help"
    wait_for 'usage: fusetrace view \[OPTIONS\] DB'
    wait_for 'VIEWER_EXIT=0'
    ;;

incomplete)
    DB=$D/inc.db; gen -n 2000 --status incomplete --lost 17 --no-indexes "$DB"
    view "$DB"
    wait_for '\[incomplete\] +INCOMPLETE: recorder killed \(synthetic\)'
    wait_for 'lost 17'
    wait_for "#1/$N"
    # no secondary indexes: still navigable, detail and state still work
    ID=$(q "SELECT id FROM request WHERE opcode = 35 ORDER BY id LIMIT 1")
    keys :; lit "#$ID"; keys Enter
    wait_for "^#$ID CREATE"
    wait_for 'NEW +CREATE +node'
    keys o
    wait_for "^#[0-9]+ [A-Z]+ "
    keys G
    wait_for "#$N/$N"
    # a 'recording' row whose recorder is gone: reported as incomplete
    DB2=$D/dead.db; gen -n 500 --status recording "$DB2"
    view "$DB2"
    wait_for '\[incomplete\] +INCOMPLETE: the recorder stopped'
    wait_for "#1/$N"
    ;;

real-recording)
    [ -x "${FUSETRACE:-}" ] || fail "no fusetrace binary at '${FUSETRACE:-}'"
    SRC=$D/src; mkdir "$SRC"
    echo seed > "$SRC/existing.txt"
    DB=$D/real.db
    "$FUSETRACE" record --db "$DB" "$SRC" -- sh -c 'echo hello > made.txt; cat made.txt existing.txt >/dev/null; ls >/dev/null; cat nosuchfile 2>/dev/null; rm made.txt' \
        > "$D/record.out" 2>&1 || { cat "$D/record.out"; fail "fusetrace record failed"; }
    [ -s "$DB" ] || fail "no database recorded"
    C=$(q "SELECT id FROM op WHERE op = 'CREATE' AND name = 'made.txt' ORDER BY id LIMIT 1")
    [ -n "$C" ] || fail "the recording has no CREATE of made.txt"
    E=$(q "SELECT id FROM op WHERE name = 'nosuchfile' AND errno_name = 'ENOENT' ORDER BY id LIMIT 1")
    start "$FUSETRACE view $DB"
    wait_for 'fusetrace view .*real\.db +\[complete\]'
    wait_for 'INIT'
    keys :; lit "#$C"; keys Enter
    wait_for "^#$C CREATE"
    wait_for 'made\.txt'
    wait_for 'NEW +CREATE'
    wait_for 'backing syscalls'
    if [ -n "$E" ]; then
        keys g e
        wait_for "LOOKUP .*nosuchfile|ENOENT"
    fi
    keys i
    wait_for 'Statistics — whole session'
    wait_for 'LOOKUP'
    keys q q
    wait_for 'VIEWER_EXIT=0'
    ;;

passthrough)
    # A recording with a passthrough file: the state pane shows the inode's
    # mode and backing id while it is open, the detail pane of its OPEN
    # says that the data bypassed the recorder, and stats lists the open.
    [ -x "${FUSETRACE:-}" ] || fail "no fusetrace binary at '${FUSETRACE:-}'"
    SRC=$D/src; mkdir "$SRC"
    head -c 5000 /dev/zero > "$SRC/big.pt"
    DB=$D/pt.db
    "$FUSETRACE" record --db "$DB" --io-rule='*.pt:passthrough' "$SRC" -- sh -c 'cat big.pt >/dev/null; head -c 3000 /dev/zero >> big.pt' \
        > "$D/record.out" 2>&1 || { cat "$D/record.out"; fail "fusetrace record failed"; }
    O=$(q "SELECT o.id FROM op o JOIN fh_history f USING (unique_id) WHERE o.op = 'OPEN' AND f.io_mode = 'passthrough' ORDER BY o.id LIMIT 1")
    BID=$(q "SELECT backing_id FROM inode_history WHERE kind = 'BACKING_OPEN' ORDER BY id LIMIT 1")
    [ -n "$O" ] && [ -n "$BID" ] || fail "the recording has no passthrough OPEN ($O) or BACKING_OPEN ($BID)"
    start "$FUSETRACE view $DB"
    wait_for 'fusetrace view .*pt\.db +\[complete\]'
    keys :; lit "#$O"; keys Enter
    wait_for "^#$O OPEN"
    wait_for "\\* +[0-9]+ +[0-9]+ +handle.* P$BID +/big\\.pt"
    wait_for "passthrough: data not recorded \\(size at open 5000\\)"
    wait_for "BACKING_OPEN .* node [0-9]+"
    # the RELEASE of the appending open: the size the kernel left behind
    R=$(q "SELECT o.id FROM op o JOIN fh_history f USING (unique_id) WHERE o.op = 'RELEASE' AND f.io_mode = 'passthrough' ORDER BY o.id DESC LIMIT 1")
    keys :; lit "#$R"; keys Enter
    wait_for "^#$R RELEASE"
    wait_for "passthrough: data was not recorded \\(size at release 8000\\)"
    keys q
    wait_for 'VIEWER_EXIT=0'
    "$FUSETRACE" stats "$DB" > "$D/stats.out" 2>&1 || { cat "$D/stats.out"; fail "fusetrace stats failed"; }
    # one backing file, or two if the first RELEASE came after the second OPEN
    grep -Eq 'Data not recorded \(kernel passthrough\): 2 opens of 1 files, [12] backing files registered, 0 I/O mode conflicts' "$D/stats.out" \
        || { cat "$D/stats.out"; fail "stats: no passthrough summary"; }
    grep -Eq '^ +[0-9.]+[a-zµ]*s +[0-9.]+[a-zµ]*s +4\.9KiB +7\.8KiB +[0-9]+  /big\.pt$' "$D/stats.out" \
        || { cat "$D/stats.out"; fail "stats: the appending open with its sizes at open and release"; }
    ;;

descendants)
    # The process filter with '+': a process and everything it started.
    # Three levels of shells, each opening its own file itself and through
    # a cat it forks (tests/record/tree_workload.sh; tests/record/descendants.sh
    # has the exact counts).  Names of such short-lived processes may be
    # unknown (a slow daemon), so rows are told apart by pid.
    [ -x "${FUSETRACE:-}" ] || fail "no fusetrace binary at '${FUSETRACE:-}'"
    SRC=$D/src; mkdir "$SRC"
    for f in a b c; do echo "$f" > "$SRC/$f"; done
    DB=$D/tree.db
    "$FUSETRACE" record --db "$DB" "$SRC" -- sh "$(cd "$(dirname "$0")/../record" && pwd)/tree_workload.sh" "$D" a b c \
        > "$D/record.out" 2>&1 || { cat "$D/record.out"; fail "fusetrace record failed"; }
    ROOT=$(cat "$D/a.pid"); CHILD=$(cat "$D/b.pid")
    # the pids of the child's subtree: the child, the grandchild, their cats
    SUB=$(q "SELECT group_concat(pid, '|') FROM (SELECT DISTINCT t.pid FROM process_tree t
             JOIN process r ON r.pid = $CHILD WHERE instr(t.ancestry || '/', '/' || r.id || '/') > 0)")
    [ "$(echo "$SUB" | tr '|' '\n' | wc -l)" = 4 ] || fail "the child's subtree is not 4 processes: $SUB"
    start "$FUSETRACE view $DB"
    wait_for 'fusetrace view .*tree\.db +\[complete\]'
    keys f p; lit "$CHILD+"; keys Enter
    wait_for "FILTER proc=$CHILD\\+"
    wait_for "OPEN +[0-9]+ $CHILD( |\$)"
    all_rows proc "^($SUB)( |\$)" "process filter with descendants"
    SHOWN=$(tl proc | awk '{ print $1 }' | sort -u | wc -l)
    [ "$SHOWN" -ge 3 ] || fail "the child's subtree shows $SHOWN processes, expected its shells and cats"
    tl proc | grep -Eq "^$ROOT( |\$)" && fail "the root shell is shown"
    keys c f p; lit "$CHILD"; keys Enter
    wait_for "FILTER proc=$CHILD( |\$)"
    all_rows proc "^$CHILD( |\$)" "process filter without descendants"
    keys q
    wait_for 'VIEWER_EXIT=0'
    ;;

bounded)
    # Scans stop at each key's deadline and resume exactly where they
    # stopped (ft_at() progress).  400 k requests: the gaps between matches
    # below take longer to scan than one key's budget, so every match is
    # found across interrupted statements.
    DB=$D/s.db; gen -n 400000 "$DB"
    view "$DB"
    wait_for "#1/$N"
    keys f x; lit "id % 100000 = 7"; keys Enter
    wait_for 'FILTER sql=id % 100000 = 7'
    wait_for "#7/$N"
    keys G; wait_for "#300007/$N"
    keys k; wait_for "#200007/$N"
    keys k; wait_for "#100007/$N"
    keys k; wait_for "#7/$N"
    keys j j j j; wait_for "#300007/$N"
    wait_for '— end —'
    # a filter that matches nothing: the keys stay live while it scans
    keys c f e; lit EIO; keys Enter
    wait_for 'FILTER errno=EIO'
    keys '?'; wait_for 'fusetrace view — keys'; keys '?'
    wait_for 'no request matches the filter' 30
    keys c
    # a search (vdb_find) for a name that appears only late
    NAME=$(q "SELECT name FROM request WHERE opcode = 35 AND id > 350000 ORDER BY id LIMIT 1")
    ID=$(q "SELECT id FROM request WHERE name = '$NAME' ORDER BY id LIMIT 1")
    keys g; wait_for "#1/$N"
    keys /; lit "$NAME"; keys Enter
    wait_for "#$ID/$N" 30
    # the SQL prompt runs on its own thread: a long query shows as running,
    # the keys stay live, Esc cancels it
    lit ';'; wait_for 'sql>'
    lit "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c"
    keys Enter
    wait_for 'running… [0-9.]+ s · Esc or q cancels'
    wait_for 'running… [1-9][0-9.]* s'
    keys Escape
    wait_for "#$ID/$N"
    keys j; wait_gone "#$ID/$N"
    keys v; wait_for 'cancelled'
    keys q
    lit ';'; lit "SELECT count(*) AS n FROM request"; keys Enter
    wait_for '1 row in'
    wait_for "^$N *$"
    keys q
    wait_for "#[0-9]+/$N"
    # o/O with a request(nodeid) index (not built by default): id order,
    # found by the index at once, the filter honoured
    cp "$DB" "$D/i.db"; DB=$D/i.db
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("CREATE INDEX request_nodeid ON request(nodeid)"); c.commit()' "$DB"
    R=$(q "SELECT id FROM request WHERE opcode = 15 AND id > 300000 ORDER BY id LIMIT 1")
    NN=$(q "SELECT nodeid FROM request WHERE id = $R")
    O1=$(q "SELECT id FROM request WHERE nodeid = $NN AND id > $R ORDER BY id LIMIT 1")
    P1=$(q "SELECT id FROM request WHERE nodeid = $NN AND id < $R ORDER BY id DESC LIMIT 1")
    R1=$(q "SELECT id FROM request WHERE nodeid = $NN AND id > $R AND opcode IN (15, 18) ORDER BY id LIMIT 1 OFFSET 1")
    view "$DB"
    wait_for "#1/$N"
    lit ":#$R"; keys Enter; wait_for "#$R/$N"
    keys o; wait_for "#$O1/$N"
    keys O; wait_for "#$R/$N"
    keys O; wait_for "#$P1/$N"
    lit ":#$R"; keys Enter; wait_for "#$R/$N"
    keys f o; lit READ,RELEASE; keys Enter; wait_for 'FILTER op=READ,RELEASE'
    keys o; keys o; wait_for "#$R1/$N"
    ;;

stall)
    # A request stalled in the source (an open for writing waits on a read
    # lease held outside the mount, tests/stall/holder.py): `view -f` on the
    # live recording jumps to it (w) and shows it stalled and not ended; on
    # the finished recording w / W find it, marked !, with how it ended.
    [ -x "${FUSETRACE:-}" ] || fail "no fusetrace binary at '${FUSETRACE:-}'"
    [ "$(id -u)" = 0 ] || fail "needs root (a lease on the source, kernel stacks)"
    TESTS=$(cd "$(dirname "$0")/.." && pwd)
    SRC=$D/src MNT=$D/mnt; mkdir "$SRC" "$MNT"
    echo before > "$SRC/file"
    DB=$D/live.db
    python3 "$TESTS/stall/holder.py" lease "$SRC/file" "$D/ready" &
    BG_PIDS+=($!)             # first in the list: killing it releases the daemon
    "$FUSETRACE" mount --db "$DB" --stall=1s "$SRC" "$MNT" > "$D/daemon.log" 2>&1 &
    DPID=$!; BG_PIDS+=($DPID); MNT_CLEANUP=$MNT
    i=0; until [ -e "$D/ready" ] && mountpoint -q "$MNT"; do
        sleep 0.05; i=$((i + 1)); [ $i -lt 200 ] || fail "no mount or no lease within 10 s: $(cat "$D/daemon.log")"
    done
    timeout -k 5 60 sh -c "echo after > '$MNT/file'" &
    CPID=$!; BG_PIDS+=($CPID)
    i=0; until grep -q '^fusetrace: stall: OPEN' "$D/daemon.log"; do
        sleep 0.05; i=$((i + 1)); [ $i -lt 200 ] || fail "no stall reported within 10 s: $(cat "$D/daemon.log")"
    done
    ID=$(q "SELECT request_id FROM stalls")
    [ -n "$ID" ] || fail "the live recording has no stall row"
    start "$FUSETRACE view -f $DB"
    wait_for 'fusetrace view .*live\.db +\[recording, live\]'
    keys g w
    wait_for "^#$ID OPEN +unique"
    wait_for '^! +[0-9.]+ .* OPEN .*/file'
    wait_for 'STALLED \(the watchdog reported it'
    wait_for 'in open\(fd [0-9]+, arg 0x'
    wait_for 'not ended \(still stalled\)'
    wait_for 'reply: none yet \(OPEN in flight\)'
    keys q
    wait_for 'VIEWER_EXIT=0'
    kill "${BG_PIDS[0]}"      # the lease holder: the open goes through
    i=0; while kill -0 "$CPID" 2>/dev/null; do
        sleep 0.05; i=$((i + 1)); [ $i -lt 200 ] || fail "the client did not finish after the release"
    done
    fusermount3 -u "$MNT" || fail "unmount"
    i=0; while kill -0 "$DPID" 2>/dev/null; do
        sleep 0.05; i=$((i + 1)); [ $i -lt 600 ] || fail "the daemon did not exit after the unmount"
    done
    MNT_CLEANUP=
    grep -q '^fusetrace: stall ended: OPEN request [0-9]* after .* (replied)$' "$D/daemon.log" \
        || fail "no end of the stall on stderr: $(cat "$D/daemon.log")"
    start "$FUSETRACE view $DB"
    wait_for 'fusetrace view .*live\.db +\[complete\]'
    keys g w
    wait_for "^#$ID OPEN +unique"
    wait_for '^! +[0-9.]+ .* OPEN .*/file'
    wait_for 'ended at \+[0-9.]+s after [0-9.]+.?s: the reply was written'
    wait_for 'fd [0-9]+ is .*/src/file'
    wait_for 'kernel stack:'
    wait_for 'break_lease'
    keys w
    wait_for 'next stall: no later match'
    keys G W
    wait_for "^#$ID OPEN +unique"
    keys W
    wait_for 'previous stall: no earlier match'
    keys '?'
    wait_for 'w W +next / previous stalled request'
    keys '?' q
    wait_for 'VIEWER_EXIT=0'
    ( . "$TESTS/lib/common.sh"; ft_check_no_dstate ) || fail "a thread stuck in D state"
    ;;

index-error)
    # The state index cannot write its snapshots (its file is in TMPDIR, here
    # a full tmpfs): the status line says the index failed, where and why,
    # instead of an index that stays short of 100 % without a word.
    [ "$(id -u)" = 0 ] || { echo "SKIP: mounting a tmpfs needs root"; exit 77; }
    # (200 000 requests: the end is farther from where the index stops than
    # the viewer replays without a snapshot)
    DB=$D/s.db; gen -n 200000 "$DB"
    mkdir "$D/full"
    mount -t tmpfs -o size=4k tmpfs "$D/full" || fail "mount a 4 KiB tmpfs"
    MNT_CLEANUP=$D/full
    head -c 4096 /dev/zero > "$D/full/filler" 2>/dev/null
    [ "$(df --output=avail -B1 "$D/full" | tail -1)" -eq 0 ] || fail "the tmpfs is not full"
    start "TMPDIR=$D/full $VIEWER $DB"
    wait_for "#1/$N"
    wait_for 'idx FAILED at [0-9]+%'
    # An index that stopped is not polled for: the UI thread sleeps in its
    # read of the terminal (it used to wake every 300 ms as if the index were
    # still being built).
    vp=$(viewer_pid)
    [ -n "$vp" ] || fail "no viewer process in the pane"
    sleep 0.5
    cs0=$(awk '/^voluntary_ctxt_switches/ {print $2}' /proc/"$vp"/task/"$vp"/status)
    sleep 3
    cs1=$(awk '/^voluntary_ctxt_switches/ {print $2}' /proc/"$vp"/task/"$vp"/status)
    [ $((cs1 - cs0)) -le 2 ] || fail "the UI thread woke $((cs1 - cs0)) times in 3 s with nothing to wait for"
    # past where it stopped, the state pane says it stopped, not "building"
    keys G
    wait_for "#$N/$N 100%"
    wait_for 'the state index stopped at [0-9]+%: cannot write'
    keys i
    # (its counts are partial: they say so in the title)
    wait_for 'Statistics — whole session, by op .*\[index FAILED\]'
    keys q q
    wait_for 'VIEWER_EXIT=0'
    umount "$D/full" || fail "umount the tmpfs"
    MNT_CLEANUP=
    ;;

*)
    echo "unknown case $CASE"; exit 99 ;;
esac
echo "PASS [$CASE]"
exit 0
