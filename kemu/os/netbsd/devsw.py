"""subr_devsw.c: `devsw_attach` and `devsw_detach` over NetBSD 10's device switch tables.

NetBSD 10 keeps `cdevsw[]`/`bdevsw[]` as arrays of *pointers* to the drivers' own (const)
switch structures, and `devsw_conv[]`, which maps driver names to majors. At boot devsw_conv
holds every `device-major` line config(1) read (majors.py), and the arrays end at
`sys_cdevsws`/`sys_bdevsws`, one past the highest listed major. A name found in devsw_conv
supplies any major given as NODEVMAJOR (-1) and must agree with one given explicitly; a new
name asking for -1 gets the first slot at or after `sys_*devsws` that is empty and no
devsw_conv entry names (the first dynamic attach grows the array to MAXDEVSW). A new name's
majors are then recorded, so a driver that comes back gets the same ones.
What a module attaches is recorded with `module.on_unload`, so a module that forgets to detach
is undone when it goes (and it shows in `left_behind`).
"""
from __future__ import annotations

from dataclasses import dataclass

from kemu.intbits import to_signed

from .constants import MAXDEVSW
from .majors import majors_for


@dataclass
class Attachment:
    """One driver in the switches: its name, majors (-1 = none) and switch addresses."""

    name: str
    bmajor: int
    cmajor: int
    bdev: int
    cdev: int


class DevSwitches:
    """The kernel's cdevsw/bdevsw pointer arrays and devsw_conv, for one NetBSD system."""

    def __init__(self, system):
        self.system = system
        self.k = system.kernel
        self.cdevsw: dict[int, int] = {}            # major -> struct cdevsw * (guest)
        self.bdevsw: dict[int, int] = {}
        table = majors_for(system.arch)
        self.sys_cdevsws, self.sys_bdevsws = table.sys_cdevsws, table.sys_bdevsws
        self.conv: dict[str, tuple[int, int]] = table.conv()  # name -> (bmajor, cmajor), kept forever
        self.attached: dict[int, Attachment] = {}   # cdev or bdev pointer -> attachment

    def _free_major(self, table: dict[int, int], start: int, which: int) -> int:
        reserved = {pair[which] for pair in self.conv.values()}
        major = start
        while major in table or major in reserved:
            major += 1
        return major

    def _slot(self, table: dict[int, int], major: int, start: int, which: int, who: str) -> tuple[int, int]:
        """bdevsw_attach/cdevsw_attach's choice: (errno or 0, the major), the slot not yet taken."""
        if major < 0:
            major = self._free_major(table, start, which)
        if major >= MAXDEVSW:
            self.k.msgbuf.write(f"{who} majors exhausted")
            return self.k.errno.ENOMEM, major
        if major in table:
            return self.k.errno.EEXIST, major
        return 0, major

    def attach(self, name: str, bdev: int, bmajor: int, cdev: int, cmajor: int) -> tuple[int, int, int]:
        """(error, bmajor, cmajor) as devsw_attach leaves them (the majors also on failure)."""
        errno = self.k.errno
        if not name or not cdev:
            return errno.EINVAL, bmajor, cmajor
        known = self.conv.get(name)
        if known is not None:
            if bmajor < 0:
                bmajor = known[0]
            if cmajor < 0:
                cmajor = known[1]
            if (bmajor, cmajor) != known or (bmajor >= 0 and not bdev) or cmajor < 0:
                return errno.EINVAL, bmajor, cmajor
            if (bmajor >= 0 and bmajor in self.bdevsw) or cmajor in self.cdevsw:
                return errno.EEXIST, bmajor, cmajor
        if bdev:
            error, bmajor = self._slot(self.bdevsw, bmajor, self.sys_bdevsws, 0, "bdevsw_attach: block")
            if error:
                return error, bmajor, cmajor
        error, cmajor = self._slot(self.cdevsw, cmajor, self.sys_cdevsws, 1, "cdevsw_attach: character")
        if error:
            return error, bmajor, cmajor
        if bdev:
            self.bdevsw[bmajor] = bdev
        self.cdevsw[cmajor] = cdev
        self.conv.setdefault(name, (bmajor, cmajor))
        self.attached[cdev] = Attachment(name, bmajor if bdev else -1, cmajor, bdev, cdev)
        return 0, bmajor, cmajor

    def attach_from_guest(self, name_addr: int, bdev: int, bmajor_p: int, cdev: int, cmajor_p: int,
                          caller: int) -> int:
        """The devsw_attach service: majors read from and written back to the guest."""
        k, mem = self.k, self.k.machine.mem
        if not name_addr:
            return k.errno.EINVAL
        name = k.read_str(name_addr, 64).decode("latin-1")
        bmajor = to_signed(mem.read_u32(bmajor_p), 32) if bmajor_p else -1
        cmajor = to_signed(mem.read_u32(cmajor_p), 32) if cmajor_p else -1
        error, bmajor, cmajor = self.attach(name, bdev, bmajor, cdev, cmajor)
        if bmajor_p:
            mem.write_u32(bmajor_p, bmajor & 0xFFFFFFFF)
        if cmajor_p:
            mem.write_u32(cmajor_p, cmajor & 0xFFFFFFFF)
        if error:
            return error
        module = k.loader.module_at(caller)
        if module is not None:
            module.on_unload(self._undo_name(cdev), lambda: self.detach(bdev, cdev, None))
        return 0

    def _undo_name(self, cdev: int) -> str:
        att = self.attached[cdev]
        return f"devsw_attach(\"{att.name}\") cdevsw major {att.cmajor}"

    def detach(self, bdev: int, cdev: int, caller: int | None) -> None:
        """devsw_detach: clear the slots; the name keeps its majors in devsw_conv."""
        att = self.attached.get(cdev)
        if att is None:
            return
        if caller is not None:
            module = self.k.loader.module_at(caller)
            if module is not None:
                module.forget_undo(self._undo_name(cdev))
        del self.attached[cdev]
        self.cdevsw.pop(att.cmajor, None)
        if att.bmajor >= 0:
            self.bdevsw.pop(att.bmajor, None)

    def cdev_at(self, major: int) -> int | None:
        """The struct cdevsw * at a character major, or None when the slot is empty."""
        return self.cdevsw.get(major)

    def name_of(self, major: int) -> str | None:
        for att in self.attached.values():
            if att.cmajor == major:
                return att.name
        return None
