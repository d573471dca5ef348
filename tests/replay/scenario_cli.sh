#!/bin/bash
# scenario_cli.sh — `fusetrace scenario`: list, usage errors, and a failing
# assertion reported as FAIL with its offending rows and exit status 1
# (using a scratch scenario directory through $FUSETRACE_SCENARIOS).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/common.sh"
. "$here/lib.sh"
ft_need_root
[ -e /dev/fuse ] || ft_skip "no /dev/fuse"
ft_init
src=$(cd "$here/../.." && pwd)

expect_status "scenario list" 0 "$FUSETRACE" scenario list
for s in inode-reuse handle-fallback create-race fd-pressure unlink-open hardlinks \
	rename-exchange readdirplus writeback-append interrupt git build untar; do
	grep -q "^$s " "$FT_ROOT/last.out" || ft_fail "scenario list lacks $s"
done
expect_status "no action" 2 "$FUSETRACE" scenario
expect_status "unknown action" 2 "$FUSETRACE" scenario frobnicate
expect_status "run without a name" 2 "$FUSETRACE" scenario run
expect_status "unknown scenario" 2 "$FUSETRACE" scenario run no-such-scenario
expect_status "--help" 0 "$FUSETRACE" scenario --help

# A scenario directory of our own: one passing and one failing assertion.
dir=$(ft_tmpdir)
cp "$src/scenarios/run" "$src/scenarios/mounts.sh" "$dir/"
mkdir "$dir/probe"
echo "# probe: one passing and one failing assertion" > "$dir/probe/README.md"
: > "$dir/probe/options"
echo 'echo hello > greeting && cat greeting > /dev/null' > "$dir/probe/workload.sh"
cat > "$dir/probe/assert.sql" <<'SQL'
-- ASSERT: the file was created
SELECT 'no CREATE' WHERE NOT EXISTS (SELECT 1 FROM op WHERE op = 'CREATE' AND name = 'greeting');
-- ASSERT: deliberately false: no request at all
SELECT op, name FROM op WHERE op = 'CREATE';
SQL
FUSETRACE_SCENARIOS=$dir expect_status "a failing assertion exits 1" 1 "$FUSETRACE" scenario run probe
out=$FT_ROOT/last.out
grep -q '^PASS  the file was created' "$out" || { cat "$out"; ft_fail "passing assertion not reported PASS"; }
grep -q '^FAIL  deliberately false' "$out" || { cat "$out"; ft_fail "failing assertion not reported FAIL"; }
grep -Eq '^ +CREATE +greeting' "$out" || { cat "$out"; ft_fail "offending rows not printed"; }
grep -q 'scenarios: 0 passed, 1 failed' "$out" || { cat "$out"; ft_fail "no summary line"; }
kept=$(sed -n 's/.*(kept \(.*\))$/\1/p' "$out")
[ -n "$kept" ] && [ -f "$kept/recording.db" ] || ft_fail "failed scenario's recording not kept"
rm -rf "$kept"
grep -q " $dir/" /proc/self/mountinfo && ft_fail "a mount was left behind"
echo "scenario_cli: list, usage errors and failure reporting work"
