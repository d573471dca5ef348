#!/bin/bash
# hang.sh — a caller that execs while it holds a file of the mount open
# never hangs.  The exec closes its close-on-exec files, which sends FLUSH
# from inside the exec; the exec holds locks that /proc/PID/stat (and ps,
# pgrep) wait for until that FLUSH is answered, so a daemon that looks at
# its caller's /proc entries while it serves the FLUSH deadlocks.  The
# six-line reproduction (python, subprocess.run with close_fds=False, five
# times) must print "done" with --db and without it (the default database
# in the current directory; tests/record/hang_lttng.sh: with LTTng);
# no process of the machine may be left in D state; the recording must be
# complete and attribute each exec's FLUSH to the process that exec'd.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
[ "$(id -u)" = 0 ] || ft_skip "needs root"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v python3 >/dev/null || ft_fail "python3 missing"
ft_init
out=$(ft_tmpdir)
ft_note_stuck_before

run_case db --db "$out/a.db"
ft_check_no_dstate "after the run with --db"
check_reproduction "$out/a.db"

run_case default
ft_check_no_dstate "after the run without --db"
db=$(ls "$out"/default.cwd/fusetrace-*.db)
check_reproduction "$db"
expect "default database: mode" "$(stat -c %a "$db")" 600
echo "hang: PASS"
