"""What code of a UKL program can run: reachability from its entry point.

Used by specialize-scan.py, so that the system calls of library code that
was linked in but can never run (glibc's network interface functions in a
program without sockets, say) do not keep kernel options on.

The program is one relocatable object (ukl-gcc's "ld -r" output). Its
pieces are the intervals between symbols, in every section: a function, a
variable, or an anonymous run of data such as a jump table or the
init_array. A piece reaches another when

  - a relocation inside it points into the other: a call, a jump, an
    address taken (lea), a pointer in data;
  - one of its direct jumps or calls lands in the other, or it takes the
    other's address %rip-relative (within a section the assembler needs
    no relocation for either);
  - its last instruction (before padding) can fall through into the next.

Everything reachable from _start counts. Two exceptions keep this from
reaching everything: the unwind tables (between __ukl_eh_frame_start and
__ukl_eh_frame_end) name every function, as ranges, not as calls, so
their pointers into code are not followed; their pointers to data (the
personality routines' DW.ref words) are. And a PC-relative reference
into data may carry an immediate after its displacement, so it reaches
both pieces its target could be in.
"""

import bisect
import re
import subprocess

PC_RELATIVE = ("R_X86_64_PC32", "R_X86_64_PLT32", "R_X86_64_GOTPCREL",
               "R_X86_64_GOTPCRELX", "R_X86_64_REX_GOTPCRELX", "R_X86_64_PC64")
NO_FALLTHROUGH = ("ret", "jmp", "ud2", "hlt", "int3")
REL_HEADER = re.compile(r"^Relocation section '\.rela(\S+)'")
REL_LINE = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+(R_X86_64_\w+)\s+([0-9a-f]+)\s+(.*?)\s*([+-])\s*([0-9a-f]+)\s*$")


def padding(ins):
    """An instruction that only fills the gap before the next function."""
    base = ins.mnem.split()[-1]
    return base.startswith("nop") or base == "int3" or \
        (base == "xchg" and ins.ops == "%ax,%ax")


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


class Pieces:
    """The pieces of each section, found by address."""

    def __init__(self, path):
        self.sections = {}
        for line in run("readelf", "-SW", path).splitlines():
            m = re.match(r"^\s*\[\s*(\d+)\]\s+(\S+)", line)
            if m:
                self.sections[m.group(1)] = m.group(2)
        self.starts = {}      # section -> sorted piece start addresses
        self.symbols = {}     # name -> [(section, value)]
        for line in run("readelf", "-sW", path).splitlines():
            f = line.split()
            if len(f) < 8 or not f[0].endswith(":") or f[3] in ("FILE", "SECTION"):
                continue
            sec = self.sections.get(f[6])
            if sec is None:
                continue
            value = int(f[1], 16)
            self.starts.setdefault(sec, set()).add(value)
            self.symbols.setdefault(f[7], []).append((sec, value))
        for sec in self.sections.values():
            self.starts.setdefault(sec, set()).add(0)
        self.starts = {s: sorted(v) for s, v in self.starts.items()}

    def piece(self, sec, addr):
        starts = self.starts.get(sec)
        if not starts:
            return None
        i = bisect.bisect_right(starts, addr) - 1
        return (sec, starts[max(i, 0)])

    def symbol(self, name, value):
        for sec, v in self.symbols.get(name, []):
            if v == value:
                return sec
        return None


def reachable(path, funcs, root="_start"):
    """A function telling whether the code at an address can run (is in a
    piece reachable from root), or None if PATH has no relocations (a
    linked program: everything counts).
    funcs: [(start address, [Insn])] of the text section, from objdump."""
    relocs = run("readelf", "-rW", path)
    if "Relocation section" not in relocs:
        return None
    p = Pieces(path)
    text = ".ukl.text"
    # In the text, the pieces are objdump's functions, whose instructions
    # the caller has.
    p.starts[text] = sorted({start for start, _ in funcs} | {0})
    edges = {}

    def edge(a, b):
        if a is not None and b is not None and a != b:
            edges.setdefault(a, set()).add(b)

    eh = [v for n in ("__ukl_eh_frame_start", "__ukl_eh_frame_end")
          for s, v in p.symbols.get(n, [])]
    eh_range = (min(eh), max(eh)) if len(eh) == 2 else (1, 0)

    sec = None
    for line in relocs.splitlines():
        m = REL_HEADER.match(line)
        if m:
            sec = m.group(1)
            continue
        m = REL_LINE.match(line)
        if not m or sec is None:
            continue
        off, kind, value = int(m.group(1), 16), m.group(2), int(m.group(3), 16)
        name = m.group(4)
        addend = int(m.group(6), 16) * (-1 if m.group(5) == "-" else 1)
        if name in p.starts and value == 0:
            tsec, target = name, addend          # a section symbol
        else:
            tsec, target = p.symbol(name, value), value
            if tsec is None:
                continue                          # undefined: not the program's
            if kind in PC_RELATIVE:
                addend = 0
            target += max(addend, 0)
        src = p.piece(sec, off)
        if sec == ".rodata.ukl" and eh_range[0] <= off < eh_range[1] and tsec == text:
            continue
        if kind in PC_RELATIVE and name in p.starts:
            # the displacement ends the instruction, or an immediate of up
            # to 4 bytes follows it
            first = target + 4
            edge(src, p.piece(tsec, first))
            if tsec != text:
                edge(src, p.piece(tsec, first + 4))
        else:
            edge(src, p.piece(tsec, target))

    for i, (start, insns) in enumerate(funcs):
        src = p.piece(text, start)
        end = funcs[i + 1][0] if i + 1 < len(funcs) else None
        for ins in insns:
            base = ins.mnem.split()[-1]
            if ins.rip_target is not None:
                edge(src, p.piece(text, ins.rip_target))
            if base.startswith(("j", "call")) and (ins.reloc is None or ins.resolved):
                m = re.match(r"^([0-9a-f]+) <", ins.ops.strip())
                if m:
                    t = int(m.group(1), 16)
                    if t < start or (end is not None and t >= end):
                        edge(src, p.piece(text, t))
        body = [ins for ins in insns if not padding(ins)]
        if end is not None and body and \
                body[-1].mnem.split()[-1] not in NO_FALLTHROUGH and \
                not body[-1].mnem.split()[-1].startswith(("jmp", "call")):
            edge(src, p.piece(text, end))

    roots = [(s, v) for s, v in p.symbols.get(root, []) if s == text]
    seen = set(roots)
    work = list(roots)
    while work:
        n = work.pop()
        for m in edges.get(n, ()):
            if m not in seen:
                seen.add(m)
                work.append(m)
    live = {v for s, v in seen if s == text}
    return lambda addr: p.piece(text, addr)[1] in live
