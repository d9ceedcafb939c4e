# gdb script: list every instruction one call of a function executes in a
# guest, by single-stepping through QEMU's gdb stub.
#
#   UKL_QEMU_ARGS="-gdb tcp:127.0.0.1:1234 -S" bin/ukl run IMAGE &
#   TRACE_FUNC=getppid gdb -q -batch -ex "file IMAGE" -x bench/trace-call.py
#
# For a normal process, load the kernel and the program's symbols instead:
#   gdb -q -batch -ex "file VMLINUX" -ex "add-symbol-file PROGRAM" -x ...
#
# TRACE_FUNC (default getppid) is stopped at after TRACE_SKIP (default 20)
# calls, then stepped until it returns to its caller. Prints the functions
# the path went through, in order, with the instructions spent in each,
# and the total; TRACE_OUT (optional) gets every instruction's address.
# QEMU's stub keeps interrupts off while stepping, so the path is the
# call's own.
import os

import gdb

func = os.environ.get("TRACE_FUNC", "getppid")
skip = int(os.environ.get("TRACE_SKIP", "20"))
limit = 100000

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("target remote 127.0.0.1:1234")
entry = int(gdb.parse_and_eval("(long)&" + func))
bp = gdb.Breakpoint("*%d" % entry)
bp.ignore_count = skip
gdb.execute("continue")
bp.delete()
sp = int(gdb.parse_and_eval("$sp"))
ret = int(gdb.parse_and_eval("*(unsigned long *)%d" % sp))

pcs = []
while len(pcs) < limit:
    pc = int(gdb.parse_and_eval("$pc"))
    if pc == ret and int(gdb.parse_and_eval("$sp")) == sp + 8:
        break
    pcs.append(pc)
    gdb.execute("stepi", to_string=True)


def function_of(pc):
    text = gdb.execute("info symbol %d" % pc, to_string=True)
    return text.split(" in section")[0].split(" + ")[0].strip()


runs = []
for pc in pcs:
    name = function_of(pc)
    if runs and runs[-1][0] == name:
        runs[-1][1] += 1
    else:
        runs.append([name, 1])
for name, count in runs:
    print("%6d  %s" % (count, name))
print("%6d  instructions in one call of %s" % (len(pcs), func))

out = os.environ.get("TRACE_OUT")
if out:
    with open(out, "w") as f:
        for pc in pcs:
            f.write("%#x\n" % pc)
gdb.execute("kill")
