#!/bin/bash
# abort.sh — a connection aborted through fusectl while a request is in
# flight ends the recording as 'incomplete', with the cause and the number
# of requests left unanswered.
#
# The command takes a flock on a file of the mount while this test holds a
# flock on the same file underneath (taken before the mount covered it), so
# the daemon's waiter sits in flock() on the source and the FLOCK request
# stays unanswered.  Once the live database shows it in `inflight`, the
# connection is aborted through /sys/fs/fuse/connections/N/abort.  Then:
# the command's flock fails at once (ECONNABORTED), `record` ends without
# waiting for our lock, says on stderr that the connection was aborted and
# exits non-zero; the session row reads status 'incomplete', reason
# "connection aborted (fusectl or umount -f); 1 request unanswered"; the request is in
# `inflight`; and the mount is gone.  With --lttng (abort_lttng.sh) the
# same session also goes to LTTng, and its import must end the same way.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v flock >/dev/null || ft_fail "flock (util-linux) missing"
lttng=()
if [ "${1:-}" = --lttng ]; then
	ft_need_lttng
fi
# --late: the daemon's readers of /dev/fuse see the end of the connection
# 2 s late (an interposer delays the failing read), as a loaded machine can
# make them: record, whose command fails at once, unmounts first.  The
# abort must still be named (record looks before it unmounts).
late=()
if [ "${1:-}" = --late ]; then
	[ -f "${READ_ABORTED_SO:-}" ] || ft_fail "READ_ABORTED_SO (the interposer) is not built"
	# (under ASan the runtime must come first; a preloaded module comes before it)
	late=(env LD_PRELOAD="$READ_ABORTED_SO" READ_END_DELAY_MS=2000
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
fi
ft_init
out=$(ft_tmpdir)
dir=$(realpath "$(ft_tmpdir)")
db=$out/abort.db
[ "${1:-}" = --lttng ] && lttng=(--lttng --lttng-output="$out/trace")
echo data >"$dir/f"

# our lock, on the source file, before the mount covers it
exec 9<"$dir/f"
flock -x 9 || ft_fail "cannot lock $dir/f"

"${late[@]}" "$FUSETRACE" record --db "$db" "${lttng[@]}" "$dir" -- flock -x f -c 'echo got it' \
	>"$out/record.out" 2>"$out/record.err" &
rec=$!
ft_track_pid "$rec"

# the FLOCK request in flight, seen in the live recording
id=""
for ((i = 0; i < 200; i++)); do
	[ -n "$id" ] || id=$(fuse_mount_id "$dir")
	[ -n "$id" ] && [ -s "$db" ] &&
		[ "$(q "$db" "SELECT count(*) FROM inflight WHERE op = 'SETLKW'" 2>/dev/null)" = 1 ] && break
	kill -0 "$rec" 2>/dev/null || { cat "$out/record.err" >&2; ft_fail "record ended before the flock was in flight"; }
	sleep 0.05
done
[ "$i" -lt 200 ] || ft_fail "no SETLKW in the live inflight view within 10 s"
echo "ok: the flock request is in flight (mount id $id)"

abort_mount "$dir" "$id" || ft_fail "our mount ($id at $dir) is gone before the abort"

# record ends although our lock is still held: nobody waits for it any more
for ((i = 0; i < 300; i++)); do
	kill -0 "$rec" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$rec" 2>/dev/null; then
	ft_fail "record did not end within 30 s of the abort"
fi
wait "$rec"; rc=$?
exec 9<&-
cat "$out/record.err" >&2
[ "$rc" != 0 ] || ft_fail "record exited 0 after the abort"
echo "ok: record exit status $rc"
grep -q "aborted the connection of $dir (fusectl or umount -f)" "$out/record.err" ||
	ft_fail "no line on stderr saying the connection was aborted"
grep -q "recording incomplete: connection aborted (fusectl or umount -f); 1 request unanswered" "$out/record.err" ||
	ft_fail "stderr does not say the recording is incomplete and why"
if grep -q "got it" "$out/record.out"; then ft_fail "the flock succeeded through an aborted connection"; fi
echo "ok: stderr names the abort; the command's flock failed"
ft_any_mount_at "$dir" && ft_fail "the mount at $dir is still there"

expect "session status" "$(q "$db" "SELECT status FROM session")" incomplete
expect "incomplete_reason" "$(q "$db" "SELECT incomplete_reason FROM session")" \
	"connection aborted (fusectl or umount -f); 1 request unanswered"
expect "the unanswered request" "$(q "$db" "SELECT op FROM inflight")" SETLKW
if [ ${#lttng[@]} -gt 0 ]; then
	"$FUSETRACE" import "$out/trace" "$out/imported.db" >"$out/import.log" 2>&1
	cat "$out/import.log"
	expect "imported: status, reason" "$(q "$out/imported.db" "SELECT status, incomplete_reason FROM session")" \
		"incomplete|connection aborted (fusectl or umount -f); 1 request unanswered"
	expect "imported: the unanswered request" "$(q "$out/imported.db" "SELECT op FROM inflight")" SETLKW
fi

# The same abort of an unrecorded foreground `fusetrace mount`: it says so
# and exits 3 (a normal unmount exits 0), and its mount goes away.
if [ ${#lttng[@]} -eq 0 ] && [ ${#late[@]} -eq 0 ]; then
	dir2=$(realpath "$(ft_tmpdir)")
	"$FUSETRACE" mount "$dir2" >"$out/mount.out" 2>"$out/mount.err" &
	mnt=$!
	ft_track_pid "$mnt"
	id2=""
	for ((i = 0; i < 100; i++)); do
		id2=$(fuse_mount_id "$dir2")
		[ -n "$id2" ] && break
		kill -0 "$mnt" 2>/dev/null || { cat "$out/mount.err" >&2; ft_fail "mount ended before mounting"; }
		sleep 0.1
	done
	[ -n "$id2" ] || ft_fail "fusetrace mount did not mount $dir2 within 10 s"
	abort_mount "$dir2" "$id2" || ft_fail "our mount ($id2 at $dir2) is gone before the abort"
	for ((i = 0; i < 300; i++)); do
		kill -0 "$mnt" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$mnt" 2>/dev/null && ft_fail "mount did not end within 30 s of the abort"
	wait "$mnt"; rc=$?
	cat "$out/mount.err" >&2
	expect "unrecorded mount's exit status after the abort" "$rc" 3
	grep -q "aborted the connection of $dir2 (fusectl or umount -f)" "$out/mount.err" ||
		ft_fail "the unrecorded mount did not say the connection was aborted"
	ft_any_mount_at "$dir2" && ft_fail "the mount at $dir2 is still there"
fi
echo "abort: PASS"
