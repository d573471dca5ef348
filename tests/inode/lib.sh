# lib.sh — helpers shared by the tests in tests/inode/ (on top of
# tests/lib/common.sh, which must be sourced first).

# in_pid: pid of the daemon started by the last ft_mount
in_pid() { echo "${FT_PIDS[${#FT_PIDS[@]}-1]}"; }

# in_log: daemon log of the last ft_mount
in_log() { echo "${FT_LOGS[${#FT_LOGS[@]}-1]}"; }

# in_fdcount PID: number of open fds of PID
in_fdcount() { ls -U "/proc/$1/fd" 2>/dev/null | wc -l; }

# in_idle_fdcount PID MNT: PID's fd count once it serves MNT.  The mount is
# in mountinfo before the daemon has opened its last descriptors (unmount
# guard, watchdog, the kernel-trace buffers: measured 21 or 22 at that
# instant, 23 once it serves); a served request (stat of the root, whose
# fd is held from the start) means all of them are open.
in_idle_fdcount() {
	stat "$2" >/dev/null || ft_fail "stat $2 (the first request) failed"
	in_fdcount "$1"
}

# in_helper NAME: path of the C helper NAME (tests/inode/NAME.c).  meson
# passes the built one in the environment (e.g. CREATE_RACE=...); run by
# hand, the test compiles it into its scratch dir.
in_helper() {
	local name=$1 var
	var=$(echo "$1" | tr 'a-z' 'A-Z')
	if [ -n "${!var:-}" ] && [ -x "${!var}" ]; then
		echo "${!var}"
		return
	fi
	local out="$FT_ROOT/$name"
	${CC:-cc} -std=c17 -D_GNU_SOURCE -O2 -Wall -pthread -o "$out" "$IN_DIR/$name.c" >&2 ||
		ft_fail "cannot build helper $name from $IN_DIR/$name.c"
	echo "$out"
}

# in_sql DB QUERY: run QUERY, one row per line, columns separated by '|'
in_sql() {
	sqlite3 -batch -bail "$1" "$2" || ft_fail "SQL failed on $1: $2"
}

# in_require_db DB WHAT: fail (not skip: a test that cannot see the
# recording must not pass) unless DB is a readable recording with the
# inode_event table and at least one inode event.
in_require_db() {
	local db=$1 what=$2
	command -v sqlite3 >/dev/null || ft_fail "$what: sqlite3 CLI missing (apt-get install sqlite3)"
	[ -s "$db" ] || ft_fail "$what: recording not available: $FUSETRACE --db $db wrote no database (is this a build without the recorder?)"
	local n
	n=$(sqlite3 -batch "$db" "SELECT count(*) FROM inode_event" 2>&1) ||
		ft_fail "$what: $db is not a readable recording: $n"
	[ "$n" -gt 0 ] 2>/dev/null || ft_fail "$what: recording $db has no inode events (got '$n')"
}

# in_kind NAME / in_cause NAME: SQL expression for the numeric code of an
# inode event kind / cause, by name (through the lookup tables).
in_kind()  { echo "(SELECT kind FROM inode_kind_name WHERE name = '$1')"; }
in_cause() { echo "(SELECT cause FROM inode_cause_name WHERE name = '$1')"; }

# in_sampler_start PID OUTFILE: sample PID's fd count every ~50 ms in the
# background; the max so far is kept in OUTFILE.  Stop with in_sampler_stop.
in_sampler_start() {
	local pid=$1 out=$2
	IN_SAMPLER_PID=$pid IN_SAMPLER_OUT=$out
	echo 0 >"$out"
	(
		max=0
		while kill -0 "$pid" 2>/dev/null; do
			n=$(ls -U "/proc/$pid/fd" 2>/dev/null | wc -l)
			if [ "$n" -gt "$max" ]; then max=$n; echo "$max" >"$out"; fi
			sleep 0.05
		done
	) &
	IN_SAMPLER=$!
	ft_track_pid "$IN_SAMPLER"
}
in_sampler_stop() {
	[ -n "${IN_SAMPLER:-}" ] || return 0
	kill "$IN_SAMPLER" 2>/dev/null
	wait "$IN_SAMPLER" 2>/dev/null
	IN_SAMPLER=""
	# one last sample: a walk shorter than the period is still seen
	local n max
	n=$(in_fdcount "$IN_SAMPLER_PID"); max=$(cat "$IN_SAMPLER_OUT")
	[ "$n" -gt "$max" ] && echo "$n" >"$IN_SAMPLER_OUT"
	return 0
}

# in_drop_caches_until CMD [MAX]: sync + drop_caches until CMD succeeds
# (polled), at most MAX rounds (default 40).  Returns CMD's last status.
in_drop_caches_until() {
	local cmd=$1 max=${2:-40} i j
	for ((i = 1; i <= max; i++)); do
		sync
		echo 3 >/proc/sys/vm/drop_caches
		# FORGETs are processed asynchronously: poll briefly before dropping again
		for ((j = 0; j < 10; j++)); do
			eval "$cmd" && { IN_DROP_ROUNDS=$i; return 0; }
			sleep 0.05
		done
	done
	IN_DROP_ROUNDS=$max
	return 1
}

IN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# in_race_outcomes LABEL OUT ACCEPTED WHAT: check a race helper's outcome
# counts (OUT: lines "OUTCOME COUNT"): only the ACCEPTED outcomes (an ERE
# alternation, e.g. 'ok|EEXIST|ESTALE'), ESTALE in at most a quarter of
# all, and at least one success (else the race did not run).  WHAT names
# the calls.  ESTALE reaches the caller only when the name is replaced again
# inside the kernel's one retry, so its share is about the square of the
# chance that the other process hits the window once, which the scheduling
# decides: 0-1.6 % on a quiet machine, 3 % once at load 10, and in full CI
# runs (two tests at once on two cores) 10.5 % and 15.0 % for mkdir -- the
# last one made the 10 % this bound used to be fail a CI run.  A daemon that
# answered ESTALE where the retry would succeed makes it most outcomes.
in_race_outcomes() {
	local label=$1 out=$2 accepted=$3 what=$4 bad all stale
	ft_log "[$label] outcomes: $(tr '\n' ' ' <"$out")"
	bad=$(grep -Ev "^($accepted) " "$out")
	[ -z "$bad" ] || ft_fail "[$label] errors a native $what never gives: $(echo "$bad" | tr '\n' ' ')"
	all=$(awk '{ n += $2 } END { print n + 0 }' "$out")
	stale=$(awk '$1 == "ESTALE" { print $2 }' "$out")
	[ "${stale:-0}" -le $((all / 4)) ] || ft_fail "[$label] ESTALE in ${stale} of $all calls (more than a quarter)"
	grep -q '^ok ' "$out" || ft_fail "[$label] no call succeeded: the race did not run"
}
