#!/bin/bash
# meson: `meson setup` and `ninja` of a real meson project, this source tree
# (copied): meson runs compilers, pkg-config and python from its own python
# process, which holds files of the build directory open; ninja runs the
# compilers two at a time; the product is then run from the mount.  To keep
# the case's three runs short, only the fusetrace executable is built (with
# every library it links), without optimisation (buildtype plain: the same
# compilers, files and steps, a third of the CPU time).
timeout=240
comms=(meson ninja cc1)
pids=20
# legitimately different between two runs of the same build:
ignore=(
	build/meson-logs       # timings, and the names of meson's temporary files
	build/meson-private    # pickled state with timestamps, temporary sanity-check programs
	build/meson-info/intro-tests.json       # dependency lists in an unstable order
	build/meson-info/intro-benchmarks.json  # the same
	build/.ninja_log       # ninja's per-edge timings
	build/.ninja_deps      # ninja's dependency log records mtimes
)

prepare() {
	local src=${GAUNTLET_SOURCE_ROOT:?GAUNTLET_SOURCE_ROOT is not set}
	if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
		# the tree as it is, without build directories and other ignored files
		git -C "$src" ls-files -z --cached --others --exclude-standard |
			tar -C "$src" --null -T - -cf - | tar -C "$1" -xf -
	else
		tar -C "$src" --exclude='./build*' -cf - . | tar -C "$1" -xf -
	fi
}

workload() {
	meson setup build --buildtype=plain > gauntlet.log 2>&1
	local exe
	exe=$(meson introspect build --targets | python3 -c '
import json, os, sys
for t in json.load(sys.stdin):
    if t["name"] == "fusetrace" and t["type"] == "executable":
        print(os.path.relpath(t["filename"][0], os.path.abspath("build")))')
	[ -n "$exe" ] || { echo "no fusetrace executable in the build" >&2; exit 1; }
	ninja -C build -j2 "$exe" >> gauntlet.log 2>&1
	echo "built build/$exe"
	"build/$exe" --help | head -3
}

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
