"""Waits until a TCP port accepts connections: wait_port.py HOST PORT TIMEOUT_SECONDS."""
import socket
import sys
import time

host, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + timeout
while True:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            sys.exit(0)
    except OSError:
        if time.monotonic() > deadline:
            print(f"wait_port: nothing listens on {host}:{port} after {timeout:.0f} s", file=sys.stderr)
            sys.exit(1)
        time.sleep(0.1)
