# lib.sh — helpers for the recorder integration tests (source after common.sh)


# drop the kernel's caches until the table stops shrinking (bounded)
drop_caches() {
	local i
	for i in 1 2 3; do
		sync
		echo 3 > /proc/sys/vm/drop_caches
		sleep 0.2
	done
}

# record_sh DB DIR SCRIPT [fusetrace options...]: record `sh -c SCRIPT` in DIR
record_sh() {
	local db=$1 dir=$2 script=$3; shift 3
	"$FUSETRACE" record --db "$db" "$@" "$dir" -- sh -c "$script"
}

# fuse_mount_line MNT [ID]: "mount_id minor" of the topmost FUSE mount at
# MNT (a canonical path), or of mount ID there; from mountinfo, never a
# stat (which would be a request to a daemon that may be stuck)
fuse_mount_line() {
	awk -v m="$1" -v want="${2:-}" '
		$5 == m {
			for (i = 7; i <= NF && $i != "-"; i++) ;
			if ($(i + 1) !~ /^fuse/ || (want != "" && $1 != want)) next
			split($3, d, ":"); line = $1 " " d[2]
		}
		END { if (line != "") print line }' /proc/self/mountinfo
}

# fuse_mount_id MNT: the mount id of the FUSE mount at MNT
fuse_mount_id() { local l; l=$(fuse_mount_line "$1"); echo "${l%% *}"; }

# abort_mount MNT [ID]: abort the FUSE connection of the mount at MNT (with
# ID: only if that mount is still there) through fusectl, which frees every
# request waiting for it; mounts fusectl if needed.  The connection number
# (the superblock's dev minor) is handed to the next FUSE mount as soon as
# ours is gone, and other suites mount all the time: it is looked up again
# right before the write, for the mount we know, never kept.  1 if there
# was nothing to abort.
abort_mount() {
	local l n
	[ -d /sys/fs/fuse/connections ] && [ -n "$(ls /sys/fs/fuse/connections 2>/dev/null)" ] ||
		mount -t fusectl none /sys/fs/fuse/connections 2>/dev/null
	l=$(fuse_mount_line "$1" "${2:-}")
	n=${l#* }
	[ -n "$l" ] && [ -e /sys/fs/fuse/connections/"$n"/abort ] || return 1
	echo 1 > /sys/fs/fuse/connections/"$n"/abort
}

# run_case LABEL ARGS...: the six-line reproduction of the exec deadlock
# through `record ARGS` (cwd: $out/LABEL.cwd), bounded; a hang is freed
# through fusectl and reported.  Needs $out.
run_case() {
	local label=$1; shift
	local dir
	dir=$(ft_tmpdir)
	mkdir -p "$out/$label.cwd"
	cat >"$dir/dl.py" <<'PY'
import subprocess
f = open('x.txt', 'w'); f.write('hi'); f.flush()
for i in range(5): subprocess.run(['/bin/true'], close_fds=False)
print('done')
PY
	(cd "$out/$label.cwd" && exec "$FUSETRACE" record "$@" "$dir" -- python3 dl.py) \
		>"$out/$label.out" 2>"$out/$label.err" &
	local pid=$! i
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		local stuck
		stuck=$(ft_stuck_threads)
		abort_mount "$dir"
		kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		ft_fail "$label: record did not finish within 60 s (freed through fusectl); stuck: $stuck"
	fi
	wait "$pid"; local rc=$?
	[ "$rc" = 0 ] || { cat "$out/$label.err"; ft_fail "$label: record exited $rc"; }
	expect "$label: the reproduction's output" "$(cat "$out/$label.out")" "done"
	expect "$label: x.txt written" "$(cat "$dir/x.txt")" "hi"
}

# check_reproduction DB: the recording of run_case is complete and shows
# the five children: each one's FLUSH of x.txt (sent from inside its exec,
# before the exec was reported) attributed to the image the exec replaced
# (python's, forked); each exec'd image exited 0 and, if it was read before
# it ended (/bin/true is quick), is named true — never anything else.
check_reproduction() {
	local db=$1
	expect "status" "$(q "$db" 'SELECT status FROM session')" complete
	expect "events lost" "$(q "$db" 'SELECT events_lost FROM session')" 0
	expect "FLUSHes of exec'ing children, attributed to the image each replaced" \
		"$(q "$db" "SELECT count(*) FROM op q JOIN process f ON f.id = q.process_id
		            JOIN process e ON e.replaced_id = f.id
		            WHERE q.op = 'FLUSH' AND f.origin = 'fork' AND f.comm = 'python3'
		              AND e.origin = 'exec' AND e.exit_code = 0")" 5
	expect "names of the exec'd children (true, or unknown)" \
		"$(q "$db" "SELECT count(*) FROM process e JOIN process f ON f.id = e.replaced_id
		            WHERE f.comm = 'python3' AND f.origin = 'fork'
		              AND e.comm IS NOT NULL AND e.comm <> 'true'")" 0
}
