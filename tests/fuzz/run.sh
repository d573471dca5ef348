#!/bin/bash
# run.sh [HARNESS...] — build the libFuzzer harnesses with clang
# (-fsanitize=fuzzer,address,undefined) straight from the sources and run
# each for FUZZ_SECONDS (default 60) on a copy of its seed corpus
# (tests/fuzz/corpus/NAME), after replaying every regression input
# (tests/fuzz/regressions/NAME-*).  A crash fails the run; the crashing input
# is left in FUZZ_OUT (default /tmp/fusetrace-fuzz) with the stack trace.
#   CLANG=clang-14      compiler (default: clang, then clang-14)
#   FUZZ_SECONDS=N      seconds per harness
#   FUZZ_OUT=DIR        build products, working corpora, crash artifacts
#   FUZZ_JOBS=N         parallel fuzzing processes per harness (default 1)
#   FUSETRACE=PATH      fusetrace binary: the tracedb seeds are recorded with
#                       it (mkcorpus.sh, needs root) so they match its schema
# Harnesses: wire (wire/wire_decode.c + util/u64map.c), tracedb (tracedb.c,
# process_select.c, cmd_sql.c, cmd_stats.c, stats_hosts.c, session_select.c,
# util/text_escape.c, util/usage.c, util/lat_stats.c + SQLite).
# Exit: 0 clean, 1 crash or build failure, 77 no usable clang (skipped).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_OUT:-/tmp/fusetrace-fuzz}
cc=${CLANG:-}
if [ -z "$cc" ]; then cc=$(command -v clang || command -v clang-14 || true); fi
[ -n "$cc" ] || { echo "fuzz: no clang; skipped"; exit 77; }
mkdir -p "$out"
# does this clang have libFuzzer?
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' > "$out/probe.c"
if ! "$cc" -fsanitize=fuzzer "$out/probe.c" -o "$out/probe" 2>/dev/null; then
	echo "fuzz: $cc cannot build with -fsanitize=fuzzer (libFuzzer missing); skipped"
	exit 77
fi

CFLAGS=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=undefined -std=c17 -D_GNU_SOURCE -DFUSE_USE_VERSION=314
	-I "$top" -Wall -Wno-unused-parameter)

build() {   # build NAME: compile the harness into $out/fuzz_NAME
	local name=$1 srcs=() libs=()
	case $name in
	wire) srcs=("$top/wire/wire_decode.c" "$top/util/u64map.c");;
	tracedb) srcs=("$top/tracedb/tracedb.c" "$top/tracedb/process_select.c" "$top/tracedb/cmd_sql.c"
		"$top/tracedb/cmd_stats.c" "$top/tracedb/stats_hosts.c" "$top/tracedb/session_select.c" "$top/tracedb/stats_groups.c"
		"$top/util/text_escape.c" "$top/util/usage.c" "$top/util/lat_stats.c"); libs=(-lsqlite3);;
	*) echo "fuzz: unknown harness $name" >&2; return 1;;
	esac
	"$cc" "${CFLAGS[@]}" "$here/fuzz_$name.c" "${srcs[@]}" "${libs[@]}" -o "$out/fuzz_$name" \
		2> "$out/build-$name.log" || { cat "$out/build-$name.log" >&2; return 1; }
}

status=0
harnesses=("$@")
[ ${#harnesses[@]} = 0 ] && harnesses=(wire tracedb)
for h in "${harnesses[@]}"; do
	echo "=== fuzz_$h: build"
	build "$h" || { status=1; continue; }
	opts=(-max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
	[ "$h" = tracedb ] && opts+=(-close_fd_mask=3 -max_len=131072)
	# regressions first: each must run clean
	for r in "$here"/regressions/"$h"-*; do
		[ -e "$r" ] || continue
		if ! TMPDIR=$out "$out/fuzz_$h" "${opts[@]}" "$r" > "$out/$h-regress.log" 2>&1; then
			echo "fuzz_$h: regression input $(basename "$r") crashes:"; tail -40 "$out/$h-regress.log"
			status=1
		else
			echo "ok: regression $(basename "$r")"
		fi
	done
	work=$out/corpus-$h; mkdir -p "$work" "$out/artifacts-$h"
	cp -n "$here/corpus/$h"/* "$work"/ 2>/dev/null
	if [ "$h" = tracedb ] && [ -n "${FUSETRACE:-}" ]; then
		# Real recordings made by this build, so the seeds always have the
		# current schema (a checked-in database would go stale with it).
		if ! bash "$here/mkcorpus.sh" "$FUSETRACE" "$out/seeds" > "$out/mkcorpus.log" 2>&1; then
			echo "fuzz_$h: making the seed recordings failed:"; tail -20 "$out/mkcorpus.log"
			status=1; continue
		fi
		cp "$out/seeds/tracedb"/* "$work"/
	fi
	if [ -z "$(ls -A "$work")" ]; then
		echo "fuzz_$h: no seed corpus (tests/fuzz/corpus/$h, or FUSETRACE for mkcorpus.sh)"
		status=1; continue
	fi
	echo "=== fuzz_$h: ${secs}s on $(ls "$work" | wc -l) inputs"
	# With -jobs, libFuzzer writes each worker's fuzz-N.log into the
	# current directory: run from a directory of its own so nothing lands in the caller's.
	rundir=$out/run-$h; rm -rf "$rundir"; mkdir -p "$rundir"
	(cd "$rundir" && TMPDIR=$out "$out/fuzz_$h" "${opts[@]}" -max_total_time="$secs" \
		-artifact_prefix="$out/artifacts-$h/" -jobs="${FUZZ_JOBS:-1}" -workers="${FUZZ_JOBS:-1}" \
		"$work" > "$out/$h.log" 2>&1)
	rc=$?
	execs=$(grep -h 'stat::number_of_executed_units' "$out/$h.log" "$rundir"/fuzz-*.log 2>/dev/null | awk '{s += $2} END {print s + 0}')
	cov=$(cat "$out/$h.log" "$rundir"/fuzz-*.log 2>/dev/null | grep -o 'cov: [0-9]*' | tail -1 || true)
	echo "fuzz_$h: exit $rc, $execs executions in ${secs}s, $cov"
	if [ $rc != 0 ] || ls "$out/artifacts-$h"/crash-* "$out/artifacts-$h"/leak-* "$out/artifacts-$h"/timeout-* > /dev/null 2>&1; then
		echo "fuzz_$h: FAILED — artifacts in $out/artifacts-$h; the report:"
		grep -A40 -m1 'ERROR: \|runtime error\|==ERROR\|deadly signal\|Timeout' "$out/$h.log" "$rundir"/fuzz-*.log | head -60
		status=1
	fi
done
exit $status
