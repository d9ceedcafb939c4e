#!/usr/bin/env python3
"""Set the alignment of every loadable segment of an x86-64 ELF file.

  elf-load-align.py FILE ALIGN

A UKL image is linked with its segments page-aligned in the file (no
2 MiB of zeros before each). The bzImage decompressor refuses such an
ELF: it checks that each PT_LOAD claims 2 MiB alignment, which is what a
relocated kernel keeps (it moves the whole kernel by multiples of 2 MiB).
It places each segment by its physical address, never by the file
offset's congruence, so the claim stays true for it. make-bzimage.sh
runs this on the copy it compresses; the image itself keeps the truth.
"""
import struct
import sys

PT_LOAD = 1


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, align = sys.argv[1], int(sys.argv[2], 0)
    with open(path, "r+b") as f:
        ident = f.read(16)
        if ident[:4] != b"\x7fELF" or ident[4] != 2 or ident[5] != 1:
            sys.exit(f"elf-load-align: {path} is not a 64-bit little-endian ELF file")
        f.seek(0x20)
        (phoff,) = struct.unpack("<Q", f.read(8))
        f.seek(0x36)
        phentsize, phnum = struct.unpack("<HH", f.read(4))
        for i in range(phnum):
            entry = phoff + i * phentsize
            f.seek(entry)
            (p_type,) = struct.unpack("<I", f.read(4))
            if p_type == PT_LOAD:
                f.seek(entry + 0x30)  # p_align
                f.write(struct.pack("<Q", align))


if __name__ == "__main__":
    main()
