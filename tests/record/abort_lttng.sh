#!/bin/bash
# abort_lttng.sh — abort.sh with the session also recorded to LTTng: the
# import of the trace ends 'incomplete' with the same cause and count.
exec "$(dirname "$0")/abort.sh" --lttng
