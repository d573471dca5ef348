mkdir ram disk
mount -t ramfs ramfs ram && echo "$FT_SRC/ram" >> "$FT_SCRATCH/umounts"
echo on-ext4 > disk/a
