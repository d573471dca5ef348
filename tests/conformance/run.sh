#!/bin/bash
# run.sh — differential conformance: fsconform on a native ext4 directory vs.
# the same checks through a fusetrace mount, line by line.
#
# usage: run.sh [--fsconform PATH] [--mount-cmd CMD] [--modes LIST]
#               [--allowlist FILE] [--only SUBSTR] [--keep-outputs DIR]
#
#   --fsconform   the fsconform binary (default: $FSCONFORM, or next to the
#                 build's tests/conformance/)
#   --mount-cmd   mount command, called as CMD [options] SOURCE MOUNTPOINT in
#                 the foreground (default: "$FUSETRACE mount"); for libfuse's
#                 example: --mount-cmd tests/lib/pll-mount.sh
#   --modes       comma list of: root, unpriv, unpriv-writeback, user,
#                 user-writeback, writeback, nocache, direct, passthrough
#                 (default: all).  direct and passthrough mount with
#                 --io=direct and --io=passthrough (kernel passthrough).  user and user-writeback
#                 run the whole root set as uid 1000 on an
#                 allow_other,default_permissions mount (fsconform --as-user)
#   --allowlist   known differences (default: known-differences.txt here);
#                 lines "[MODE:]category/name  reason", '#' comments
#
# Exit 0 if every check matches (or is allowlisted), 1 otherwise, 77 if the
# environment cannot run it (not root, no /dev/fuse).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"

FSCONFORM=${FSCONFORM:-}
MODES=root,unpriv,unpriv-writeback,user,user-writeback,writeback,nocache,direct,passthrough
ALLOW=$here/known-differences.txt
ONLY=""
KEEP_OUT=""
while [ $# -gt 0 ]; do
	case $1 in
	--fsconform) FSCONFORM=$2; shift ;;
	--mount-cmd) export FT_MOUNT_CMD=$2; shift ;;
	--modes) MODES=$2; shift ;;
	--allowlist) ALLOW=$2; shift ;;
	--only) ONLY=$2; shift ;;
	--keep-outputs) KEEP_OUT=$2; shift ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

ft_need_root "special files, chown, unprivileged set"
[ -c /dev/fuse ] || ft_skip "/dev/fuse missing"
[ -n "$FSCONFORM" ] || ft_fail "no fsconform binary (--fsconform or FSCONFORM)"
[ -x "$FSCONFORM" ] || ft_fail "fsconform $FSCONFORM is not executable"
id -u 1000 >/dev/null 2>&1 || true   # uid 1000 need not exist in passwd

ft_init
outdir=${KEEP_OUT:-$(ft_tmpdir)}
mkdir -p "$outdir"
only_args=()
[ -n "$ONLY" ] && only_args=(--only "$ONLY")

total=0; differ=0; allowed=0
# Fewest distinct checks a mode may run (at least 150).  The
# unprivileged set (fsconform --unpriv) is a separate, smaller set of 15
# checks, all in category "unpriv": its floor guards it against shrinking
# until it covers the categories of the root set.
min_checks() { case $1 in unpriv*) echo 15 ;; *) echo 150 ;; esac; }

# checks FILE: number of distinct check keys ("category/name: result" lines)
checks() { awk 'index($0, ": ") { k[substr($0, 1, index($0, ": ") - 1)] = 1 } END { print length(k) }' "$1"; }

# summary: distinct checks per category (the key's part before '/') and mode,
# from the native runs
summary() {
	local files=() m
	for m in "${mode_list[@]}"; do files+=("$outdir/$m.native"); done
	awk '
		FNR == 1 { m = FILENAME; sub(/.*\//, "", m); sub(/\.native$/, "", m); modes[++nm] = m }
		index($0, ": ") {
			k = substr($0, 1, index($0, ": ") - 1)
			if (seen[m, k]++) next
			c = k; sub(/\/.*/, "", c)
			n[c, m]++; tot[m]++; cat[c] = 1
		}
		END {
			printf "%-18s", "category"; for (i = 1; i <= nm; i++) printf " %9s", modes[i]; printf "\n"
			nc = 0; for (c in cat) names[++nc] = c
			for (i = 1; i <= nc; i++) for (j = i + 1; j <= nc; j++)
				if (names[j] < names[i]) { t = names[i]; names[i] = names[j]; names[j] = t }
			for (i = 1; i <= nc; i++) {
				printf "%-18s", names[i]
				for (j = 1; j <= nm; j++) printf " %9d", n[names[i], modes[j]]
				printf "\n"
			}
			printf "%-18s", "total"; for (j = 1; j <= nm; j++) printf " %9d", tot[modes[j]]; printf "\n"
			printf "%d categories\n", nc
		}' "${files[@]}"
}

# compare NATIVE MOUNT MODE: print differing checks, update counters
compare() {
	local nat=$1 mnt=$2 mode=$3 res
	res=$(awk -v mode="$mode" -v allowfile="$ALLOW" '
		function key(line) { return substr(line, 1, index(line, ": ") - 1) }
		function val(line) { return substr(line, index(line, ": ") + 2) }
		BEGIN {
			while (allowfile != "" && (getline l < allowfile) > 0) {
				if (l ~ /^[ \t]*(#|$)/) continue
				split(l, f, /[ \t]+/); allow[f[1]] = 1
			}
		}
		FNR == NR { if (index($0, ": ")) { k = key($0); nv[k] = val($0); order[++n] = k } ; next }
		{ if (index($0, ": ")) { k = key($0); mv[k] = val($0); if (!(k in nv)) order[++n] = k } }
		END {
			d = 0; a = 0
			for (i = 1; i <= n; i++) {
				k = order[i]
				if (seen[k]++) continue
				x = (k in nv) ? nv[k] : "<missing>"
				y = (k in mv) ? mv[k] : "<missing>"
				# O_DIRECT: natively unaligned I/O is EINVAL; through FUSE it
				# may succeed. Accept that only where native shows EINVAL.
				if (x ~ /\{dio:EINVAL\}/) gsub(/\{dio:[0-9]+\}/, "{dio:EINVAL}", y)
				if (x == y) continue
				if ((mode ":" k) in allow || k in allow) {
					a++; printf "ALLOWED [%s] %s\n", mode, k > "/dev/stderr"; continue
				}
				d++
				printf "DIFF [%s] %s\n    native: %s\n    mount:  %s\n", mode, k, x, y
			}
			printf "@@ %d %d %d\n", length(seen), d, a
		}' "$nat" "$mnt")
	printf '%s\n' "$res" | grep -v '^@@ '
	set -- $(printf '%s\n' "$res" | sed -n 's/^@@ //p')
	echo "[$mode] $1 checks, $2 differ${3:+, $3 allowlisted}"
	total=$((total + $1)); differ=$((differ + $2)); allowed=$((allowed + $3))
}

run_mode() {
	local mode=$1 native src mnt unpriv=() opts=() dmode=755
	case $mode in
	root) ;;
	unpriv) unpriv=(--unpriv); opts=(-o allow_other,default_permissions); dmode=1777 ;;
	unpriv-writeback) unpriv=(--unpriv); opts=(-o allow_other,default_permissions --writeback); dmode=1777 ;;
	user) unpriv=(--as-user); opts=(-o allow_other,default_permissions) ;;
	user-writeback) unpriv=(--as-user); opts=(-o allow_other,default_permissions --writeback) ;;
	writeback) opts=(--writeback) ;;
	nocache) opts=(--cache=never) ;;
	direct) opts=(--io=direct) ;;
	passthrough) opts=(--io=passthrough) ;;
	*) ft_fail "unknown mode $mode" ;;
	esac
	native=$(ft_tmpdir "$dmode"); src=$(ft_tmpdir "$dmode"); mnt=$(ft_tmpdir)
	ft_log "[$mode] native run in $native"
	ft_run "$FSCONFORM" "${unpriv[@]}" "${only_args[@]}" --backing "$native" "$native" \
		>"$outdir/$mode.native" 2>"$outdir/$mode.native.err" ||
		{ cat "$outdir/$mode.native.err" >&2; ft_fail "[$mode] fsconform failed natively"; }
	# an empty native run would make every comparison vacuous
	local nchecks
	nchecks=$(checks "$outdir/$mode.native")
	[ "$nchecks" -gt 0 ] || { cat "$outdir/$mode.native.err" >&2; ft_fail "[$mode] the native run produced no checks"; }
	if [ -z "$ONLY" ] && [ "$nchecks" -lt "$(min_checks "$mode")" ]; then
		ft_fail "[$mode] only $nchecks checks ran natively (at least $(min_checks "$mode") expected)"
	fi
	ft_log "[$mode] mount run: ${FT_MOUNT_CMD:-$FUSETRACE mount} ${opts[*]} $src $mnt"
	ft_mount "$src" "$mnt" "${opts[@]}"
	ft_run "$FSCONFORM" "${unpriv[@]}" "${only_args[@]}" --backing "$src" "$mnt" \
		>"$outdir/$mode.mount" 2>"$outdir/$mode.mount.err"
	local frc=$?
	[ -s "$outdir/$mode.mount" ] || { cat "$outdir/$mode.mount.err" >&2; ft_fail "[$mode] the run on the mount produced no output"; }
	if ! ft_umount "$mnt"; then
		ft_log "[$mode] unmount was not clean; daemon log:"
		ft_daemon_log "$mnt" | tail -20 | sed 's/^/    | /' >&2
		differ=$((differ + 1))
	fi
	[ $frc = 0 ] || { cat "$outdir/$mode.mount.err" >&2; ft_fail "[$mode] fsconform failed on the mount"; }
	compare "$outdir/$mode.native" "$outdir/$mode.mount" "$mode"
}

IFS=, read -ra mode_list <<<"$MODES"
for m in "${mode_list[@]}"; do
	run_mode "$m"
done
echo "checks per category and mode (distinct checks of the native runs):"
summary
echo "total: $total checks, $differ differ${allowed:+, $allowed allowlisted}"
[ -n "$KEEP_OUT" ] && echo "outputs kept in $KEEP_OUT"
[ "$differ" = 0 ]
