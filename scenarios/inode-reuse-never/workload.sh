set -e
# Hold old's kernel inode with an O_PATH fd taken through the mount (no FUSE
# open, so no file handle and no backing fd of its own): the kernel keeps
# old's nodeid however many dentries a drop_caches elsewhere throws away.
python3 -c 'import os, time; fd = os.open("old", os.O_PATH); open("'"$FT_SCRATCH"'/holder-ready", "w").close(); time.sleep(60)' &
holder=$!
trap 'kill $holder 2>/dev/null' EXIT
for t in $(seq 1 100); do [ -e "$FT_SCRATCH/holder-ready" ] && break; sleep 0.05; done
old_ino=$(stat -c %i old)
rm "$FT_SRC/old"
# ext4 hands a freed inode number out again at once (see inode-reuse); here
# the daemon's pinned O_PATH fd keeps old's inode alive, so it is not free.
for t in $(seq 1 300); do
	echo "NEW content $t" > "$FT_SRC/new$t"
	if [ "$(stat -c %i "$FT_SRC/new$t")" = "$old_ino" ]; then
		echo "inode $old_ino reused by new$t although the daemon pins it"; exit 1
	fi
done
echo "inode $old_ino not reused in 300 creations"
# through the mount: the kernel's nodeid for 'old' still reaches old's data
grep -q "OLD content" old
grep -q "NEW content 1" new1
