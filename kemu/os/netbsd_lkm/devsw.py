"""The kernel's device switches, `cdevsw[]` and `bdevsw[]`, as arrays in guest memory.

NetBSD 1.6 finds a character driver by indexing `cdevsw[major]`. A device LKM gets its major by
having its `struct cdevsw` copied *into* that array (kern_lkm.c, `_lkm_dev`), and every open, read
or ioctl on /dev then calls through the function pointers found there. kemu keeps the array in
guest kernel memory so that module code sees the real thing (it may read `cdevsw[]` itself) and
so that device operations go through exactly the pointers the module installed.

The table reproduces NetBSD 1.6's i386 `conf.c` where it matters: majors 0–27 are the drivers a
GENERIC kernel configures (their names are kept for messages), 28 is /dev/lkm, 29–34 are the six
`cdev_lkm_dummy()` slots whose `d_open` is `lkmenodev` — the marker kern_lkm.c looks for when a
module asks for a dynamic major, so the first device module gets 29 as in the tutorial — and the
rest up to `nchrdev` (79, as in 1.6's x86_64 conf.c) are unconfigured. `bdevsw[]` is built the
same way with its LKM dummies at 8–13. kemu emulates none of the built-in drivers: their slots
answer ENXIO ("Device not configured"), as a NetBSD kernel does for a driver configured out.
"""
from __future__ import annotations

from kemu.kernel.cstruct import CStruct
from kemu.record import Record

from .layouts import BDEVSW, CDEVSW

LKM_MAJOR = 28
NCHRDEV = 79
NBLKDEV = 20

# NetBSD 1.6 i386/x86_64 conf.c names of the character majors below the LKM slots and after them.
BUILTIN_NAMES = {
    0: "cn", 1: "ctty", 2: "mm", 3: "wd", 4: "sw", 5: "pts", 6: "ptc", 7: "log", 8: "com", 9: "fd",
    10: "wt", 11: "scd", 12: "pc", 13: "sd", 14: "st", 15: "cd", 16: "lpt", 17: "ch", 18: "ccd",
    19: "ss", 20: "uk", 21: "apm", 22: "filedesc", 23: "bpf", 24: "md", 26: "joy", 27: "spkr",
    28: "lkm", 38: "cy", 39: "mcd", 40: "tun", 41: "vnd", 42: "audio", 44: "ipl", 45: "satlink",
    46: "rnd", 47: "wsdisplay", 48: "wskbd", 49: "wsmouse", 55: "usb", 56: "uhid", 57: "ulpt",
    58: "midi", 59: "sequencer", 60: "vc_nb_", 61: "scsibus", 62: "raid", 63: "esh", 64: "ugen",
    65: "wsmux", 66: "ucom", 67: "sysmon", 69: "ld", 70: "urio", 71: "bktr", 73: "cz", 74: "ses",
    75: "uscanner", 76: "iop", 77: "altq", 78: "mlx",
}

BLOCK_BUILTIN_NAMES = {0: "wd", 1: "sw", 2: "fd", 3: "wt", 4: "sd", 5: "st", 6: "cd", 7: "mcd",
                       14: "vnd", 15: "scd", 16: "ccd", 17: "md", 18: "raid", 19: "ld"}


class SwitchConfig(Record, fields=("symbol", "count_symbol", "struct", "size", "dummies", "builtin"),
                   frozen=True):
    """Shape of one switch: its struct, size, the LKM dummy slots and the configured drivers."""

    def __init__(self, symbol: str, count_symbol: str, struct: CStruct, size: int, dummies: range,
                 builtin: dict) -> None:
        vars(self).update(
            symbol=symbol,              # "cdevsw" / "bdevsw"
            count_symbol=count_symbol,  # "nchrdev" / "nblkdev"
            struct=struct,
            size=size,
            dummies=dummies,
            builtin=builtin,
        )


CHAR = SwitchConfig("cdevsw", "nchrdev", CDEVSW, NCHRDEV, range(29, 35), BUILTIN_NAMES)
BLOCK = SwitchConfig("bdevsw", "nblkdev", BDEVSW, NBLKDEV, range(8, 14), BLOCK_BUILTIN_NAMES)


class DeviceSwitch:
    """`cdevsw[nchrdev]` or `bdevsw[nblkdev]` in guest memory, with kern_lkm.c's slot search."""

    def __init__(self, machine, config: SwitchConfig, stubs: dict[str, int], addr: int):
        """`stubs` maps enxio/enodev/lkmenodev/seltrue to their addresses; `addr` is the array."""
        self.config = config
        self.mem = machine.mem
        self.layout = config.struct.layout(machine.arch)
        self.count = config.size
        self.addr = addr
        self._stubs = stubs
        self.lkmenodev = stubs["lkmenodev"]
        for major in range(self.count):
            self.mem.write(self.slot_addr(major), self._initial(major))

    def _initial(self, major: int) -> bytes:
        """What conf.c puts in a slot: cdev_lkm_dummy(), a configured driver, or cdev_notdef()."""
        ops = [f.name for f in self.layout.fields if f.name.startswith("d_") and f.name != "d_type"]
        if major in self.config.dummies:
            first, rest = "lkmenodev", "enodev"
        elif major in self.config.builtin:
            first, rest = "enxio", "enxio"    # a driver kemu does not emulate: "Device not configured"
        else:
            first, rest = "enodev", "enodev"
        values = {op: self._stubs[rest] for op in ops}
        values["d_open"] = self._stubs[first]
        if "d_poll" in values:
            values["d_poll"] = self._stubs["seltrue"]
        if "d_tty" in values:
            values["d_tty"] = 0
        return self.layout.pack(**values)

    def slot_addr(self, major: int) -> int:
        return self.addr + major * self.layout.size

    def read_slot(self, major: int) -> bytes:
        return self.mem.read(self.slot_addr(major), self.layout.size)

    def write_slot(self, major: int, data: bytes) -> None:
        self.mem.write(self.slot_addr(major), data)

    def op(self, major: int, name: str) -> int:
        """The function pointer `cdevsw[major].name` as the guest sees it now."""
        return self.layout.read(self.mem, self.slot_addr(major), name)

    def first_free(self) -> int | None:
        """The first slot whose d_open is lkmenodev (kern_lkm.c's dynamic major search)."""
        for major in range(self.count):
            if self.op(major, "d_open") == self.lkmenodev:
                return major
        return None

    def name(self, major: int) -> str:
        return self.config.builtin.get(major, "")
