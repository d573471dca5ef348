# shellcheck shell=bash
# cases/lib.sh — what every gauntlet case script ends with (source it last).
#
# A case script sets
#   timeout=SECONDS   bound of one run, natively generous (hang = failure)
#   comms=(NAME...)   process names whose requests the recording must hold:
#                     programs that run long enough (tens of milliseconds
#                     and more) to be named; a process's name is learnt
#                     after its exec, and one that has exec'd again or
#                     exited by then may stay unnamed
#   pids=N            at least N distinct processes made requests
#   checks=("MIN|SQL"...)  each SQL query on the recording must give a
#                     number >= MIN: what the recording must show of the
#                     workload (the `op` view: op, path, pid, ...);
#                     "data:MIN|SQL" counts READ/WRITE requests, which
#                     --io=passthrough never sends to the daemon
#   ignore=(GLOB...)  paths (relative, fnmatch) whose content legitimately
#                     differs between two runs; each with its reason
# and defines
#   prepare DIR       fill the empty directory DIR with the case's tree
#   workload          run in the current directory (natively or on the
#                     mount); stdout must be the same wherever it runs, so
#                     chatty tools log to gauntlet.log (not compared) and
#                     the workload prints results
# and is called as CASE.sh info|prepare DIR|run by run.sh.
set -eu -o pipefail

gauntlet_case() {
	case ${1:-} in
	info)
		echo "timeout ${timeout:-60}"
		echo "pids ${pids:-1}"
		local x
		for x in "${comms[@]}"; do echo "comm $x"; done
		for x in "${checks[@]}"; do echo "check $x"; done
		for x in "${ignore[@]}"; do echo "ignore $x"; done
		echo "ignore gauntlet.log"
		;;
	prepare) prepare "$2" ;;
	run) workload ;;
	*) echo "usage: $0 info|prepare DIR|run" >&2; exit 2 ;;
	esac
}

# helper NAME: path of a gauntlet C helper
helper() {
	local p=${GAUNTLET_HELPERS:?GAUNTLET_HELPERS is not set}/gauntlet-$1
	[ -x "$p" ] || { echo "missing helper $p" >&2; exit 1; }
	printf '%s\n' "$p"
}
