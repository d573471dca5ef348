#!/usr/bin/env bash
# Install what is needed, build fusetrace twice (normal, and with
# AddressSanitizer + UndefinedBehaviorSanitizer) and run the whole test suite
# in both builds.  Runs as root on a fresh Debian bookworm machine; this is
# what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=C.UTF-8 LC_ALL=C.UTF-8

bash tools/install-deps.sh
bash tools/start-services.sh

setup() {   # setup DIR [meson options...]
  local dir=$1; shift
  if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

summary() {  # summary LOGFILE: the "N passed, N failed" counts of one run
  awk '/^Ok:/{ok=$2} /^Fail:/{f=$2} /^Timeout:/{t=$2} /^Skipped:/{s=$2}
       END{printf "%d %d %d\n", ok, f + t, s}' "$1"
}

# Tests allowed to skip (exit 77), one "NAME|reason" per entry, NAME as meson
# lists it after "suite / ".  Empty on purpose: CI runs as root with /dev/fuse,
# tmux, lttng and clang installed, where every test can run; a skip there is
# a test that silently stopped testing, so it fails the run.
SKIP_ALLOW=(
)

# skipped_tests DIR: the tests of the last meson test run in DIR that skipped
skipped_tests() {
  python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if line:
        t = json.loads(line)
        if t.get("result") == "SKIP":
            print(t["name"].split(" / ", 1)[-1])
PY
}

# check_skips DIR LABEL: print each skipped test; fail unless allow-listed
check_skips() {
  local dir=$1 label=$2 name entry why bad=0
  [ -f "$dir/meson-logs/testlog.json" ] || { echo "$label: FAIL: no $dir/meson-logs/testlog.json"; return 1; }
  while read -r name; do
    [ -n "$name" ] || continue
    why=""
    for entry in "${SKIP_ALLOW[@]}"; do
      [ "${entry%%|*}" = "$name" ] && why=${entry#*|}
    done
    if [ -n "$why" ]; then
      echo "$label: skipped (allowed: $why): $name"
    else
      echo "$label: FAIL: test skipped: $name (see $dir/meson-logs/testlog.txt)"
      bad=1
    fi
  done < <(skipped_tests "$dir")
  return $bad
}

# Everything the tests create lives under one directory of this run: every
# test takes its scratch space from $TMPDIR (tests/lib/common.sh, the C
# tests, the scenarios and the benchmark harness all do), so a FUSE mount
# whose mountpoint or source (fusetrace's fsname) lies under it is this
# run's.  Other FUSE mounts on the machine -- other checkouts' test runs,
# anyone's own mounts -- are not looked at.
RUN_TMP=$(mktemp -d /tmp/fusetrace-ci.XXXXXX)
chmod 755 "$RUN_TMP"   # tests run parts as uid 1000
export TMPDIR=$RUN_TMP

# fuse_mounts: this run's FUSE mounts now ("mountpoint type source")
fuse_mounts() {
  awk -v run="$RUN_TMP/" '
    function unesc(s) { gsub(/\\040/, " ", s); gsub(/\\011/, "\t", s); gsub(/\\012/, "\n", s); gsub(/\\134/, "\\", s); return s }
    { t = ""; for (i = 6; i <= NF; i++) if ($i == "-") { t = $(i + 1); s = unesc($(i + 2)); break }
      m = unesc($5)
      if (t ~ /^fuse/ && (index(m, run) == 1 || index(s, run) == 1)) print $5, t, $(i + 2) }' /proc/self/mountinfo | sort
}

# our_procs: running processes whose executable is a file of this checkout
# (fusetrace, the viewer, test helpers, fuzzers), "pid exe"
our_procs() {
  local p exe
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    case $exe in "$ROOT"/*) echo "${p#/proc/} $exe" ;; esac
  done | sort
}

# check_leftovers LABEL MOUNTS_BEFORE PROCS_BEFORE: a FUSE mount or a process
# of ours that appeared during the run and is still there (after a short
# grace for exiting daemons) fails the run.  Nothing is killed or unmounted
# here: what the tests leave behind is for a human to see.
check_leftovers() {
  local label=$1 before_m=$2 before_p=$3 new_m new_p i
  for ((i = 0; i < 50; i++)); do
    new_m=$(comm -13 <(printf '%s\n' "$before_m") <(fuse_mounts) | sed '/^$/d')
    new_p=$(comm -13 <(printf '%s\n' "$before_p") <(our_procs) | sed '/^$/d')
    [ -z "$new_m$new_p" ] && return 0
    sleep 0.1
  done
  if [ -n "$new_m" ]; then
    echo "$label: FAIL: FUSE mounts left behind by the tests:"; printf '%s\n' "$new_m" | sed 's/^/    /'
  fi
  if [ -n "$new_p" ]; then
    echo "$label: FAIL: processes left behind by the tests:"; printf '%s\n' "$new_p" | sed 's/^/    /'
  fi
  return 1
}

# failed_tests DIR: each test of the last meson test run in DIR that did not
# pass, with the end of its output.  Collected as the run goes and printed
# again at the very end, where a reader of only the log's tail sees it.
failed_tests() {
  python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    t = json.loads(line)
    if t.get("result") in ("OK", "SKIP", "EXPECTEDFAIL"):
        continue
    print("--- %s: %s after %.1f s (exit %s); the end of its output:"
          % (t["name"], t.get("result"), t.get("duration") or 0, t.get("returncode")))
    # meson keeps stderr apart from stdout; the tests' ft_fail messages
    # go to stderr, so both, each under its own heading
    for stream in ("stdout", "stderr"):
        lines = (t.get(stream) or "").splitlines()[-40:]
        if lines:
            print("  %s:" % stream)
            for out in lines:
                print("    " + out)
PY
}

ROOT=$(pwd)
FAILURES=$(mktemp /tmp/fusetrace-ci-failures.XXXXXX)
trap 'rm -f "$FAILURES"' EXIT   # also when a build step fails (set -e)
status=0
total_ok=0 total_fail=0 total_skip=0
run_suite() {   # run_suite BUILD_DIR LABEL [meson test args...]
  local dir=$1 label=$2; shift 2
  echo "=== $label: meson test -C $dir $*"
  local log=$dir/test-run.log mounts procs
  mounts=$(fuse_mounts); procs=$(our_procs)
  if ! meson test -C "$dir" --print-errorlogs "$@" 2>&1 | tee "$log"; then
    status=1
  fi
  read -r ok fail skip < <(summary "$log")
  # every result but OK and SKIP, whatever the counts say (ERROR counts
  # under neither Fail nor Timeout)
  local failed
  failed=$(failed_tests "$dir") ||   # no testlog.json: meson test never ran
    failed="--- (no results: $dir/meson-logs/testlog.json cannot be read)"
  [ -z "$failed" ] || printf '%s:\n%s\n' "$label" "$failed" >> "$FAILURES"
  total_ok=$((total_ok + ok)); total_fail=$((total_fail + fail)); total_skip=$((total_skip + skip))
  if ! check_skips "$dir" "$label" | tee -a "$FAILURES"; then
    status=1; total_fail=$((total_fail + 1))
  fi
  if ! check_leftovers "$label" "$mounts" "$procs" | tee -a "$FAILURES"; then
    status=1; total_fail=$((total_fail + 1))
  fi
}

setup build --buildtype=debugoptimized -Dwerror=true
ninja -C build
# Bounded long runs: the soak and each fuzzer 60 s.
SOAK_SECONDS=${SOAK_SECONDS:-60} FUZZ_SECONDS=${FUZZ_SECONDS:-60} \
  run_suite build "normal build"

# The sanitizer build: every suite again with ASan+UBSan (leaks are errors),
# the daemons running under it exactly as in the normal build, except:
#  - lttng: liblttng-ust-common's thread-exit TSD destructor runs after ASan
#    has torn the exiting thread down and trips an ASan CHECK
#    (asan_thread.cpp "kCurrentStackFrameMagic" in the sigfillset
#    interceptor) when libfuse's workers exit; an incompatibility of the two
#    runtimes, not a memory error of ours.  The LTTng tests run in the normal
#    build; the recorder's own LTTng round trip (suite trace) runs here too.
#  - fuzz: the fuzzers are built with clang's ASan+UBSan themselves.
#  - bench: timings under a sanitizer mean nothing.
# The soak and stress runs are shortened: the same code, a third of the time.
setup build-asan --buildtype=debug -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-asan
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
SOAK_SECONDS=20 STRESS_SECONDS=10 \
  run_suite build-asan "sanitizer build (ASan+UBSan)" --timeout-multiplier 3 \
    --no-suite lttng --no-suite fuzz --no-suite bench

# ThreadSanitizer over the daemon's own concurrency: the lookup/forget/
# rename/unlink stress run (drop_caches forcing FORGETs), the lock
# waiters, the stall watchdog reading what the worker threads publish,
# the kernel-side reader thread recording beside the workers (ktrace-split)
# the writer's merge barrier against a producer held mid-push (ring-order),
# and the viewer's background readers (state index, statistics by file and
# process) against its UI thread (viewer-stats-by, viewer-stats-cut), with
# the real programs built with -fsanitize=thread.  (The inode table's
# unit races also run under TSan in the normal build.)
setup build-tsan --buildtype=debugoptimized -Dwerror=true -Db_sanitize=thread
ninja -C build-tsan
TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1} STRESS_SECONDS=15 \
  run_suite build-tsan "ThreadSanitizer (daemon concurrency)" --timeout-multiplier 3 \
    inode-stress locks locks-single-thread stall-flock stall-posix-interrupt stall-session-end \
    stall-splice-read \
    worker-state ktrace-split ring-order viewer-stats-by viewer-stats-cut iomodes-seek-storm

# Static analysis with the checked-in configuration.
echo "=== static analysis (cppcheck, clang-tidy)"
if bash tools/static-analysis.sh build; then
  total_ok=$((total_ok + 1))
else
  total_fail=$((total_fail + 1)); status=1
fi

# The run's scratch directory, unless something is still mounted under it
# (what the tests left behind is for a human to see).
if grep -q " $RUN_TMP/" /proc/self/mountinfo; then
  echo "left $RUN_TMP in place: something is still mounted under it"
else
  rm -rf "$RUN_TMP"
fi

if [ -s "$FAILURES" ]; then
  echo
  echo "=== what failed"
  cat "$FAILURES"
fi

echo
echo "tests: $total_ok passed, $total_fail failed, $total_skip skipped"
exit $status
