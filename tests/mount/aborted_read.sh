#!/bin/bash
# aborted_read.sh — a read of /dev/fuse that fails with ECONNABORTED ends the
# session the way ENODEV does: after a clean unmount the daemon exits 0 and
# says it was unmounted; after a fusectl abort it says the connection was
# aborted and exits 3.
#
# The kernel answers ECONNABORTED, without FUSE_ABORT_ERROR, to a read that
# took a request just as the connection shut down, and an unmount shuts it
# down too; libfuse 3.14 calls anything but ENODEV an error ("fuse: reading
# device: Software caused connection abort") and the daemon exited 1 after a
# clean unmount (cycles.sh, once in CI).  The race is rare; the interposer
# read_aborted.so (LD_PRELOAD into the daemon) turns every ENODEV of a
# /dev/fuse read into ECONNABORTED, and marks that it did.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../record/lib.sh"
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init
[ -n "${READ_ABORTED_SO:-}" ] && [ -f "$READ_ABORTED_SO" ] || ft_fail "READ_ABORTED_SO (the interposer) not set or missing"
# Under ASan the runtime must come first; a preloaded module comes before it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# run_case LABEL HOW: mount with --daemon (as cycles.sh, where it was
# seen), write and read a file, end the mount HOW (unmount | abort), wait
# for the daemon; sets $err (its log) and $status (its last word).
run_case() {
	local label=$1 how=$2 src mnt id pid i
	src=$(ft_tmpdir); mnt=$(realpath "$(ft_tmpdir)")
	err=$FT_ROOT/$label.log
	rm -f "$FT_ROOT/$label.mark"
	READ_ABORTED_MARK=$FT_ROOT/$label.mark LD_PRELOAD=$READ_ABORTED_SO \
		"$FUSETRACE" mount --daemon --log "$err" "$src" "$mnt" ||
		ft_fail "$label: mount --daemon failed: $(cat "$err" 2>/dev/null)"
	pid=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$err" | tail -1)
	[ -n "$pid" ] || ft_fail "$label: no pid in the daemon's log"
	ft_track_pid "$pid"
	id=$(fuse_mount_id "$mnt")
	[ -n "$id" ] || ft_fail "$label: mount --daemon returned without a mount at $mnt"
	echo data > "$mnt/f" && [ "$(cat "$mnt/f")" = data ] || ft_fail "$label: the mount does not serve"
	case $how in
	unmount) fusermount3 -u "$mnt" || ft_fail "$label: fusermount3 -u failed" ;;
	abort) abort_mount "$mnt" "$id" || ft_fail "$label: our mount is gone before the abort" ;;
	esac
	for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && ft_fail "$label: the daemon did not end within 10 s"
	cat "$err" >&2
	[ -e "$FT_ROOT/$label.mark" ] || ft_fail "$label: the interposer never saw ENODEV on /dev/fuse (not preloaded?)"
	if grep -q "reading device" "$err"; then ft_fail "$label: libfuse reported the read as an error"; fi
	status=$(sed -n 's/.*unmounted; exiting with status \([0-9]*\)$/\1/p' "$err" | tail -1)
	if ft_any_mount_at "$mnt"; then umount -l "$mnt"; ft_fail "$label: the mount at $mnt is still there"; fi
}

run_case unmount unmount
expect "exit status after a clean unmount whose last read failed with ECONNABORTED" "$status" 0
if grep -q "aborted the connection" "$err"; then ft_fail "a clean unmount was called an abort"; fi

run_case abort abort
expect "exit status after a fusectl abort" "$status" 3
grep -q "aborted the connection of .* (fusectl or umount -f)" "$err" || ft_fail "the abort was not named"
echo "aborted_read: PASS"
