#!/bin/bash
# readers.sh — the readers (sql, stats, view's non-interactive error path, export
# when listed, replay) against every kind of bad file (mkdb.py: missing, directory, empty,
# random bytes, truncated three ways, magic-only, foreign SQLite, a foreign
# table called session, future and zero schema versions, no session row,
# a missing view, a bogus status, corrupted pages, file names carrying
# ESC/BEL/CSI and a 3 800-byte path):
#   never a crash (no signal, no sanitizer report), never a hang (10 s),
#   exit 0 or 1 (never 2: the command line was fine); on failure a clear
#   message on stderr that starts "fusetrace CMD:" and matches the case's
#   expected words, at most 3 lines; no ESC, BEL or CSI byte anywhere in the
#   output (the file's own name included).
#   On success (a damaged-but-readable file) the output must not be empty.
# And the reader does not modify the file (checksum before/after).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/../faults/lib.sh"
ft_need_root "to record the source recording"
[ -c /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init; fx_init

dir=$(ft_tmpdir); bad=$(ft_tmpdir); good=$FT_ROOT/good.db
"$FUSETRACE" record --db "$good" "$dir" -- sh -c 'for i in 1 2 3; do echo $i > f$i; cat f$i; done; ls -l; rm f2' \
	> /dev/null 2>&1 || ft_fail "cannot make the source recording"
"$FX_PY" "$here/mkdb.py" "$good" "$bad" > "$FT_ROOT/cases" || ft_fail "mkdb.py failed"

FAILS=(); n=0
EXPORT=""; "$FUSETRACE" --help | grep -q '^  export ' && EXPORT=export
nfail() { ft_log "FAIL (continuing): $*"; FAILS+=("$*"); }
while read -r name expect; do
	f=$bad/$name
	sum0=$( [ -f "$f" ] && md5sum < "$f")
	for cmd in sql stats view sql-json $EXPORT replay; do
		n=$((n + 1))
		case $cmd in
		sql) args=(sql "$f" "SELECT count(*) FROM op" "SELECT * FROM session");;
		sql-json) args=(sql --json "$f" "SELECT * FROM request LIMIT 5");;
		stats) args=(stats "$f");;
		view) args=(view "$f");;
		export) args=(export --format=jsonl "$f");;
		replay) rm -rf "$FT_ROOT/rt"; mkdir "$FT_ROOT/rt"; args=(replay "$f" "$FT_ROOT/rt");;
		esac
		ASAN_OPTIONS=${ASAN_OPTIONS:-}:exitcode=99 timeout 10 "$FUSETRACE" "${args[@]}" \
			< /dev/null > "$FT_ROOT/out" 2> "$FT_ROOT/err"
		rc=$?
		what="${args[0]} $(printf %q "$name" | cut -c1-120)"
		msg=$(head -1 "$FT_ROOT/err")
		if [ $rc -ge 124 ] || [ $rc = 99 ] || [ $rc = 2 ]; then
			nfail "$what: exit $rc (crash, hang or usage error): $(tr '\n' '|' < "$FT_ROOT/err" | head -c 300)"
		elif grep -q 'Sanitizer\|runtime error' "$FT_ROOT/err"; then
			nfail "$what: sanitizer report: $(grep -m1 'Sanitizer\|runtime error' "$FT_ROOT/err")"
		elif LC_ALL=C grep -q $'[\x1b\x07\x9b]' "$FT_ROOT/out" "$FT_ROOT/err"; then
			nfail "$what: ESC, BEL or CSI byte in the output"
		elif [ $rc = 1 ] && [ "$cmd" = view ] && grep -q 'needs a terminal' "$FT_ROOT/err"; then
			echo "ok: $what -> readable; stops at the terminal check"
		elif [ $rc = 1 ]; then
			cmdname=${args[0]}
			if ! echo "$msg" | grep -q "^fusetrace $cmdname: "; then nfail "$what: message does not start 'fusetrace $cmdname:': $msg"
			elif ! grep -Eqi -- "$expect" "$FT_ROOT/err"; then nfail "$what: message does not match /$expect/: $msg"
			elif [ "$(wc -l < "$FT_ROOT/err")" -gt 3 ]; then nfail "$what: $(wc -l < "$FT_ROOT/err") lines of error"
			else echo "ok: $what -> $msg"
			fi
		elif [ "$cmd" = view ]; then
			nfail "$what: exit $rc without a terminal: $msg"
		else
			[ -s "$FT_ROOT/out" ] || nfail "$what: exit 0 with no output"
			echo "ok: $what -> exit 0 (readable)${msg:+, note: $msg}"
		fi
	done
	sum1=$( [ -f "$f" ] && md5sum < "$f")
	[ "$sum0" = "$sum1" ] || nfail "$name: a reader modified the file"
done < "$FT_ROOT/cases"

# the good one still reads (sanity: the failures above are about the files)
"$FUSETRACE" stats "$good" > /dev/null || nfail "the good recording does not read"
echo "$n reader runs"
[ ${#FAILS[@]} = 0 ] || ft_fail "${#FAILS[@]} failed:$(printf '\n  - %s' "${FAILS[@]}")"
echo "readers: every bad file refused clearly or read safely"
