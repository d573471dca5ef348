set -e
printf 'original\n' > data.c
