# Sourced by the inode-reuse scenarios' workloads (cwd: the mountpoint).
# Hold old's kernel inode with an O_PATH fd taken through the mount (no FUSE
# open, so no file handle and no backing fd of its own): the kernel keeps
# old's nodeid however many dentries a drop_caches elsewhere throws away.
python3 -c 'import os, time; fd = os.open("old", os.O_PATH); open("'"$FT_SCRATCH"'/holder-ready", "w").close(); time.sleep(60)' &
holder=$!
trap 'kill $holder 2>/dev/null' EXIT
for t in $(seq 1 100); do [ -e "$FT_SCRATCH/holder-ready" ] && break; sleep 0.05; done
[ -e "$FT_SCRATCH/holder-ready" ] || { echo "could not hold old open"; exit 1; }
