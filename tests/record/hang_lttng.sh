#!/bin/bash
# hang_lttng.sh — the exec deadlock reproduction (hang.sh) recorded to LTTng
# only: "done" is printed, nothing is left in D state, and the trace,
# imported, shows the same process tree and attribution as a direct
# recording.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
[ "$(id -u)" = 0 ] || ft_skip "needs root"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v python3 >/dev/null || ft_fail "python3 missing"
ft_need_lttng
ft_init
out=$(ft_tmpdir)
ft_note_stuck_before

run_case lttng --lttng --no-db --lttng-output="$out/trace"
ft_check_no_dstate "after the run with LTTng only"
"$FUSETRACE" import "$out/trace" "$out/imported.db" >"$out/import.log" 2>&1 \
	|| { cat "$out/import.log"; ft_fail "import of the trace failed"; }
check_reproduction "$out/imported.db"
echo "hang_lttng: PASS"
