set -e
. "$FT_SCEN/../inode-reuse/hold_old.sh"
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
