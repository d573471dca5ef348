#!/bin/bash
# workload.sh — record real workloads (tar extraction, git commit, a
# compile) and check the recording is complete and self-consistent:
#  - one request row per message the tap read (the tap's counter is kept
#    apart from the ring), zero events lost, the session is complete;
#  - every request that has a reply got one (nothing in flight at the end);
#  - replaying inode_event gives an nlookup per nodeid that never goes
#    negative and agrees with the FORGET messages the kernel sent;
#  - after drop_caches every nodeid but the root was forgotten before unmount.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
command -v sqlite3 >/dev/null || ft_skip "sqlite3 missing"
ft_init
export LC_ALL=C TZ=UTC GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t \
	GIT_COMMITTER_EMAIL=t@t GIT_AUTHOR_DATE=2020-01-01T00:00:00 GIT_COMMITTER_DATE=2020-01-01T00:00:00

out=$(ft_tmpdir); dir=$(ft_tmpdir)
mkdir -p "$out/tree/src"
for i in $(seq 1 60); do printf 'int f%d(void) { return %d; }\n' $i $i > "$out/tree/src/f$i.c"; done
printf 'int main(void) { return 0; }\n' > "$out/tree/src/main.c"
tar -C "$out" -cf "$out/tree.tar" tree

script='set -e
tar xf '"$out"'/tree.tar
cd tree
git init -q . && git add . && git commit -qm import
cc -c src/f1.c -o f1.o && cc src/main.c f1.o -o prog && ./prog
git status --short > /dev/null
cd ..
# forget everything the kernel still remembers, with nothing open
sync; echo 3 > /proc/sys/vm/drop_caches; sleep 0.3; echo 3 > /proc/sys/vm/drop_caches; sleep 0.3'
db=$out/w.db
record_sh "$db" "$dir" "$script" > "$out/log" 2>&1 || { cat "$out/log"; ft_fail "recorded workload failed"; }

expect "integrity" "$(q "$db" 'PRAGMA integrity_check')" ok
expect "status" "$(q "$db" 'SELECT status FROM session')" complete
expect "events lost" "$(q "$db" 'SELECT events_lost FROM session')" 0
seen=$(q "$db" 'SELECT requests_seen FROM session')
rows=$(q "$db" 'SELECT count(*) FROM request')
expect "request rows vs messages the tap read" "$rows" "$seen"
expect_ge "requests" "$rows" 1000
expect "replies seen vs stored" "$(q "$db" 'SELECT count(*) FROM reply')" "$(q "$db" 'SELECT replies_seen FROM session')"
expect "requests in flight at the end" "$(q "$db" 'SELECT count(*) FROM inflight')" 0
# pairing the other way: every reply answers a recorded request, and none
# answers a message that takes no reply (FORGET 2, BATCH_FORGET 42).  An
# INTERRUPT (36) is answered only by libfuse's EAGAIN ("not found yet,
# resend"); anything else to an INTERRUPT unique is a mis-paired reply.
expect "replies without a request" \
	"$(q "$db" 'SELECT count(*) FROM reply WHERE unique_id NOT IN (SELECT unique_id FROM request)')" 0
expect "replies to FORGET/BATCH_FORGET" \
	"$(q "$db" 'SELECT count(*) FROM reply WHERE unique_id IN (SELECT unique_id FROM request WHERE opcode IN (2, 42))')" 0
expect "replies to INTERRUPT other than EAGAIN" \
	"$(q "$db" 'SELECT count(*) FROM reply WHERE unique_id IN (SELECT unique_id FROM request WHERE opcode = 36) AND error <> 11')" 0
expect "request uniques recorded twice" \
	"$(q "$db" 'SELECT count(*) FROM (SELECT unique_id FROM request WHERE opcode NOT IN (2, 42, 36, 41) GROUP BY unique_id HAVING count(*) > 1)')" 0
expect "INIT recorded with the negotiated protocol" \
	"$(q "$db" 'SELECT proto_major >= 7 AND max_write > 0 FROM session')" 1
expect_ge "backing calls recorded" "$(q "$db" 'SELECT count(*) FROM backing_call')" 1000
expect_ge "processes attributed" "$(q "$db" "SELECT count(DISTINCT process_id) FROM request WHERE process_id IS NOT NULL")" 3
# one image ran git commit (processes it forked inherit its command line
# until they exec: rows of their own, origin 'fork')
expect "git commit exec'd once" \
	"$(q "$db" "SELECT count(*) FROM process WHERE cmdline LIKE 'git%commit%' AND origin IS NOT 'fork'")" 1
expect "git commit's forks name it as their parent" \
	"$(q "$db" "SELECT count(*) FROM process c JOIN process p ON p.id = c.parent_id
	            WHERE c.cmdline LIKE 'git%commit%' AND c.origin = 'fork'
	              AND p.cmdline NOT LIKE 'git%commit%'")" 0

# nlookup replay: running sum of deltas (NEW/REVIVE/REF +, UNREF -) per
# nodeid equals the recorded nlookup after every transition and never goes
# negative
expect "nlookup replay matches the table's own count" "$(q "$db" "
WITH s AS (
  SELECT nodeid, kind, nlookup,
         sum(CASE kind WHEN 0 THEN delta WHEN 1 THEN delta WHEN 10 THEN delta
                       WHEN 2 THEN -delta ELSE 0 END)
           OVER (PARTITION BY nodeid ORDER BY id) AS running
  FROM inode_event WHERE kind IN (0, 1, 2, 10) AND nodeid <> 1)
SELECT count(*) FROM s WHERE running <> nlookup OR running < 0")" 0
# every FORGET/BATCH_FORGET item was applied as an UNREF of the same amount
expect "forget items without a matching UNREF" "$(q "$db" "
SELECT count(*) FROM forget f
WHERE NOT EXISTS (SELECT 1 FROM inode_event e
                  WHERE e.unique_id = f.unique_id AND e.nodeid = f.nodeid AND e.kind = 2
                    AND e.delta = f.nlookup)")" 0
expect_ge "forget items" "$(q "$db" 'SELECT count(*) FROM forget')" 100
# drop_caches before unmount: only root may be left
expect "nodeids still referenced at unmount" \
	"$(q "$db" 'SELECT count(*) FROM inode_lifetime WHERE referenced_at_unmount AND nodeid <> 1')" 0
echo "workload: recording of $rows requests is complete and consistent"
