#!/bin/bash
# import_signal.sh — an import stopped by SIGTERM or SIGINT leaves nothing
# unfinished behind: with -o, not the temporary directory beside the fleet
# database it writes the session into, nor a half-added session; without
# -o, not the partial DB.  SIGKILL cannot be answered: it leaves the
# temporary directory, as `import --help` says.
#
# Each signal is sent while the import is writing: the test waits (bounded)
# for the temporary database to appear, stops the importer (SIGSTOP), checks
# it is still there and unfinished, sends the signal and lets it go on.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
[ -e /dev/fuse ] || ft_skip "no /dev/fuse"
ft_need_lttng
ft_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
PY=$(ft_python)

# A trace long enough to import that a signal finds the import under way:
# each open/read/close is an OPEN, a FLUSH and a RELEASE at least (the
# kernel's caches answer the rest), so over 15 000 requests.
"$FUSETRACE" record --no-db --lttng --lttng-output="$out/T" "$dir" -- "$PY" -c '
import os
for i in range(100):
    with open("f%d" % i, "w") as f:
        f.write("x")
for n in range(50):
    for i in range(100):
        with open("f%d" % i) as f:
            f.read()
' > "$out/record.log" 2>&1 || { cat "$out/record.log"; ft_fail "record failed"; }

# import_started PID DIR GLOB: wait (at most 30 s) until a file matching GLOB
# exists under DIR while PID is still running, then stop PID (SIGSTOP) and
# check it is still running there: the signal sent next finds it importing.
import_started() {
	local pid=$1 d=$2 glob=$3 i
	for ((i = 0; i < 3000; i++)); do
		if compgen -G "$d/$glob" > /dev/null; then
			kill -STOP "$pid" 2>/dev/null || break
			# the stop takes effect when the importer next runs: bounded wait
			for ((i = 0; i < 100; i++)); do
				[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = T ] && break
				sleep 0.01
			done
			[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = T ] \
				&& compgen -G "$d/$glob" > /dev/null && return 0
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -CONT "$pid" 2>/dev/null
	ft_fail "the import ended (or never wrote $glob) before it could be interrupted: the trace is too short"
}

# finish PID: continue PID and wait (at most 60 s) for it; its status in FT_STATUS
finish() {
	kill -CONT "$1"
	ft__reap "$1" 600 || ft_fail "the interrupted import did not exit within 60 s"
}

leftovers() { find "$1" -maxdepth 1 -name '.fusetrace-import-*' | sort; }

for sig in TERM INT; do
	fleet=$(ft_tmpdir)
	"$FUSETRACE" import "$out/T" -o "$fleet/fleet.db" > "$out/$sig.out" 2> "$out/$sig.err" &
	pid=$!; ft_track_pid "$pid"
	import_started "$pid" "$fleet" '.fusetrace-import-*/session.db'
	kill -"$sig" "$pid"
	finish "$pid"
	cat "$out/$sig.err"
	expect "exit status of import -o after SIG$sig" "$FT_STATUS" 1
	grep -q "interrupted by SIG$sig" "$out/$sig.err" || ft_fail "no 'interrupted by SIG$sig' message"
	expect "temporary directories left beside the fleet database after SIG$sig" "$(leftovers "$fleet")" ""
	if [ -e "$fleet/fleet.db" ]; then
		expect "sessions added by the interrupted import" "$(q "$fleet/fleet.db" 'SELECT count(*) FROM session')" 0
	fi
done

# Without -o: the DB being written is removed.
single=$(ft_tmpdir)
"$FUSETRACE" import "$out/T" "$single/one.db" > "$out/one.out" 2> "$out/one.err" &
pid=$!; ft_track_pid "$pid"
import_started "$pid" "$single" 'one.db'
kill -TERM "$pid"
finish "$pid"
cat "$out/one.err"
expect "exit status of import after SIGTERM" "$FT_STATUS" 1
grep -q "interrupted by SIGTERM" "$out/one.err" || ft_fail "no 'interrupted by SIGTERM' message"
expect "files left of the interrupted import" "$(ls -A "$single")" ""

# SIGKILL: the temporary directory stays (documented in import --help).
fleet=$(ft_tmpdir)
"$FUSETRACE" import "$out/T" -o "$fleet/fleet.db" > "$out/KILL.out" 2> "$out/KILL.err" &
pid=$!; ft_track_pid "$pid"
import_started "$pid" "$fleet" '.fusetrace-import-*/session.db'
kill -KILL "$pid"
finish "$pid"
expect "import -o killed by SIGKILL" "$FT_STATUS" 137
left=$(leftovers "$fleet")
[ -n "$left" ] || ft_fail "SIGKILL left no temporary directory: import --help says it does"
"$FUSETRACE" import --help | tr '\n' ' ' | grep -q "SIGKILL cannot be answered: it leaves the unfinished database (with -o: *that temporary directory)" \
	|| ft_fail "import --help does not say what SIGKILL leaves"
rm -rf "$left"

# And uninterrupted, the same trace imports whole, leaving no temporary.
fleet=$(ft_tmpdir)
expect_status "import -o of the whole trace" 0 "$FUSETRACE" import "$out/T" -o "$fleet/fleet.db"
expect "sessions in the fleet database" "$(q "$fleet/fleet.db" 'SELECT count(*) FROM session')" 1
expect_ge "requests imported" "$(q "$fleet/fleet.db" 'SELECT count(*) FROM request')" 10000
expect "temporary directories left by a whole import" "$(leftovers "$fleet")" ""
echo "import_signal: SIGTERM/SIGINT leave nothing unfinished; SIGKILL leaves what --help says"
