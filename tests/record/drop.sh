#!/bin/bash
# drop.sh — --drop with a deliberately tiny ring loses events, and says
# exactly how many: lost = seen - stored, and requests seen - requests stored
# is non-zero and accounted for.  The default (lossless) mode with the same
# tiny ring loses nothing.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
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
# requests are among the events lost: at least one, and no more than all lost
expect_ge "requests seen - stored" "$((rq_seen - rq_rows))" 1
expect_le "requests seen - stored" "$((rq_seen - rq_rows))" "$lost"
# what is stored is what is in the tables: one row per event in request,
# reply, notify, inode_event, fh_event, backing_call, manifest, process_event,
# and the kernel's side: kernel_send, kernel_end, counter
rows=$(q "$out/drop.db" 'SELECT (SELECT count(*) FROM request) + (SELECT count(*) FROM reply)
	+ (SELECT count(*) FROM notify) + (SELECT count(*) FROM inode_event)
	+ (SELECT count(*) FROM fh_event) + (SELECT count(*) FROM backing_call)
	+ (SELECT count(*) FROM manifest) + (SELECT count(*) FROM process_event)
	+ (SELECT count(*) FROM kernel_send) + (SELECT count(*) FROM kernel_end)
	+ (SELECT count(*) FROM counter)')
expect "events_stored = event rows" "$stored" "$rows"
# the per-ring loss records add up to the session's count
expect "sum(loss.events) = events_lost" "$(q "$out/drop.db" 'SELECT coalesce(sum(events), 0) FROM loss')" "$lost"
expect "status" "$(q "$out/drop.db" 'SELECT status FROM session')" incomplete
# the exact number, not just the word, in every summary
"$FUSETRACE" stats "$out/drop.db" > "$out/stats" 2>&1 || { cat "$out/stats"; ft_fail "stats failed"; }
grep -Eq "(^|[^0-9])$lost lost" "$out/stats" || { cat "$out/stats"; ft_fail "stats does not report exactly $lost lost"; }
grep -Eq "LOST EVENTS +$lost events" "$out/stats" || { cat "$out/stats"; ft_fail "stats has no LOST EVENTS line with $lost"; }
grep -Eq "(^|[^0-9])$lost events (dropped|lost)" "$out/log" || { cat "$out/log"; ft_fail "the exit message on stderr does not say $lost events lost"; }
echo "ok: stats and the exit message both say $lost"

record_sh "$out/lossless.db" "$dir" "$script" --ring-size=4K > "$out/log2" 2>&1 \
	|| { cat "$out/log2"; ft_fail "lossless record failed"; }
expect "lossless mode, tiny ring: events lost" "$(q "$out/lossless.db" 'SELECT events_lost FROM session')" 0
expect "lossless: request rows vs seen" "$(q "$out/lossless.db" 'SELECT count(*) FROM request')" \
	"$(q "$out/lossless.db" 'SELECT requests_seen FROM session')"
echo "drop: $lost events lost, exactly counted"
