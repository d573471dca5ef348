# lib.sh — helpers for the replay/import/export tests (source after
# tests/lib/common.sh).


# expect_status NAME EXPECTED CMD...: run CMD, check its exit status
expect_status() {
	local name=$1 want=$2 rc; shift 2
	"$@" >"$FT_ROOT/last.out" 2>"$FT_ROOT/last.err"; rc=$?
	[ "$rc" = "$want" ] || { cat "$FT_ROOT/last.out" "$FT_ROOT/last.err" >&2; ft_fail "$name: exit status $rc, expected $want"; }
	echo "ok: $name (exit $rc)"
}

# a python3 with the sqlite3 module (Debian's, when PATH has another first)
ft_python() {
	if /usr/bin/python3 -c 'import sqlite3' 2>/dev/null; then echo /usr/bin/python3
	else echo python3; fi
}
