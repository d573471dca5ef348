#!/usr/bin/env bash
# Start the services the tests use, if they are not running: an LTTng session
# daemon (root) and the FUSE device.  Prints what it started.
set -euo pipefail

if [ ! -e /dev/fuse ]; then
  modprobe fuse 2>/dev/null || true
fi
[ -e /dev/fuse ] || { echo "start-services: /dev/fuse is missing" >&2; exit 1; }

if ! pgrep -x lttng-sessiond >/dev/null 2>&1; then
  lttng-sessiond --daemonize --quiet
  echo "start-services: started lttng-sessiond"
fi

# fusectl (/sys/fs/fuse/connections): the unmount guard's test uses it, as
# the guard itself does on kernels without unique mount ids; the gauntlet
# frees a hung mount through its connection's abort file.
if ! grep -q ' - fusectl ' /proc/self/mountinfo; then
  mount -t fusectl none /sys/fs/fuse/connections
  echo "start-services: mounted fusectl on /sys/fs/fuse/connections"
fi
