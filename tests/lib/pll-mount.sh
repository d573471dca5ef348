#!/bin/bash
# pll-mount.sh — run libfuse's passthrough_ll example with fusetrace's mount
# CLI, as a stand-in peer for the test suite:
#   FT_MOUNT_CMD="tests/lib/pll-mount.sh" (PLL=/path/to/passthrough_ll)
# Usage: pll-mount.sh [fusetrace mount options] SOURCE MOUNTPOINT
# The mount gets subtype "fusetrace" so the library's mount check matches.
set -u
PLL=${PLL:-/tmp/pll}
[ -x "$PLL" ] || { echo "pll-mount.sh: PLL=$PLL not executable" >&2; exit 2; }
opts=(-f)
o="subtype=fusetrace,xattr,flock"
args=()
while [ $# -gt 0 ]; do
	case $1 in
	-o) o="$o,$2"; shift ;;
	-o*) o="$o,${1#-o}" ;;
	--cache=*) o="$o,cache=${1#--cache=}" ;;
	--writeback) o="$o,writeback" ;;
	--threads=*) o="$o,max_threads=${1#--threads=}" ;;
	--handles=*) ;;   # no equivalent
	--debug) opts+=(-d) ;;
	-*) echo "pll-mount.sh: unknown option $1" >&2; exit 2 ;;
	*) args+=("$1") ;;
	esac
	shift
done
[ ${#args[@]} -eq 2 ] || { echo "usage: pll-mount.sh [options] SOURCE MOUNTPOINT" >&2; exit 2; }
exec "$PLL" "${opts[@]}" -o "$o,source=${args[0]}" "${args[1]}"
