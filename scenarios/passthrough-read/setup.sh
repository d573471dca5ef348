set -e
head -c $((256 << 20)) /dev/urandom > big
sha256sum big | cut -d' ' -f1 > "$FT_SCRATCH/big.sha256"
