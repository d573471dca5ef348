#!/bin/bash
# ulimit64.sh CMD...: run CMD with RLIMIT_NOFILE 64 (soft and hard).
ulimit -n 64 || exit 125
exec "$@"
