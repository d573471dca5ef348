set -e
: > log
( for i in $(seq 1 100); do echo "writer A line $i" >> log; done ) &
( for i in $(seq 1 100); do echo "writer B line $i" >> log; done ) &
wait
sync log 2>/dev/null || sync
[ "$(wc -l < log)" = 200 ]
[ "$(grep -c 'writer A' log)" = 100 ] && [ "$(grep -c 'writer B' log)" = 100 ]
expected=$(( $(seq 1 100 | sed 's/^/writer A line /' | wc -c) * 2 ))
[ "$(stat -c %s log)" = "$expected" ]
echo "$expected" > "$FT_SCRATCH/expected_size"
