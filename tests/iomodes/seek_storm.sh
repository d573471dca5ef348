#!/bin/bash
# seek_storm.sh — SEEK_DATA/SEEK_HOLE from as many processes at once as the
# daemon has threads (and more), each on a file whose data the writeback
# cache still holds dirty (seek_storm.py): every answer must come, and be
# the native one.  A daemon that waited for the kernel's writeback on its
# FUSE workers hung here for good (every worker in fuse_launder_folio /
# folio_wait_writeback, none left to serve the WRITEs); a hang is freed
# through fusectl and reported.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../record/lib.sh"    # abort_mount
ft_need_root
[ -c /dev/fuse ] || ft_skip "/dev/fuse missing"
ft_init

fails=0
for cfg in "2:--writeback --threads=2" "10:--writeback" "4:--writeback --threads=1" "3:--threads=2"; do
	n=${cfg%%:*}; opts=${cfg#*:}
	native=$(ft_tmpdir)
	want=$(timeout 60 /usr/bin/python3 "$here/seek_storm.py" "$native" "$n") ||
		ft_fail "seek_storm.py failed natively"
	src=$(ft_tmpdir); mnt=$(ft_tmpdir)
	# shellcheck disable=SC2086
	ft_mount "$src" "$mnt" $opts
	id=$(fuse_mount_id "$mnt")
	# in the background, output to a file: a hung seek leaves its process
	# in the kernel until the abort below, and nothing here may wait for it
	timeout -s KILL 60 /usr/bin/python3 "$here/seek_storm.py" "$mnt" "$n" > "$mnt.out" 2>&1 &
	ft_track_pid $!
	wait $!; rc=$?
	got=$(cat "$mnt.out")
	if [ $rc = 137 ]; then
		echo "HANG [$n processes, $opts]: no answer within 60 s"
		grep -h . /sys/fs/fuse/connections/*/waiting 2>/dev/null | head -3 | sed 's/^/    waiting: /'
		abort_mount "$mnt" "$id"
		fails=$((fails + 1))
		ft_umount "$mnt" >/dev/null 2>&1
		continue
	fi
	ft_umount "$mnt" || ft_fail "[$opts] unmount"
	if [ $rc = 0 ] && [ "$got" = "$want" ]; then
		echo "ok   $n processes [$opts]"
	else
		echo "DIFF $n processes [$opts] (status $rc)"; diff <(echo "$want") <(echo "$got") | sed 's/^/    /'
		fails=$((fails + 1))
	fi
done
[ $fails = 0 ] || ft_fail "$fails of 4 seek storms hung or differed from the native run"
echo "seek_storm: every seek answered, as natively"
