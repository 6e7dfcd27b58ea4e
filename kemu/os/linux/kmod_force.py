"""What kmod does to a module file before init_module(2) when asked to force it.

`modprobe --force-vermagic`, `--force-modversion`, `-f` (both) and `insmod -f` (both) do not
tell the kernel anything: libkmod edits its in-memory copy of the .ko and loads that
(kmod_module_insert_module):

* --force-modversion: the `__versions` section loses SHF_ALLOC in its section header. The
  kernel only finds allocated sections (find_sec), so it sees a module without symbol
  versions: check_version's "modprobe --force does this" path — try_to_force_load for the
  first versioned symbol it checks (module_layout), taint F.
* --force-vermagic: the `vermagic=…` string of `.modinfo` is overwritten with NULs. The
  kernel's check_modinfo finds no vermagic: try_to_force_load "bad vermagic", taint F.

Either edit breaks an appended signature, so a forced module counts as unsigned. The
kernel side is insmod.py's ordinary load path; nothing there knows a load was forced.
"""
from __future__ import annotations

import struct

SHF_ALLOC = 0x2
VERMAGIC = b"vermagic="


class ForceError(Exception):
    """The file is not an ELF kmod can edit (the kernel would refuse it anyway)."""


def _sections(data: bytes) -> list[tuple[str, int, int, int, int]]:
    """(name, header offset, flags offset, file offset, size) of every section."""
    if len(data) < 52 or data[:4] != b"\x7fELF" or data[4] not in (1, 2):
        raise ForceError("not an ELF file")
    is64 = data[4] == 2
    if is64:
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    else:
        shoff, = struct.unpack_from("<I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
    if not shnum or shoff + shnum * shentsize > len(data) or shstrndx >= shnum:
        raise ForceError("section header table out of bounds")

    def header(i: int) -> tuple[int, int, int, int, int]:
        at = shoff + i * shentsize
        if is64:
            name, _type, _flags, _addr, offset, size = struct.unpack_from("<IIQQQQ", data, at)
            return at, at + 8, name, offset, size
        name, _type, _flags, _addr, offset, size = struct.unpack_from("<IIIIII", data, at)
        return at, at + 8, name, offset, size

    _, _, _, str_off, str_size = header(shstrndx)
    out = []
    for i in range(shnum):
        at, flags_at, name_off, offset, size = header(i)
        end = data.find(b"\0", str_off + name_off, str_off + str_size)
        name = data[str_off + name_off:end].decode("latin-1") if end >= 0 else ""
        out.append((name, at, flags_at, offset, size))
    return out


def strip_for_force(data: bytes, *, vermagic: bool, modversion: bool) -> bytes:
    """`data` (a .ko without its signature) edited as libkmod does for the forced checks."""
    if not (vermagic or modversion):
        return data
    out = bytearray(data)
    for name, _at, flags_at, offset, size in _sections(data):
        if modversion and name == "__versions":
            flags = int.from_bytes(out[flags_at:flags_at + 4], "little")
            out[flags_at:flags_at + 4] = (flags & ~SHF_ALLOC & 0xFFFFFFFF).to_bytes(4, "little")
        if vermagic and name == ".modinfo" and offset + size <= len(out):
            body = bytes(out[offset:offset + size])
            pos = 0
            while pos < len(body):
                end = body.find(b"\0", pos)
                end = len(body) if end < 0 else end
                if body.startswith(VERMAGIC, pos):
                    out[offset + pos:offset + end] = bytes(end - pos)
                pos = end + 1
    return bytes(out)
