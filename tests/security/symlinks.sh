#!/bin/bash
# symlinks.sh — the daemon never follows a symlink inside the source while
# resolving names.
#  1. A source holding symlinks to /etc, to /etc/passwd, to /proc/self/root
#     and /proc/self/fd/0: through the mount each is a symlink (lstat), with
#     the same target (readlink); reading through one resolves in the
#     client's view (cat MNT/etc-link/hostname = cat /etc/hostname); lookups
#     *below* a link (MNT/etc-link/passwd) are resolved by the kernel in the
#     client, never as a name inside the source (the recording shows no
#     LOOKUP of "passwd" under the link's nodeid answered with an entry).
#  2. The swap races (swap.py, SWAP_SECONDS, default 10): a symlink to an
#     outside directory or file swapped in for dir/target or for the
#     directory component dir2 while the mount creates/opens/truncates/
#     mkdirs there: nothing ever appears outside, the outside victim file is
#     never written or truncated, no outside file is opened for writing.
#     A symlink the *client* meets is followed by the client's kernel, in the
#     client's view (that is correct: it is what a native run does).  To
#     tell that apart from the daemon following it, the client runs in its
#     own mount namespace where OUTSIDE is covered by an empty tmpfs: a
#     client-side follow lands there; only a daemon-side follow can reach
#     the real OUTSIDE, which is what is checked.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../faults/lib.sh"
ft_need_root
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
command -v unshare > /dev/null || ft_skip "unshare missing"
ft_init; fx_init

src=$(ft_tmpdir); mnt=$(ft_tmpdir); outside=$(ft_tmpdir); db=$FT_ROOT/s.db
ln -s /etc "$src/etc-link"
ln -s /etc/passwd "$src/passwd-link"
ln -s /proc/self/root "$src/root-link"
ln -s /proc/self/fd/0 "$src/fd0-link"
ln -s ../../../../../../etc "$src/dotdot-link"
mkdir "$src/dir" "$src/dir2"
echo "original victim" > "$outside/victim"; chmod 644 "$outside/victim"
ft_mount "$src" "$mnt" --db "$db"

for l in etc-link passwd-link root-link fd0-link dotdot-link; do
	[ "$(stat -c %F "$mnt/$l")" = "symbolic link" ] || ft_fail "$l is not a symlink through the mount: $(stat -c %F "$mnt/$l")"
	expect "readlink $l" "$(readlink "$mnt/$l")" "$(readlink "$src/$l")"
done
expect "cat through etc-link" "$(cat "$mnt/etc-link/hostname")" "$(cat /etc/hostname)"
expect "cat through passwd-link" "$(md5sum < "$mnt/passwd-link")" "$(md5sum < /etc/passwd)"
[ -e "$mnt/etc-link/passwd" ] || ft_fail "the client cannot follow etc-link"
ft_umount "$mnt" || ft_fail "unmount"
# no name below a link was looked up in the daemon
n=$(q "$db" "SELECT count(*) FROM op WHERE op = 'LOOKUP' AND name IN ('passwd', 'hostname') AND errno = 0")
expect "LOOKUPs of names below the links answered by the daemon" "$n" 0
n=$(q "$db" "SELECT count(*) FROM backing WHERE name IN ('passwd', 'hostname')") ||
	ft_fail "query on the backing view failed: $n"
expect "backing calls on names below the links" "$n" 0

# ---- 2. the swap races ----
for opts in "" "--handles=never" "--cache=never"; do
	ft_mount "$src" "$mnt" $opts
	before=$(cd "$outside" && find . -printf '%p %s %T@\n' | sort)
	# the namespace keeps our mount and lets go of other suites' FUSE
	# mounts (detach_fuse.sh), whose daemons it would otherwise keep alive
	unshare -m --propagation private sh -c '"$7" "$5" && mount -t tmpfs client-view "$3" && exec "$1" "$2" "$4" "$5" "$3" "$6"' \
		sh "$FX_PY" "$here/swap.py" "$outside" "$src" "$mnt" "${SWAP_SECONDS:-10}" "$here/../lib/detach_fuse.sh" > "$FT_ROOT/swap.out" 2>&1 ||
		{ cat "$FT_ROOT/swap.out"; ft_fail "swap.py failed"; }
	ft_umount "$mnt" || ft_fail "unmount"
	echo "swap race ($opts):"; sed 's/^/    /' "$FT_ROOT/swap.out"
	after=$(cd "$outside" && find . -printf '%p %s %T@\n' | sort)
	[ "$before" = "$after" ] || ft_fail "($opts) something changed outside the source: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -5 | tr '\n' ' ')"
	expect "($opts) victim content" "$(cat "$outside/victim")" "original victim"
	grep -q 'ok' "$FT_ROOT/swap.out" || ft_fail "($opts) no create ever succeeded: the race did not run"
	# tidy the source for the next round
	rm -rf "$src/dir2" "$src/.dir2.real" "$src/.lnk" "$src/dir/target"; mkdir -p "$src/dir2"
done
echo "symlinks: links stay links, nothing outside the source touched"
