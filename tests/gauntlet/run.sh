#!/bin/bash
# run.sh CASE — one case of the real-workload gauntlet.
#
# The case (cases/CASE.sh) prepares a directory and runs a workload in it.
# The workload runs three times, each time in a fresh copy of the prepared
# directory at the same path (so that absolute paths in its outputs agree):
#   native   directly;
#   db       through `fusetrace record --db`;
#   no-db    through `fusetrace record --no-db --lttng`, the trace then
#            imported into a database with `fusetrace import`;
# and, when GAUNTLET_MODES names them, the other I/O modes:
#   db-direct       `record --db --io=direct` (every read and write a request);
#   db-passthrough  `record --db --io=passthrough` (the kernel reads and
#                   writes the source files itself).
# Each run has a hard bound (the case's timeout times GAUNTLET_TIMEOUT_SCALE);
# a run that overruns is a hang: its FUSE connection is aborted and its
# processes killed (lib.sh), and the case fails.  A traced run must:
#   - complete, with the same exit status and stdout as the native run;
#   - leave the same tree as the native run (tree.py; the case names what
#     legitimately differs);
#   - leave no process of the machine in D state;
#   - leave a complete recording: `fusetrace stats` says complete, nothing
#     unanswered, requests from as many processes as the case makes, among
#     them the processes it names.
# The wall times are printed (informational, never asserted).
#
# Environment: FUSETRACE (the binary), GAUNTLET_HELPERS (directory of the
# gauntlet's C helpers), GAUNTLET_SOURCE_ROOT (this source tree),
# GAUNTLET_TIMEOUT_SCALE (default 1; sanitizer builds are slower),
# GAUNTLET_MODES (default "native db no-db"; meson.build says when a build
# leaves a traced mode out, and why).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"

name=${1:?usage: run.sh CASE}
FT_NAME="gauntlet-$name"
case_sh=$here/cases/$name.sh
[ -f "$case_sh" ] || ft_fail "no case $case_sh"
gauntlet_requirements
command -v lttng >/dev/null || ft_fail "lttng-tools missing (the no-db runs record to LTTng)"
# (not pgrep: it reads every /proc/PID/stat, which blocks while any process
# of the machine is stuck in exec)
timeout -s KILL 20 lttng list >/dev/null 2>&1 ||
	ft_fail "no lttng-sessiond answers (tools/start-services.sh starts one)"
export GAUNTLET_HELPERS GAUNTLET_SOURCE_ROOT LC_ALL=C TZ=UTC
gauntlet_init

# the case's declarations: "timeout N", "pids N", "comm NAME", "check MIN|SQL",
# "ignore GLOB"
limit=60 min_pids=1 comms=() checks=() ignores=()
while read -r key value; do
	case $key in
	timeout) limit=$value ;;
	pids) min_pids=$value ;;
	comm) comms+=("$value") ;;
	check) checks+=("$value") ;;
	ignore) ignores+=(--ignore "$value") ;;
	esac
done < <(bash "$case_sh" info)
limit=$(awk -v l="$limit" -v s="${GAUNTLET_TIMEOUT_SCALE:-1}" 'BEGIN { printf "%d", l * s }')

root=$(ft_tmpdir)
work=$root/work out=$root/out
mkdir "$root/pristine" "$out"
bash "$case_sh" prepare "$root/pristine" || ft_fail "preparing the case failed"

# fresh_work: the directory every run starts from, always at $work
fresh_work() {
	rm -rf "$work"
	cp -a "$root/pristine" "$work" || ft_fail "copying the prepared directory"
}

# show_failure MODE: what a failed run printed
show_failure() {
	ft_log "$1: stdout (last 20 lines):"; tail -20 "$out/$1.out" | sed 's/^/    | /' >&2
	ft_log "$1: stderr (last 30 lines):"; tail -30 "$out/$1.err" | sed 's/^/    | /' >&2
	if [ -f "$root/result-$1/gauntlet.log" ]; then
		ft_log "$1: gauntlet.log (last 30 lines):"
		tail -30 "$root/result-$1/gauntlet.log" | sed 's/^/    | /' >&2
	fi
}

# check_recording MODE DB: the recording of a traced run is complete and
# holds the workload's requests
check_recording() {
	local mode=$1 db=$2 comm n
	local stats
	if ! stats=$("$FUSETRACE" stats "$db" 2>&1); then
		failed "$mode: fusetrace stats failed: $stats"; return
	fi
	grep -qE '^Status +complete$' <<<"$stats" ||
		failed "$mode: fusetrace stats does not say complete: $(grep -E '^Status' <<<"$stats")"
	n=$(q "$db" "SELECT count(*) FROM inflight")
	[ "$n" = 0 ] || failed "$mode: $n request(s) never answered: $(q "$db" "SELECT op || ' ' || coalesce(path, '') || ' pid ' || pid FROM inflight LIMIT 5")"
	n=$(q "$db" "SELECT count(DISTINCT pid) FROM request WHERE pid > 0")
	[ "${n:-0}" -ge "$min_pids" ] ||
		failed "$mode: requests from $n processes, expected at least $min_pids"
	for comm in "${comms[@]}"; do
		n=$(q "$db" "SELECT coalesce(sum(requests), 0) FROM per_process WHERE comm = '$comm'")
		[ "${n:-0}" -gt 0 ] ||
			failed "$mode: no request from a process named $comm in the recording (processes: $(q "$db" "SELECT group_concat(DISTINCT comm) FROM per_process"))"
	done
	# the other I/O modes: every file open of the workload got the mode
	# asked for (fh_event kinds 0, 1: OPEN, CREATE; io_mode 2 direct,
	# 3 passthrough)
	local want=
	case $mode in db-direct) want=2 ;; db-passthrough) want=3 ;; esac
	if [ -n "$want" ]; then
		n=$(q "$db" "SELECT count(*) FROM fh_event WHERE kind IN (0, 1) AND io_mode = $want")
		[ "${n:-0}" -gt 0 ] || failed "$mode: no file was opened in that mode"
		n=$(q "$db" "SELECT count(*) FROM fh_event WHERE kind IN (0, 1) AND io_mode IS NOT $want")
		[ "${n:-0}" = 0 ] || failed "$mode: $n file open(s) in another mode: $(q "$db" \
			"SELECT group_concat(path || ' ' || io_mode, ', ') FROM (SELECT path, io_mode FROM fh_history WHERE kind IN ('OPEN', 'CREATE') AND io_mode IS NOT '${mode#db-}' LIMIT 5)")"
	fi
	local check
	for check in "${checks[@]}"; do
		if [ "${check#data:}" != "$check" ]; then
			if [ "$mode" = db-passthrough ]; then
				echo "note: $mode: not checked (the kernel reads and writes the source itself): ${check#*|}"
				continue
			fi
			check=${check#data:}
		fi
		n=$(q "$db" "${check#*|}" 2>&1)
		[ "$n" -ge "${check%%|*}" ] 2>/dev/null ||
			failed "$mode: the recording gives $n, expected >= ${check%%|*}: ${check#*|}"
	done
}

read -ra modes <<<"${GAUNTLET_MODES:-native db no-db}"
[ "${modes[0]}" = native ] || ft_fail "GAUNTLET_MODES must start with native"
declare -A secs=([db]="not run" [no-db]="not run")
for mode in db no-db db-direct db-passthrough; do
	[[ " ${modes[*]} " == *" $mode "* ]] || echo "note: $mode runs are left out of this build (GAUNTLET_MODES=${modes[*]})"
done
for mode in "${modes[@]}"; do
	fresh_work
	ft_note_stuck_before
	case $mode in
	native)
		bounded "$name ($mode)" "$limit" - "$out/$mode.out" "$out/$mode.err" \
			bash -c 'cd "$1" && shift && exec "$@"' - "$work" bash "$case_sh" run ;;
	db)
		bounded "$name ($mode)" "$limit" "$work" "$out/$mode.out" "$out/$mode.err" \
			"$FUSETRACE" record --db "$out/db.db" "$work" -- bash "$case_sh" run ;;
	db-direct|db-passthrough)
		bounded "$name ($mode)" "$limit" "$work" "$out/$mode.out" "$out/$mode.err" \
			"$FUSETRACE" record --db "$out/$mode.db" --io="${mode#db-}" "$work" -- bash "$case_sh" run ;;
	no-db)
		bounded "$name ($mode)" "$limit" "$work" "$out/$mode.out" "$out/$mode.err" \
			"$FUSETRACE" record --no-db --lttng --lttng-output="$out/trace" "$work" -- bash "$case_sh" run ;;
	*) ft_fail "unknown mode '$mode' in GAUNTLET_MODES" ;;
	esac
	status=$BOUNDED_STATUS
	secs[$mode]=${BOUNDED_SECS}s
	[ -n "$BOUNDED_HUNG" ] && secs[$mode]="hung"
	if fuse_mounted_at "$work"; then
		failed "$mode: $work is still mounted after the run"
		umount -l "$work" 2>/dev/null || fusermount3 -uz "$work" 2>/dev/null
	fi
	mv "$work" "$root/result-$mode"
	# (in a subshell: it ends the test on failure, and every mode is run)
	(ft_check_no_dstate "$mode run") || failed "$mode: a process is left in D state (above)"
	ft_check_log "$out/$mode.err" "$mode run" || failed "$mode: sanitizer report"

	if [ "$mode" = native ]; then
		[ "$status" = 0 ] || { show_failure native; ft_fail "the native run failed (status $status): the case itself is broken"; }
		"$PYTHON" "$here/tree.py" "$root/result-native" "${ignores[@]}" > "$out/native.tree"
		continue
	fi
	ok=1
	if [ -n "$BOUNDED_HUNG" ]; then
		failed "$mode: hung ($BOUNDED_HUNG)"; ok=0
	elif [ "$status" != 0 ]; then
		failed "$mode: exit status $status (natively 0)"; ok=0
	fi
	if ! diff -u "$out/native.out" "$out/$mode.out" > "$out/$mode.out.diff"; then
		failed "$mode: stdout differs from the native run's:"; sed 's/^/    | /' "$out/$mode.out.diff" | head -40 >&2; ok=0
	fi
	"$PYTHON" "$here/tree.py" "$root/result-$mode" "${ignores[@]}" > "$out/$mode.tree"
	if ! diff -u "$out/native.tree" "$out/$mode.tree" > "$out/$mode.tree.diff"; then
		failed "$mode: the tree differs from the native run's:"; sed 's/^/    | /' "$out/$mode.tree.diff" | head -40 >&2; ok=0
	fi
	[ "$ok" = 1 ] || show_failure "$mode"
	if [ "$mode" != no-db ]; then
		db=$out/$mode.db
	else
		db=$out/no-db.db
		if ! "$FUSETRACE" import "$out/trace" "$db" > "$out/import.log" 2>&1; then
			failed "$mode: fusetrace import of the LTTng trace failed: $(tail -3 "$out/import.log")"
			continue
		fi
	fi
	if [ -f "$db" ]; then
		check_recording "$mode" "$db"
	else
		failed "$mode: no recording at $db"
	fi
done

times="native ${secs[native]}, record --db ${secs[db]}, record --no-db --lttng ${secs[no-db]}"
for mode in db-direct db-passthrough; do
	[ -n "${secs[$mode]:-}" ] && times+=", record --db --io=${mode#db-} ${secs[$mode]}"
done
echo "wall time: $name $times"
finish
echo "gauntlet $name: ok"
