# lib.sh — helpers for the recorder integration tests (source after common.sh)


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
