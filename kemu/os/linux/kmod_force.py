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

from .elf_edit import ElfEditError, clear_alloc, section_headers

VERMAGIC = b"vermagic="
ForceError = ElfEditError      # the file is not an ELF kmod can edit (the kernel would refuse it too)


def strip_for_force(data: bytes, *, vermagic: bool, modversion: bool) -> bytes:
    """`data` (a .ko without its signature) edited as libkmod does for the forced checks."""
    if not (vermagic or modversion):
        return data
    out = bytearray(data)
    for sec in section_headers(data):
        if modversion and sec.name == "__versions":
            clear_alloc(out, sec)
        if vermagic and sec.name == ".modinfo" and sec.offset + sec.size <= len(out):
            body = bytes(out[sec.offset:sec.offset + sec.size])
            pos = 0
            while pos < len(body):
                end = body.find(b"\0", pos)
                end = len(body) if end < 0 else end
                if body.startswith(VERMAGIC, pos):
                    out[sec.offset + pos:sec.offset + end] = bytes(end - pos)
                pos = end + 1
    return bytes(out)
