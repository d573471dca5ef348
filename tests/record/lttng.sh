#!/bin/bash
# lttng.sh — one run recorded to both sinks: the LTTng trace, read back with
# babeltrace2, has as many request, reply and inode events as the database.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
command -v babeltrace2 >/dev/null || ft_fail "babeltrace2 missing"
ft_need_lttng
ft_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
script='mkdir d && for i in $(seq 1 200); do echo $i > d/f$i; done && cat d/* > /dev/null && rm -r d'
record_sh "$out/b.db" "$dir" "$script" --lttng --lttng-output="$out/trace" > "$out/log" 2>&1 \
	|| { cat "$out/log"; ft_fail "record --lttng failed"; }
grep -q "LTTng trace in" "$out/log" || { cat "$out/log"; ft_fail "record did not print the trace directory"; }
[ -z "$(find "$out/trace" -type f ! -perm 600 | head -1)" ] || ft_fail "trace files not 0600: $(find "$out/trace" -type f ! -perm 600 | head -3)"
[ "$(stat -c %a "$out/b.db")" = 600 ] || ft_fail "database not 0600"

babeltrace2 "$out/trace" > "$out/events.txt" 2> "$out/bt.err" || { cat "$out/bt.err"; ft_fail "babeltrace2 cannot read the trace"; }
grep -q "discarded" "$out/bt.err" && ft_fail "LTTng discarded events: $(cat "$out/bt.err")"
count() { grep -c " fusetrace:$1: " "$out/events.txt"; }
expect "request events: LTTng vs SQLite" "$(count request)" "$(q "$out/b.db" 'SELECT count(*) FROM request')"
expect "reply events: LTTng vs SQLite" "$(count reply)" "$(q "$out/b.db" 'SELECT count(*) FROM reply')"
expect "inode events: LTTng vs SQLite" "$(count inode)" "$(q "$out/b.db" 'SELECT count(*) FROM inode_event')"
expect_ge "request events" "$(count request)" 800
echo "lttng: both sinks hold the same events"
