#!/usr/bin/env python3
"""Time one boot: run a command (bin/ukl run ...), and report the seconds
from its start to the first console line containing MARKER (the program's
main) and to the command's exit (power-off).

  boot-timer.py MARKER COMMAND...   ->   "main_s=X exit_s=Y status=N"
"""
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    marker = sys.argv[1].encode()
    start = time.monotonic()
    proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    main_s = None
    for line in proc.stdout:
        if main_s is None and marker in line:
            main_s = time.monotonic() - start
    status = proc.wait()
    exit_s = time.monotonic() - start
    if main_s is None:
        sys.exit(f"boot-timer: never saw {sys.argv[1]!r} (status {status})")
    print(f"main_s={main_s:.3f} exit_s={exit_s:.3f} status={status}")


if __name__ == "__main__":
    main()
