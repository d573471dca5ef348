#!/usr/bin/env python3
"""caller.py PATH — stat PATH once, with SIGINT's default action (a shell
starts background jobs with SIGINT ignored): a SIGINT while the request is
still queued in the kernel kills us, and the kernel withdraws the request."""
import os
import signal
import sys

signal.signal(signal.SIGINT, signal.SIG_DFL)
try:
    os.stat(sys.argv[1])
except FileNotFoundError:
    pass
