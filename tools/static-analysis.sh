#!/usr/bin/env bash
# static-analysis.sh [BUILD_DIR] — run cppcheck and clang-tidy over the
# project's C sources (main.c and cli/ wire/ shim/ trace/ util/ tracedb/
# import/ viewer/ replay/) with the checked-in
# configuration (.cppcheck-suppressions, .clang-tidy).  Exits non-zero if
# either tool reports a finding.  BUILD_DIR (default: build, else the first
# build-* with compile_commands.json) supplies the compile flags for
# clang-tidy and the generated schema headers.
#   CPPCHECK=0 / CLANG_TIDY=0  skip one tool
#   JOBS=N                     parallel clang-tidy processes (default nproc)
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
bdir=${1:-}
if [ -z "$bdir" ]; then
	for d in build build-rel build-*; do
		[ -f "$d/compile_commands.json" ] && { bdir=$d; break; }
	done
fi
[ -n "$bdir" ] && [ -f "$bdir/compile_commands.json" ] || {
	echo "static-analysis: no build directory with compile_commands.json (run meson setup first)" >&2
	exit 2
}
dirs=(cli wire shim trace util tracedb import viewer replay)
mapfile -t srcs < <({ echo main.c; find "${dirs[@]}" -name '*.c' 2>/dev/null; } | sort)
status=0

if [ "${CPPCHECK:-1}" != 0 ]; then
	command -v cppcheck >/dev/null || { echo "static-analysis: cppcheck not installed" >&2; exit 2; }
	echo "=== cppcheck $(cppcheck --version | awk '{print $2}') over ${#srcs[@]} files"
	# Generated headers (schema) live in the build tree.
	if ! cppcheck --enable=warning,performance,portability --error-exitcode=1 \
		--inline-suppr --suppressions-list="$top/.cppcheck-suppressions" \
		--std=c11 -D_GNU_SOURCE -DFUSE_USE_VERSION=314 -DLTTNG_UST_COMPAT_API_VERSION=1 \
		-DFUSETRACE_VERSION='"0"' -D__linux__ -D__x86_64__ \
		-I "$top" -I "$top/$bdir" -I "$top/$bdir/schemas" \
		--template='{file}:{line}: {severity}: {message} [{id}]' \
		-j "$(nproc)" --quiet "${srcs[@]}"; then
		status=1
	fi
fi

if [ "${CLANG_TIDY:-1}" != 0 ]; then
	tidy=$(command -v clang-tidy || command -v clang-tidy-14) ||
		{ echo "static-analysis: clang-tidy not installed" >&2; exit 2; }
	echo "=== $($tidy --version | grep -o 'version [0-9.]*') over ${#srcs[@]} files (compile flags from $bdir)"
	# only files the build compiles have flags; the rest are reported as skipped
	mapfile -t built < <(python3 - "$bdir/compile_commands.json" "${srcs[@]}" <<'PY'
import json, os, sys
db = json.load(open(sys.argv[1]))
have = {os.path.realpath(os.path.join(e["directory"], e["file"])) for e in db}
for s in sys.argv[2:]:
    print(s if os.path.realpath(s) in have else "SKIP " + s)
PY
)
	files=()
	for f in "${built[@]}"; do
		case $f in SKIP\ *) echo "clang-tidy: not in the build, skipped: ${f#SKIP }";; *) files+=("$f");; esac
	done
	out=$(mktemp)
	printf '%s\n' "${files[@]}" | xargs -P "${JOBS:-$(nproc)}" -n 4 "$tidy" -p "$bdir" --quiet \
		--extra-arg=-Wno-unknown-warning-option 2>/dev/null > "$out"
	# keep only diagnostics about our own sources
	# (paths come as BUILD_DIR/../shim/x.c: fold the "..", make them relative)
	sed -E 's#/[^/]+/\.\./#/#; s#^'"$top"'/##' "$out" |
		grep -E "^(main\.c|(cli|wire|shim|trace|util|tracedb|import|viewer|replay)/[^:]+):[0-9]+:[0-9]+: (warning|error):" | sort -u > "$out.findings"
	cat "$out.findings"
	n=$(wc -l < "$out.findings")
	echo "clang-tidy: $n finding(s)"
	[ "$n" = 0 ] || status=1
	rm -f "$out" "$out.findings"
fi
exit $status
