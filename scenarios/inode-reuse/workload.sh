set -e
. "$FT_SCEN/../inode-reuse/hold_old.sh"
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
