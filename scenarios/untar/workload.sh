set -e
tar -xf "$FT_SCRATCH/tree.tar"
tar -df "$FT_SCRATCH/tree.tar"
[ "$(readlink dir2/link)" = ../dir1/file1 ]
[ "$(stat -c %i dir3/file3)" = "$(stat -c %i dir3/hard)" ]
[ "$(stat -c %a dir1/file1)" = 600 ]
