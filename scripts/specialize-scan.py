#!/usr/bin/env python3
"""Find the system calls a program can make, from its machine code.

    specialize-scan.py --table syscall_64.tbl [--entry SYMBOL] OBJECT

OBJECT is a UKL program gathered by ukl-gcc (one relocatable object, where
glibc enters the kernel with "call __ukl_syscall") or a normal static
program (where it is the syscall instruction). Prints one line per entry
site, tab-separated:

    site FUNCTION NUMBERS       the call numbers that reach that site
    unknown FUNCTION WHY        a site whose number could not be worked out
    dispatch FUNCTION REGISTER  a function that passes its argument on as
                                the number (glibc's syscall()), or on to
                                such a function (musl's __syscall_cp); its
                                callers' numbers are folded into "site" lines
    clock NAME                  a kernel clock function the program calls
                                in place of the vDSO's (__ukl_clock_gettime)

How: objdump's disassembly, split into functions; in each, a forward
constant propagation over its branches finds the set of values %rax can
hold at each entry site. Values come from "mov $N", "lea N", "xor r,r"
and copies between registers; anything else makes a register unknown,
and so does a call, for the registers a call may change. Where the
propagation finds nothing (code reached only by an indirect jump, or
glibc's out-of-line .cold parts), the site falls back to every constant
the function and its .cold parts move into %eax, and the line says so.
"""

import argparse
import re
import subprocess
import sys

from specialize_reach import reachable

ARGS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")
# What a call may change (the System V ABI's caller-saved registers).
CLOBBERED_BY_CALL = ("rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11")
# More values than this at one point: treat the register as unknown.
MAX_VALUES = 64
UNKNOWN = None
# The kernel's clock functions UKL's glibc calls in place of the vDSO's,
# with the system call each stands for.
CLOCKS = {"__ukl_clock_gettime": 228, "__ukl_clock_getres": 229,
          "__ukl_gettimeofday": 96, "__ukl_time": 201, "__ukl_getcpu": 309}
# The symbol called in place of the syscall instruction (--entry).
ENTRY = None

REG64 = {}
for base in ("ax", "bx", "cx", "dx", "si", "di", "bp", "sp"):
    REG64["r" + base] = "r" + base
    REG64["e" + base] = "r" + base
for n in range(8, 16):
    REG64[f"r{n}"] = f"r{n}"
    REG64[f"r{n}d"] = f"r{n}"
# Registers whose write leaves the upper bits alone: the value of the
# full register becomes unknown.
PARTIAL = {}
for base in ("a", "b", "c", "d"):
    for part in (base + "l", base + "h", base + "x"):
        PARTIAL[part] = "r" + base + "x"
for base in ("si", "di", "bp", "sp"):
    PARTIAL[base] = PARTIAL[base + "l"] = "r" + base
for n in range(8, 16):
    PARTIAL[f"r{n}b"] = PARTIAL[f"r{n}w"] = f"r{n}"

# Instructions that write registers they do not name.
IMPLICIT = {
    "cltq": ("rax",), "cqto": ("rdx",), "cltd": ("rdx",), "cwtl": ("rax",),
    "cpuid": ("rax", "rbx", "rcx", "rdx"), "rdtsc": ("rax", "rdx"),
    "rdtscp": ("rax", "rcx", "rdx"), "rdpid": (), "xgetbv": ("rax", "rdx"),
    "syscall": ("rax", "rcx", "r11"), "mul": ("rax", "rdx"),
    "imul": ("rax", "rdx"), "div": ("rax", "rdx"), "idiv": ("rax", "rdx"),
    "cmpxchg": ("rax",), "lock cmpxchg": ("rax",), "cmpxchg16b": ("rax", "rdx"),
    "lock cmpxchg16b": ("rax", "rdx"), "rep stos": ("rcx", "rdi"),
    "rep movsb": ("rcx", "rdi", "rsi"), "rep movsq": ("rcx", "rdi", "rsi"),
    "rep stos %al,%es:(%rdi)": ("rcx", "rdi"), "lods": ("rax", "rsi"),
    "repz cmpsb": ("rcx", "rdi", "rsi"), "repnz scas": ("rcx", "rdi"),
}
ENDS_BLOCK = ("ret", "jmp", "ud2", "hlt", "repz ret", "bnd jmp", "notrack jmp")

LINE = re.compile(r"^\s*([0-9a-f]+):\t(.*)$")
FUNC = re.compile(r"^([0-9a-f]+) <(.+)>:$")
RELOC = re.compile(r"^\s*([0-9a-f]+): (R_X86_64_\w+)\s+(\S+)")
TARGET = re.compile(r"^([0-9a-f]+) <")


class Insn:
    __slots__ = ("addr", "mnem", "ops", "reloc", "rip_target", "resolved")

    def __init__(self, addr, mnem, ops):
        self.addr = addr
        self.mnem = mnem
        self.ops = ops
        self.reloc = None
        # the address a %rip-relative operand names, when the assembler
        # resolved it (no relocation): code taking the address of code
        self.rip_target = None
        # reloc names a call's or jump's target that the assembler or the
        # linker resolved: its address is the one in ops
        self.resolved = False


def split_insn(text):
    """'mov    $0x1,%edi' -> ('mov', '$0x1,%edi'); prefixes stay in mnem."""
    text = text.split("#")[0].strip()
    parts = text.split()
    if not parts:
        return "", ""
    prefixes = ("lock", "rep", "repz", "repnz", "repe", "repne", "bnd",
                "notrack", "data16", "cs", "ds")
    i = 0
    while i < len(parts) - 1 and parts[i] in prefixes:
        i += 1
    mnem = " ".join(parts[:i + 1])
    return mnem, " ".join(parts[i + 1:])


def disassemble(path):
    """({function: [Insn]}, [(address, function)]) in address order. A
    name that two functions have (static functions of two files) is
    NAME@ADDRESS for the second."""
    out = subprocess.run(["objdump", "-d", "-r", "-w", "--no-show-raw-insn",
                          path], capture_output=True, text=True, check=True)
    funcs = {}
    order = []
    cur = None
    name = None
    last = None
    for line in out.stdout.splitlines():
        m = FUNC.match(line)
        if m:
            name = m.group(2)
            key = name if name not in funcs else f"{name}@{m.group(1).lstrip('0')}"
            cur = funcs[key] = []
            order.append((int(m.group(1), 16), key))
            last = None
            continue
        if cur is None:
            continue
        m = RELOC.match(line)
        if m and last is not None:
            if last.reloc is None:
                last.reloc = re.sub(r"[-+]0x[0-9a-f]+$", "", m.group(3))
            continue
        m = LINE.match(line)
        if m:
            # With -w, a relocation follows its instruction after a tab.
            text, _, reloc = m.group(2).partition("\t")
            mnem, ops = split_insn(text)
            if not mnem or mnem == "(bad)":
                continue
            last = Insn(int(m.group(1), 16), mnem, ops)
            rip = re.search(r"\(%rip\).*# ([0-9a-f]+) <", text)
            if rip and not reloc:
                last.rip_target = int(rip.group(1), 16)
            r = RELOC.match(reloc)
            if r:
                last.reloc = re.sub(r"[-+]0x[0-9a-f]+$", "", r.group(3))
            elif mnem.split()[-1].startswith(("call", "jmp")):
                # A linked program: the target is named in the operand.
                t = re.search(r"<([^+>]+)>$", ops)
                if t and t.group(1) != name:
                    last.reloc = t.group(1)
                    last.resolved = True
            cur.append(last)
    return funcs, order


def operands(ops):
    """Split AT&T operands at top-level commas."""
    res, depth, cur = [], 0, ""
    for ch in ops:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            res.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        res.append(cur)
    return res


def immediate(text):
    text = text.strip()
    if not text.startswith("$"):
        return None
    try:
        return int(text[1:], 0)
    except ValueError:
        return None


def reg_of(text):
    text = text.strip()
    if text.startswith("%"):
        return text[1:]
    return None


def join(a, b):
    """Union of two abstract values (sets of ints / 'arg:REG', or UNKNOWN)."""
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    u = a | b
    return UNKNOWN if len(u) > MAX_VALUES else u


def transfer(insn, state):
    """The register state after insn (a dict reg -> value; absent = unknown)."""
    m = insn.mnem
    base = m.split()[-1]
    if base.startswith("call") and insn.reloc is not None and insn.reloc == ENTRY:
        # The entry keeps the syscall instruction's contract.
        for r in IMPLICIT["syscall"]:
            state.pop(r, None)
        return state
    if base.startswith("call"):
        for r in CLOBBERED_BY_CALL:
            state.pop(r, None)
        return state
    for r in IMPLICIT.get(m, IMPLICIT.get(base, ())):
        state.pop(r, None)
    ops = operands(insn.ops)
    if not ops:
        return state
    dst = reg_of(ops[-1])
    if dst is None:
        return state
    if dst in PARTIAL:
        state.pop(PARTIAL[dst], None)
        return state
    dst = REG64.get(dst)
    if dst is None:
        return state
    if base in ("mov", "movl", "movq", "movabs") and len(ops) == 2:
        imm = immediate(ops[0])
        src = reg_of(ops[0])
        if imm is not None:
            state[dst] = {imm & 0xffffffff if ops[-1].startswith("%e") else imm}
        elif src is not None and REG64.get(src) and src not in PARTIAL:
            v = state.get(REG64[src], UNKNOWN)
            if v is UNKNOWN:
                state.pop(dst, None)
            else:
                state[dst] = v
        else:
            state.pop(dst, None)
        return state
    if base == "lea" and len(ops) == 2 and re.fullmatch(r"0x[0-9a-f]+", ops[0].strip()):
        state[dst] = {int(ops[0], 16)}
        return state
    if base in ("xor", "xorl", "xorq", "sub") and len(ops) == 2 and \
            reg_of(ops[0]) and REG64.get(reg_of(ops[0])) == dst:
        state[dst] = {0}
        return state
    if base.startswith(("cmp", "test", "bt", "push")):
        return state
    if base == "xchg" and len(ops) == 2:
        state.pop(dst, None)
        other = reg_of(ops[0])
        if other and REG64.get(other):
            state.pop(REG64[other], None)
        return state
    state.pop(dst, None)
    return state


def is_entry(insn, entry):
    base = insn.mnem.split()[-1]
    if entry is None:
        return insn.mnem == "syscall"
    return base.startswith(("call", "jmp")) and insn.reloc == entry


def branch_target(insn, lo, hi):
    base = insn.mnem.split()[-1]
    if not base.startswith("j") or insn.reloc is not None:
        return None
    m = TARGET.match(insn.ops.strip())
    if not m:
        return None
    t = int(m.group(1), 16)
    return t if lo <= t <= hi else None


def analyse(insns, entry, wanted):
    """Run the propagation over one function. wanted(insn) says which
    instructions to report; returns {index: value of the register they
    ask for} via the callback's register name."""
    if not insns:
        return {}
    index = {ins.addr: i for i, ins in enumerate(insns)}
    lo, hi = insns[0].addr, insns[-1].addr
    start = {r: {"arg:" + r} for r in ARGS}
    states = {0: start}
    work = [0]
    seen_at = {}
    while work:
        i = work.pop()
        state = dict(states[i])
        while i < len(insns):
            ins = insns[i]
            reg = wanted(ins)
            if reg:
                seen_at[i] = join(seen_at.get(i, set()), state.get(reg, UNKNOWN)) \
                    if i in seen_at else state.get(reg, UNKNOWN)
            state = transfer(ins, state)
            succ = []
            t = branch_target(ins, lo, hi)
            if t is not None and t in index:
                succ.append(index[t])
            ends = ins.mnem in ENDS_BLOCK or ins.mnem.split()[-1] in ("ret", "jmp", "ud2", "hlt")
            # gcc pads only after a jump, a return or a call that does
            # not return (abort, __libc_fatal): no path falls into it.
            if ins.mnem.startswith("call") and i + 1 < len(insns) and \
                    insns[i + 1].mnem.split()[-1].startswith(("nop", "xchg", "int3", "ud2")) and \
                    (insns[i + 1].mnem != "xchg" or insns[i + 1].ops == "%ax,%ax"):
                ends = True
            if not ends:
                succ.append(i + 1)
            nxt = None
            for s in succ:
                if s >= len(insns):
                    continue
                old = states.get(s)
                if old is None:
                    states[s] = dict(state)
                    new = True
                else:
                    merged = {}
                    for r in set(old) & set(state):
                        v = join(old[r], state[r])
                        if v is not UNKNOWN:
                            merged[r] = v
                    new = merged != old
                    states[s] = merged
                if new:
                    if s == i + 1 and not ends and nxt is None:
                        nxt = s
                    else:
                        work.append(s)
            if nxt is None:
                break
            i = nxt
            state = dict(states[i])
    return seen_at


def eax_constants(insns):
    vals = set()
    for ins in insns:
        ops = operands(ins.ops)
        if ins.mnem.split()[-1] in ("mov", "movl") and len(ops) == 2 and \
                ops[1].strip() in ("%eax", "%rax"):
            imm = immediate(ops[0])
            if imm is not None:
                vals.add(imm)
    return vals


def short(key):
    """The function's name, without the @ADDRESS of a second one."""
    return key.split("@")[0]


def family(funcs, name):
    """The function and its out-of-line parts (name.cold, name.part.0...)."""
    root = name.split(".")[0]
    return [f for f in funcs if f == root or f.startswith(root + ".")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", required=True)
    ap.add_argument("--entry", default=None,
                    help="the symbol called in place of the syscall instruction")
    ap.add_argument("--arg-of", action="append", default=[],
                    metavar="NAME[,NAME...]:REG",
                    help="print the values REG holds at calls of NAME")
    ap.add_argument("object")
    a = ap.parse_args()
    global ENTRY
    ENTRY = a.entry

    valid = set()
    for line in open(a.table):
        f = line.split()
        if len(f) >= 3 and not line.startswith("#") and f[1] in ("common", "64"):
            valid.add(int(f[0]))

    funcs, order = disassemble(a.object)
    can_run = reachable(a.object, [(addr, funcs[key]) for addr, key in order])
    if can_run is None:
        def can_run(_addr):
            return True
    dead = set()
    out = []
    sites = {}
    dispatch = {}
    for name, insns in funcs.items():
        got = analyse(insns, a.entry,
                      lambda ins: "rax" if is_entry(ins, a.entry) else None)
        for i, v in sorted(got.items()):
            if not can_run(insns[i].addr):
                dead.add(name)
                continue
            nums = set() if v is UNKNOWN else {x for x in v if isinstance(x, int)}
            args = set() if v is UNKNOWN else {x[4:] for x in v if isinstance(x, str)}
            if v is UNKNOWN or not (nums or args):
                guess = set()
                for f in family(funcs, name):
                    guess |= eax_constants(funcs[f])
                guess &= valid
                if guess:
                    sites.setdefault(name, set()).update(guess)
                    out.append(("approx", name, guess))
                else:
                    out.append(("unknown", name, "the number comes from memory or an indirect path"))
                continue
            sites.setdefault(name, set()).update(nums)
            for r in args:
                dispatch[name] = r
    # Callers of a dispatching function give its number in a register. A
    # caller that only passes its own argument on (musl's __syscall_cp
    # jumps to __syscall_cp_c) dispatches too: its callers are looked at
    # in turn.
    todo = list(dispatch.items())
    while todo:
        target, reg = todo.pop()
        for name, insns in funcs.items():
            got = analyse(insns, target,
                          lambda ins: reg if (ins.mnem.split()[-1].startswith(("call", "jmp"))
                                              and ins.reloc == target) else None)
            for i, v in got.items():
                if not can_run(insns[i].addr):
                    continue
                passed = set() if v is UNKNOWN else {x[4:] for x in v if isinstance(x, str)}
                nums = set() if v is UNKNOWN else {x for x in v if isinstance(x, int)}
                if len(passed) == 1 and not nums:
                    if name not in dispatch:
                        dispatch[name] = passed.pop()
                        todo.append((name, dispatch[name]))
                    continue
                if not nums:
                    out.append(("unknown", name, f"calls {target} with a number computed at run time"))
                    continue
                sites.setdefault(name, set()).update(nums)
                if passed:
                    out.append(("unknown", name, f"passes its own argument on to {target}"))
    for name in sorted(sites):
        nums = sorted(n for n in sites[name] if n in valid)
        if nums:
            print(f"site\t{short(name)}\t{' '.join(map(str, nums))}")
    for kind, name, why in out:
        if kind == "approx":
            print(f"approx\t{short(name)}\t{' '.join(map(str, sorted(why)))}")
        else:
            print(f"unknown\t{short(name)}\t{why}")
    for target, reg in sorted(dispatch.items()):
        print(f"dispatch\t{target}\t{reg}")
    for query in a.arg_of:
        names, _, reg = query.partition(":")
        names = set(names.split(","))
        reg = {"edi": "rdi", "esi": "rsi", "edx": "rdx"}.get(reg, reg)
        values = set()
        unknown = []
        for name, insns in funcs.items():
            got = analyse(insns, None,
                          lambda ins: reg if (ins.mnem.split()[-1].startswith(("call", "jmp"))
                                              and ins.reloc in names) else None)
            for i, v in got.items():
                if not can_run(insns[i].addr):
                    continue
                if v is UNKNOWN or any(isinstance(x, str) for x in v):
                    unknown.append(name)
                if v is not UNKNOWN:
                    values |= {x for x in v if isinstance(x, int)}
        print(f"arg\t{query}\t{' '.join(map(str, sorted(values)))}"
              f"\t{' '.join(sorted(set(unknown)))}")
    clocks = set()
    for insns in funcs.values():
        for ins in insns:
            if ins.reloc in CLOCKS and can_run(ins.addr):
                clocks.add(ins.reloc)
    print(f"dead\t{len(dead)}\t{' '.join(sorted(short(d) for d in dead))}")
    for c in sorted(clocks & set(CLOCKS)):
        print(f"clock\t{c}\t{CLOCKS[c]}")


if __name__ == "__main__":
    sys.exit(main())
