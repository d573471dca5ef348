# scenarios/bench/pll.sh — sourced by scenarios/bench/run and instr: build
# Debian's passthrough_ll example the way both benchmarks compare against it.

# build_pll DIR SETUP: build DIR/passthrough_ll with the HAVE_* macros this
# machine's glibc supports, at -O2 -g (fusetrace's default meson build is
# debugoptimized; the example Makefile's bare -Wall would mean -O0).  Sets
# PLL to the binary and appends how it was built to the file SETUP.
build_pll() {
	local d=$1 setup=$2 ex=/usr/share/doc/libfuse3-dev/examples have=
	[ -f $ex/passthrough_ll.c ] || { echo "bench: $ex/passthrough_ll.c missing (apt-get install libfuse3-dev)" >&2; return 1; }
	mkdir -p "$d" && cp $ex/passthrough_ll.c $ex/passthrough_helpers.h "$d/" || return 1
	local defs=() name code
	# Probe glibc for each function the example family tests with HAVE_*.
	while IFS='|' read -r name code; do
		printf '#define _GNU_SOURCE\n#include <fcntl.h>\n#include <unistd.h>\n#include <sys/stat.h>\n#include <sys/xattr.h>\n#include <stdio.h>\nint main(void){ %s; return 0; }\n' "$code" >"$d/probe.c"
		if cc -Werror=implicit-function-declaration -o "$d/probe" "$d/probe.c" 2>/dev/null; then
			defs+=("-DHAVE_$name")
			have+="HAVE_$name=yes "
		else
			have+="HAVE_$name=no "
		fi
	done <<'EOF'
FALLOCATE|fallocate(0, 0, 0, 0)
POSIX_FALLOCATE|posix_fallocate(0, 0, 0)
COPY_FILE_RANGE|copy_file_range(0, 0, 1, 0, 0, 0)
SETXATTR|setxattr("", "", "", 0, 0)
UTIMENSAT|utimensat(0, "", 0, 0)
FSTATAT|struct stat s; fstatat(0, "", &s, 0)
FDATASYNC|fdatasync(0)
EOF
	local used
	used=$(grep -o 'HAVE_[A-Z_]*' "$d/passthrough_ll.c" | sort -u | tr '\n' ' ')
	cc -O2 -g -Wall "${defs[@]}" $(pkg-config fuse3 --cflags) "$d/passthrough_ll.c" \
		-o "$d/passthrough_ll" $(pkg-config fuse3 --libs) -lpthread || return 1
	PLL=$d/passthrough_ll
	{
		echo "passthrough_ll: built with -O2 -g ${defs[*]}"
		echo "passthrough_ll: probed: $have"
		echo "passthrough_ll: macros the source consults: $used"
	} >>"$setup"
}
