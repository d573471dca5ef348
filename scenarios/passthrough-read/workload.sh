set -e
sum=$(sha256sum big | cut -d' ' -f1)
[ "$sum" = "$(cat "$FT_SCRATCH/big.sha256")" ] || { echo "data differs through the mount" >&2; exit 1; }
