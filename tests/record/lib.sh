# lib.sh — helpers for the recorder integration tests (source after common.sh)

# q DB SQL: one value (first column of the first row)
q() { sqlite3 -batch -noheader "$1" "$2"; }

# expect NAME OBSERVED EXPECTED
expect() {
	[ "$2" = "$3" ] || ft_fail "$1: expected $3, observed $2"
	echo "ok: $1 = $2"
}

# expect_ge NAME OBSERVED MIN
expect_ge() {
	[ "$2" -ge "$3" ] 2>/dev/null || ft_fail "$1: expected >= $3, observed $2"
	echo "ok: $1 = $2 (>= $3)"
}

# drop the kernel's caches until the table stops shrinking (bounded)
drop_caches() {
	local i
	for i in 1 2 3; do
		sync
		echo 3 > /proc/sys/vm/drop_caches
		sleep 0.2
	done
}

# record_sh DB DIR SCRIPT [fusetrace options...]: record `sh -c SCRIPT` in DIR
record_sh() {
	local db=$1 dir=$2 script=$3; shift 3
	"$FUSETRACE" record --db "$db" "$@" "$dir" -- sh -c "$script"
}
