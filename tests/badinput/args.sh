#!/bin/bash
# args.sh — every subcommand `fusetrace --help` lists, with missing, extra,
# malformed and conflicting arguments.  Each must:
#   exit 2; print nothing on stdout; print exactly two lines on stderr — a
#   one-line reason starting "fusetrace" and a usage hint naming --help —
#   and the reason must name the offending thing (the case's KEY);
#   touch nothing: the working directory, SOURCE and MOUNTPOINT unchanged,
#   no new mount, no database created (record defaults to ./fusetrace-*.db).
# Also: the list of subcommands is read from --help, and a subcommand this
# test has no cases for fails the test (new commands need bad-input cases).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../faults/lib.sh"
ft_init; fx_init
[ -x "${FUSETRACE:-}" ] || ft_fail "FUSETRACE is not set"

work=$(ft_tmpdir); a=$work/a; b=$work/b; mkdir "$a" "$b"; echo keep > "$a/file"
db=$work/exists.db; echo "not touched" > "$db"
cd "$work" || ft_fail "cd"

# the tree under $work, and the mounts at or under it (the global mount
# table is not stable: other tests may run on the machine)
snapshot() { (cd "$work" && find . -printf '%p %s %T@ %m\n' | sort
	awk -v w="$work" '$5 == w || index($5, w "/") == 1 {print "mount", $5}' /proc/self/mountinfo); }
before=$(snapshot)
FAILS=()
nfail() { ft_log "FAIL (continuing): $*"; FAILS+=("$*"); }
ncases=0

# case KEY ARGS...: KEY is a word the reason must contain (case-insensitive)
case_() {
	local key=$1; shift
	ncases=$((ncases + 1))
	timeout 5 "$FUSETRACE" "$@" < /dev/null > "$FT_ROOT/out" 2> "$FT_ROOT/err"
	local rc=$? what="fusetrace $*"
	local nl; nl=$(wc -l < "$FT_ROOT/err")
	if [ $rc != 2 ]; then nfail "$what: exit $rc, expected 2 ($(head -1 "$FT_ROOT/err"))"
	elif [ -s "$FT_ROOT/out" ]; then nfail "$what: wrote to stdout"
	elif [ "$nl" != 2 ]; then nfail "$what: $nl stderr lines, expected reason + hint: $(tr '\n' '|' < "$FT_ROOT/err")"
	elif ! head -1 "$FT_ROOT/err" | grep -q '^fusetrace'; then nfail "$what: reason does not start with 'fusetrace'"
	elif ! sed -n 2p "$FT_ROOT/err" | grep -q -- '--help'; then nfail "$what: no usage hint"
	elif ! head -1 "$FT_ROOT/err" | grep -qiF -- "$key"; then nfail "$what: reason does not mention '$key': $(head -1 "$FT_ROOT/err")"
	else echo "ok: $what -> $(head -1 "$FT_ROOT/err")"
	fi
	local now; now=$(snapshot)
	if [ "$now" != "$before" ]; then
		nfail "$what: touched something: $(diff <(echo "$before") <(echo "$now") | grep '^[<>]' | head -3 | tr '\n' ' ')"
		# restore the baseline for the next cases
		rm -f "$work"/fusetrace-*.db*; before=$(snapshot)
	fi
	# never leave a mount behind, even if a case mounted by mistake
	for m in "$a" "$b"; do ft_any_mount_at "$m" && { fusermount3 -u "$m" 2>/dev/null || umount -l "$m"; }; done
}

# ---- global ----
case_ "missing command"
case_ "bogus" bogus
case_ "--bogus" --bogus

# ---- mount ----
case_ "missing" mount
case_ "unexpected" mount "$a" "$b" extra
case_ "cache" mount --cache=bogus "$a" "$b"
case_ "cache" mount --cache= "$a" "$b"
case_ "threads" mount --threads=0 "$a" "$b"
case_ "--io" mount --io=fast "$a" "$b"
case_ "GLOB:MODE" mount --io-rule=nomode "$a" "$b"
case_ "mode" mount '--io-rule=*.iso:fast' "$a" "$b"
case_ "writeback" mount --io=passthrough --writeback "$a" "$b"
case_ "writeback" record '--io-rule=*.iso:passthrough' --writeback "$a" -- true
case_ "--cache=never" mount --cache=never --io=cached "$a" "$b"
if command -v setpriv >/dev/null; then
	# passthrough without CAP_SYS_ADMIN: refused before anything is mounted
	real=$FUSETRACE
	printf '#!/bin/sh\nexec setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin "%s" "$@"\n' "$real" \
		> "$FT_ROOT/nocap.sh"
	chmod +x "$FT_ROOT/nocap.sh"
	FUSETRACE=$FT_ROOT/nocap.sh
	case_ "CAP_SYS_ADMIN" mount --io=passthrough "$a" "$b"
	FUSETRACE=$real
fi
case_ "threads" mount --threads=abc "$a" "$b"
case_ "threads" mount --threads=1025 "$a" "$b"
case_ "threads" mount --threads=99999999999999999999 "$a" "$b"
case_ "threads" mount --threads=18014398509481985k "$a" "$b"     # 2^54+1 KiB wraps to 1024
case_ "ring-size" mount --db "$work/n.db" --ring-size=18014398509481988k "$a" "$b"   # wraps to 4096
case_ "handles" mount --handles=always "$a" "$b"
case_ "fd-cache" mount --fd-cache=0 "$a" "$b"
case_ "fd-cache" mount --fd-cache=-5 "$a" "$b"
case_ "ring-size" mount --db "$work/n.db" --ring-size=1 "$a" "$b"
case_ "capture-data" mount --db "$work/n.db" --capture-data=-1 "$a" "$b"
case_ "capture-data" mount --db "$work/n.db" --capture-data=2M "$a" "$b"
case_ "--bogus" mount --bogus "$a" "$b"
case_ "-x" mount -x "$a" "$b"
case_ "value" mount --db                       # missing value
case_ "value" mount --threads             # missing value
case_ "value" mount -o                           # missing value
case_ "no-db" mount --no-db "$a" "$b"
case_ "lttng-output" mount --lttng-output=x "$a" "$b"
case_ "relay URL" mount --lttng-url=http://relay "$a" "$b"
case_ "lttng-output" mount --lttng-url=file:///tmp/t "$a" "$b"
case_ "port" mount --lttng-url=net://relay:0 "$a" "$b"
case_ "port" mount --lttng-url=net://relay:5342:99999 "$a" "$b"
case_ "no host" mount --lttng-url=net:// "$a" "$b"
case_ "]" mount --lttng-url=net6://[::1 "$a" "$b"
case_ "character" mount -o lttng-url=net://re@lay "$a" "$b"
case_ "value" mount --lttng-url
case_ "lttng-url" mount --lttng-session=build1 "$a" "$b"
case_ "session name" mount --lttng-url=net://relay --lttng-session=a/b "$a" "$b"
case_ "session name" mount --lttng-url=net://relay --lttng-session=-x "$a" "$b"
case_ "--lttng" record --lttng-session=build1 "$a" -- true
case_ "allow_other" mount --no-default-permissions "$a" "$b"
case_ "contradicts" mount -o allow_other --no-default-permissions -o default_permissions "$a" "$b"
case_ "--db" mount --drop "$a" "$b"
case_ "capture-data" mount --capture-data=64 "$a" "$b"

# ---- record ----
case_ "COMMAND" record
case_ "COMMAND" record "$a"
case_ "missing DIR" record -- true           # no DIR at all
case_ "missing DIR" record --db "$work/n.db" -- true  # options, then no DIR
case_ "COMMAND" record "$a" --
case_ "extra" record "$a" "$b" -- true
case_ "no-db" record --no-db "$a" -- true
case_ "contradict" record --lttng-url=net://relay --lttng-output="$work/t" "$a" -- true
case_ "relay URL" record --no-db --lttng-url=relay:5342 "$a" -- true
case_ "contradict" record --no-db --lttng --db "$work/n.db" "$a" -- true
case_ "--bogus" record --bogus "$a" -- true
case_ "threads" record --threads=0 "$a" -- true
case_ "handles" record --handles= "$a" -- true
case_ "cache" record --cache=sometimes "$a" -- true
case_ "value" record --db
case_ "allow_other" record --no-default-permissions "$a" -- true

# ---- view ----
case_ "missing" view
case_ "extra" view "$db" "$db"
case_ "slow" view --slow=bogus "$db"
case_ "slow" view --slow=-1ms "$db"
case_ "--slow" view --slow                    # missing value (and named as typed)
case_ "--bogus" view --bogus "$db"
case_ "-z" view -z "$db"
case_ "--session" view --session                # missing value

# ---- sql ----
case_ "missing" sql
case_ "QUERY" sql "$db"
case_ "exclusive" sql --csv --json "$db" "SELECT 1"
case_ "--bogus" sql --bogus "$db" "SELECT 1"
case_ "--session" sql --session

# ---- stats ----
case_ "missing" stats
case_ "--top" stats --top
case_ "--top" stats --top 0 "$db"
case_ "--top" stats --top abc "$db"
case_ "--top" stats --top 100001 "$db"
case_ "unexpected" stats "$db" "$db"
case_ "--bogus" stats --bogus "$db"
case_ "--by" stats --by=bogus "$db"
case_ "--by" stats --by=op,op "$db"
case_ "--session" stats --session
case_ "--session" stats --pid 1 --session 1 "$db"
case_ "--by" stats --by=op, "$db"
case_ "--by=host" stats --by=host
case_ "--top" stats --by=host --top 3 "$db"
case_ "--by=host" stats "$db" --by=host

# ---- the subcommands added later (run only when --help lists them) ----
has() { "$FUSETRACE" --help | grep -q "^  $1 "; }
if has export; then
	case_ "missing DB" export
	case_ "format" export "$db"
	case_ "xml" export --format=xml "$db"
	case_ "argument" export --format=jsonl "$db" extra
	case_ "--bogus" export --bogus "$db"
	case_ "argument" export --format=jsonl "$db" -o    # missing value
fi
if has import; then
	case_ "missing" import
	case_ "missing DB" import "$a"
	case_ "argument" import "$a" "$work/x.db" extra
	case_ "value" import --session                      # missing value
	case_ "--bogus" import --bogus "$a" "$work/x.db"
	case_ "OUTDIR" import --relay "$a"
	case_ "contradict" import --relay --session x "$a" "$work/out"
	case_ "-o" import -o                                # missing value
	case_ "TRACE_DIR" import -o "$work/f.db"
	case_ "RELAY_DIR" import --relay -o "$work/f.db"
	case_ "argument" import -o "$work/f.db" "$a" "$b"
	case_ "-o" import --live net://127.0.0.1/host/h/s -o "$work/f.db" "$work/x.db"
fi
if has replay; then
	case_ "missing" replay
	case_ "missing TARGET" replay "$db"
	case_ "unexpected" replay "$db" "$a" "$b"
	case_ "--bogus" replay --bogus "$db" "$a"
fi
if has scenario; then
	case_ "missing" scenario
	case_ "bogus" scenario bogus
	case_ "missing" scenario run
	case_ "no arguments" scenario list extra
fi

# ---- every listed subcommand has cases here ----
listed=$("$FUSETRACE" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[ -n "$listed" ] || nfail "fusetrace --help lists no commands"
for c in $listed; do
	case $c in mount|record|view|sql|stats|export|import|replay|scenario) ;;
	*) nfail "subcommand '$c' (listed by --help) has no bad-input cases in args.sh";;
	esac
	# and each has a --help that exits 0 on stdout
	"$FUSETRACE" "$c" --help > "$FT_ROOT/h" 2>&1 && grep -qi usage "$FT_ROOT/h" ||
		nfail "fusetrace $c --help: no usage"
done

# ---- operational errors (not usage errors): clear, non-zero, nothing touched ----
op_case() {   # op_case KEY EXPECTED_RC ARGS...
	local key=$1 want=$2; shift 2
	ncases=$((ncases + 1))
	timeout 10 "$FUSETRACE" "$@" < /dev/null > "$FT_ROOT/out" 2> "$FT_ROOT/err"
	local rc=$? what="fusetrace $*"
	if [ $rc != "$want" ]; then nfail "$what: exit $rc, expected $want ($(head -1 "$FT_ROOT/err"))"
	elif ! grep -qiF -- "$key" "$FT_ROOT/err"; then nfail "$what: message does not mention '$key': $(head -2 "$FT_ROOT/err" | tr '\n' '|')"
	else echo "ok: $what -> exit $rc: $(head -1 "$FT_ROOT/err")"
	fi
	local now; now=$(snapshot)
	[ "$now" = "$before" ] || { nfail "$what: touched something: $(diff <(echo "$before") <(echo "$now") | grep '^[<>]' | head -3 | tr '\n' ' ')"; rm -f "$work"/fusetrace-*.db*; before=$(snapshot); }
	for m in "$a" "$b"; do ft_any_mount_at "$m" && { fusermount3 -u "$m" 2>/dev/null || umount -l "$m"; }; done
}
if [ "$(id -u)" = 0 ] && [ -c /dev/fuse ]; then
	op_case "nonexistent" 1 mount "$work/nonexistent" "$b"
	op_case "not a directory" 1 mount "$a/file" "$b"
	op_case "not a directory" 1 mount "$a" "$a/file"
	op_case "exists" 1 mount --db "$db" "$a" "$b"                 # refuses to overwrite
	op_case "under the mountpoint" 2 mount --db "$b/x.db" "$a" "$b"
	op_case "nonexistent" 1 mount --db "$work/nonexistent/x.db" "$a" "$b"
	op_case "nonexistent" 125 record "$work/nonexistent" -- true
	op_case "exists" 125 record --db "$db" "$a" -- true
	op_case "under the mountpoint" 2 record --db "$a/x.db" "$a" -- true
	op_case "No such file or directory" 1 mount ""  "$b"
	[ "$(cat "$db")" = "not touched" ] || nfail "the existing database file was modified"
fi

echo "$ncases cases"
[ ${#FAILS[@]} = 0 ] || ft_fail "${#FAILS[@]} of $ncases cases failed:$(printf '\n  - %s' "${FAILS[@]}")"
echo "args: every bad command line refused with exit 2, one line + hint, nothing touched"
