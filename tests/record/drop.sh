#!/bin/bash
# drop.sh — --drop with a deliberately tiny ring loses events, and says
# exactly how many: lost = seen - stored, and requests seen - requests stored
# is non-zero and accounted for.  The default (lossless) mode with the same
# tiny ring loses nothing.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
[ "$(id -u)" = 0 ] || ft_skip "needs root"
ft_init
out=$(ft_tmpdir); dir=$(ft_tmpdir)
script='for r in 1 2 3; do mkdir d; for i in $(seq 1 400); do : > d/f$i; done; ls -l d > /dev/null; rm -r d; done'

record_sh "$out/drop.db" "$dir" "$script" --drop --ring-size=4K > "$out/log" 2>&1
rc=$?
[ $rc = 124 ] || { cat "$out/log"; ft_fail "record --drop with losses should exit 124 (incomplete), got $rc"; }
grep -Eq "[0-9]+ events (dropped|lost)" "$out/log" || { cat "$out/log"; ft_fail "no lost-event count on stderr"; }
lost=$(q "$out/drop.db" 'SELECT events_lost FROM session')
seen=$(q "$out/drop.db" 'SELECT events_seen FROM session')
stored=$(q "$out/drop.db" 'SELECT events_stored FROM session')
expect_ge "events lost" "$lost" 1
expect "lost = seen - stored" "$lost" "$((seen - stored))"
rq_seen=$(q "$out/drop.db" 'SELECT requests_seen FROM session')
rq_rows=$(q "$out/drop.db" 'SELECT count(*) FROM request')
expect_ge "requests seen - stored" "$((rq_seen - rq_rows))" 1
expect "status" "$(q "$out/drop.db" 'SELECT status FROM session')" incomplete
"$FUSETRACE" stats "$out/drop.db" | grep -qi "lost" || ft_fail "stats does not report the loss"

record_sh "$out/lossless.db" "$dir" "$script" --ring-size=4K > "$out/log2" 2>&1 \
	|| { cat "$out/log2"; ft_fail "lossless record failed"; }
expect "lossless mode, tiny ring: events lost" "$(q "$out/lossless.db" 'SELECT events_lost FROM session')" 0
expect "lossless: request rows vs seen" "$(q "$out/lossless.db" 'SELECT count(*) FROM request')" \
	"$(q "$out/lossless.db" 'SELECT requests_seen FROM session')"
echo "drop: $lost events lost, exactly counted"
