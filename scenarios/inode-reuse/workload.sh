set -e
# Hold old's kernel inode with an O_PATH fd taken through the mount (no FUSE
# open, so no file handle and no backing fd of its own): the kernel keeps
# old's nodeid however many dentries a drop_caches elsewhere throws away.
python3 -c 'import os, time; fd = os.open("old", os.O_PATH); open("'"$FT_SCRATCH"'/holder-ready", "w").close(); time.sleep(60)' &
holder=$!
trap 'kill $holder 2>/dev/null' EXIT
for t in $(seq 1 100); do [ -e "$FT_SCRATCH/holder-ready" ] && break; sleep 0.05; done
old_ino=$(stat -c %i old)
for i in 1 2 3 4 5 6; do stat evict$i > /dev/null; done
rm "$FT_SRC/old"
reused=""
for t in $(seq 1 1000); do
	echo "NEW content $t" > "$FT_SRC/new$t"
	if [ "$(stat -c %i "$FT_SRC/new$t")" = "$old_ino" ]; then reused=new$t; break; fi
done
[ -n "$reused" ] || { echo "ext4 did not reuse inode $old_ino in 1000 creations"; exit 1; }
echo "inode $old_ino reused by $reused"
# through the mount: the new file, with its own content
grep -q "NEW content" "$reused"
