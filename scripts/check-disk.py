#!/usr/bin/env python3
"""check-disk.py RAW : check that RAW is a whole, intact GPT disk with an
EFI system partition, as ukl package --disk writes and UEFI firmware boots.

Prints "ESP_OFFSET ESP_SIZE" (bytes) on success. On failure prints one line
saying what is wrong and exits with status 1. The checks are those the
firmware itself makes (signature, CRC32 of the header and of the partition
array, the backup header at the end), so that a truncated or damaged file
is named here instead of failing as a silent boot under the firmware.
"""
import struct
import sys
import zlib

SECTOR = 512
ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"


def guid(raw):
    """A GPT GUID in its usual spelling (the first three fields little-endian)."""
    a, b, c = struct.unpack_from("<IHH", raw)
    return "%08X-%04X-%04X-%s-%s" % (a, b, c, raw[8:10].hex().upper(), raw[10:16].hex().upper())


def header(disk, lba, size, which):
    """Read and check the GPT header at LBA; returns its fields."""
    if (lba + 1) * SECTOR > size:
        raise ValueError("the %s GPT header (sector %d) is past the end of the file: truncated?" % (which, lba))
    disk.seek(lba * SECTOR)
    raw = disk.read(SECTOR)
    if raw[:8] != b"EFI PART":
        raise ValueError("no %s GPT header at sector %d" % (which, lba))
    hsize, hcrc = struct.unpack_from("<II", raw, 12)
    if hsize < 92 or hsize > SECTOR:
        raise ValueError("the %s GPT header has a bad size %d" % (which, hsize))
    if zlib.crc32(raw[:16] + b"\0\0\0\0" + raw[20:hsize]) != hcrc:
        raise ValueError("the %s GPT header is damaged (CRC32 mismatch)" % which)
    my_lba, alt_lba, first, last = struct.unpack_from("<QQQQ", raw, 24)
    entries_lba, count, esize, ecrc = struct.unpack_from("<QIII", raw, 72)
    return {"alt": alt_lba, "first": first, "last": last, "entries": entries_lba,
            "count": count, "esize": esize, "ecrc": ecrc}


def check(path):
    with open(path, "rb") as disk:
        disk.seek(0, 2)
        size = disk.tell()
        if size < 34 * SECTOR:
            raise ValueError("too small to hold a GPT (%d bytes)" % size)
        disk.seek(510)
        if disk.read(2) != b"\x55\xaa":
            raise ValueError("no protective MBR (not a GPT disk)")
        h = header(disk, 1, size, "primary")
        if h["esize"] < 128 or h["count"] == 0 or h["count"] * h["esize"] > 1 << 20:
            raise ValueError("the GPT partition array has a bad shape")
        disk.seek(h["entries"] * SECTOR)
        entries = disk.read(h["count"] * h["esize"])
        if len(entries) != h["count"] * h["esize"] or zlib.crc32(entries) != h["ecrc"]:
            raise ValueError("the GPT partition array is damaged (CRC32 mismatch)")
        header(disk, h["alt"], size, "backup")
        for i in range(h["count"]):
            e = entries[i * h["esize"]:(i + 1) * h["esize"]]
            if guid(e[:16]) != ESP_TYPE:
                continue
            first, last = struct.unpack_from("<QQ", e, 32)
            if last < first or (last + 1) * SECTOR > size:
                raise ValueError("the EFI system partition runs past the end of the file: truncated?")
            return first * SECTOR, (last - first + 1) * SECTOR
        raise ValueError("no EFI system partition")


def main():
    if len(sys.argv) != 2:
        print("usage: check-disk.py RAW", file=sys.stderr)
        return 2
    try:
        offset, length = check(sys.argv[1])
    except (OSError, ValueError, struct.error) as err:
        print(err)
        return 1
    print(offset, length)
    return 0


if __name__ == "__main__":
    sys.exit(main())
