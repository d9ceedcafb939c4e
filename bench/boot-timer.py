#!/usr/bin/env python3
"""Time one boot: run a command (bin/ukl run ...), and report the seconds
from its start to the first console line containing MARKER (the program's
main) and to the command's exit (power-off).

  boot-timer.py MARKER COMMAND...   ->   "main_s=X exit_s=Y status=N"
  boot-timer.py --stop MARKER COMMAND...

--stop ends the command (SIGTERM; bin/ukl run then stops its QEMU) once the
marker is seen, for servers that never exit; exit_s is then when it ended.
"""
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    stop = bool(args) and args[0] == "--stop"
    if stop:
        args = args[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    marker = args[0].encode()
    start = time.monotonic()
    proc = subprocess.Popen(args[1:], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    main_s = None
    for line in proc.stdout:
        if main_s is None and marker in line:
            main_s = time.monotonic() - start
            if stop:
                proc.terminate()
    status = proc.wait()
    exit_s = time.monotonic() - start
    if main_s is None:
        sys.exit(f"boot-timer: never saw {args[0]!r} (status {status})")
    print(f"main_s={main_s:.3f} exit_s={exit_s:.3f} status={status}")


if __name__ == "__main__":
    main()
