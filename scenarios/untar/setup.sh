t=$FT_SCRATCH/tree
mkdir -p "$t"
for d in $(seq 1 6); do mkdir -p "$t/dir$d"; for f in $(seq 1 10); do head -c $((d * f * 37)) /dev/zero | tr '\0' "$d" > "$t/dir$d/file$f"; done; done
chmod 600 "$t/dir1/file1"; chmod 755 "$t/dir2/file2"
ln -s ../dir1/file1 "$t/dir2/link"
ln "$t/dir3/file3" "$t/dir3/hard"
tar -C "$t" -cf "$FT_SCRATCH/tree.tar" .
