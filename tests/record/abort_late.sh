#!/bin/bash
# abort_late.sh — abort.sh with the daemon's readers of /dev/fuse learning
# of the abort 2 s late, after record has unmounted: the abort is still
# named and the recording still incomplete.
exec "$(dirname "$0")/abort.sh" --late
