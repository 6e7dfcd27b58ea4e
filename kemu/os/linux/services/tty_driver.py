"""The tty driver registry (drivers/tty/tty_io.c, fs/proc/proc_tty.c, 6.1).

A tty driver module (usbserial, the serial and modem drivers stacked on it, ...) allocates
its `struct tty_driver` with tty_alloc_driver(), fills in names, numbers, type and
termios, and registers it: the kernel reserves its character device numbers (a dynamic
major when `major` is 0), puts it on the `tty_drivers` list, creates the per-line devices
unless the driver makes them itself (TTY_DRIVER_DYNAMIC_DEV), lists it in
/proc/tty/drivers and marks it TTY_DRIVER_INSTALLED. Unregistering gives the numbers back
and takes it off the list; the last tty_driver_kref_put frees it and its per-line arrays.

The struct and its arrays live in guest memory, charged to the caller (a driver that never
puts its driver leaks them); `tty_drivers` is a list_head in kernel memory that the
registered drivers' `tty_drivers` fields are linked on, newest first, as list_add does.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("tty_driver")

TTY_DRIVER_INSTALLED = 0x0001
TTY_DRIVER_DYNAMIC_DEV = 0x0008
TTY_DRIVER_DEVPTS_MEM = 0x0010
TTY_DRIVER_DYNAMIC_ALLOC = 0x0040
TTY_DRIVER_UNNUMBERED_NODE = 0x0080
MINORBITS, MINORMASK = 20, (1 << 20) - 1
EINVAL, ENOMEM = 22, 12
TTY_TYPES = {1: "system", 2: "console", 3: "serial", 4: "pty"}
SYSTEM_SUBTYPES = {1: ":/dev/tty", 2: ":vtmaster", 3: ":console"}
PTY_SUBTYPES = {1: "pty:master", 2: "pty:slave"}


class TtyDrivers:
    """The registered drivers, newest first, and the guest's `tty_drivers` list head."""

    def __init__(self, k) -> None:
        self.k = k
        mem, word = k.machine.mem, k.machine.word_size
        self.head = k.machine.alloc("kdata", 2 * word, 16)         # LIST_HEAD(tty_drivers)
        mem.write_ptr(self.head, self.head)
        mem.write_ptr(self.head + word, self.head)
        self.registered: list[int] = []

    def link(self, driver: int) -> None:
        """list_add(&driver->tty_drivers, &tty_drivers)."""
        mem, word = self.k.machine.mem, self.k.machine.word_size
        node, first = driver + _off(self.k, "tty_drivers"), mem.read_ptr(self.head)
        mem.write_ptr(node, first)
        mem.write_ptr(node + word, self.head)
        mem.write_ptr(first + word, node)
        mem.write_ptr(self.head, node)
        self.registered.insert(0, driver)

    def unlink(self, driver: int) -> None:
        """list_del(&driver->tty_drivers)."""
        mem, word = self.k.machine.mem, self.k.machine.word_size
        node = driver + _off(self.k, "tty_drivers")
        nxt, prev = mem.read_ptr(node), mem.read_ptr(node + word)
        mem.write_ptr(prev, nxt)
        mem.write_ptr(nxt + word, prev)
        self.registered.remove(driver)


def drivers(k) -> TtyDrivers:
    """This kernel's registry (made on first use)."""
    reg = k.linux.__dict__.get("tty_drivers")
    if reg is None:
        reg = k.linux.__dict__["tty_drivers"] = TtyDrivers(k)
    return reg


def _off(k, field: str) -> int:
    return k.linux.layout.offset("struct tty_driver", field)


def _get(k, driver: int, field: str, size: int | None = None) -> int:
    mem = k.machine.mem
    if size is None:
        return mem.read_ptr(driver + _off(k, field))
    return mem.read_int(driver + _off(k, field), size)


def _put(k, driver: int, field: str, value: int, size: int | None = None) -> None:
    mem = k.machine.mem
    if size is None:
        mem.write_ptr(driver + _off(k, field), value)
    else:
        mem.write_int(driver + _off(k, field), size, value & ((1 << (8 * size)) - 1))


def _err_ptr(k, errno: int) -> int:
    return (-errno) & ((1 << (8 * k.machine.word_size)) - 1)


def _calloc(k, count: int, call) -> int:
    return k.heap.alloc(count * k.machine.word_size, "kmalloc", zero=True, caller=call.return_address)


def _free(k, addr: int) -> None:
    if addr:
        k.heap.free(addr)


@table.service("struct tty_driver *__tty_alloc_driver(unsigned int lines, struct module *owner, "
               "unsigned long flags)", needs_call=True)
def __tty_alloc_driver(k, lines: int, owner: int, flags: int, call=None) -> int:
    """tty_alloc_driver(): a zeroed driver with one reference, `lines` lines, its owner and
    flags, and its per-line arrays (ttys and termios unless DEVPTS_MEM, ports and one cdev
    slot per line unless DYNAMIC_ALLOC, else one cdev slot); ERR_PTR(-EINVAL) for no lines
    or a multi-line UNNUMBERED_NODE driver."""
    if not lines or (flags & TTY_DRIVER_UNNUMBERED_NODE and lines > 1):
        return _err_ptr(k, EINVAL)
    size = k.linux.layout.size("struct tty_driver")
    driver = k.heap.alloc(size, "kmalloc", zero=True, caller=call.return_address)
    _put(k, driver, "kref", 1, 4)
    _put(k, driver, "num", lines, 4)
    _put(k, driver, "owner", owner)
    _put(k, driver, "flags", flags, k.machine.word_size)
    if not flags & TTY_DRIVER_DEVPTS_MEM:
        _put(k, driver, "ttys", _calloc(k, lines, call))
        _put(k, driver, "termios", _calloc(k, lines, call))
    cdevs = 1
    if not flags & TTY_DRIVER_DYNAMIC_ALLOC:
        _put(k, driver, "ports", _calloc(k, lines, call))
        cdevs = lines
    _put(k, driver, "cdevs", _calloc(k, cdevs, call))
    return driver


def _name(k, driver: int, field: str) -> str:
    addr = _get(k, driver, field)
    return k.read_str(addr, 64).decode("latin-1") if addr else ""


@table.service("int tty_register_driver(struct tty_driver *driver)", needs_call=True)
def tty_register_driver(k, driver: int, call=None) -> int:
    """Reserve the driver's numbers (a dynamic major when `major` is 0, then written back
    with minor_start), link it on tty_drivers and mark it installed; the chrdev registry's
    error (-EBUSY for numbers taken) otherwise. The per-line devices of a driver without
    TTY_DRIVER_DYNAMIC_DEV are not created (kemu has no tty device class yet)."""
    from .owner import owning_module
    linux = k.linux
    major, minor = _get(k, driver, "major", 4), _get(k, driver, "minor_start", 4)
    num, name = _get(k, driver, "num", 4), _name(k, driver, "name")
    module = owning_module(k, call, _get(k, driver, "owner"))
    got = linux.chrdevs.register_region(major, minor, num, name, module)
    if got < 0:
        return got
    if not major:
        _put(k, driver, "major", got, 4)
    drivers(k).link(driver)
    word = k.machine.word_size
    _put(k, driver, "flags", _get(k, driver, "flags", word) | TTY_DRIVER_INSTALLED, word)
    return 0


@table.service("void tty_unregister_driver(struct tty_driver *driver)")
def tty_unregister_driver(k, driver: int) -> None:
    """Give the numbers back and take the driver off tty_drivers (it stays allocated until
    its last reference goes)."""
    k.linux.chrdevs.unregister_region(_get(k, driver, "major", 4), _get(k, driver, "minor_start", 4),
                                      _get(k, driver, "num", 4))
    reg = drivers(k)
    if driver in reg.registered:
        reg.unlink(driver)


@table.service("void tty_driver_kref_put(struct tty_driver *driver)")
def tty_driver_kref_put(k, driver: int) -> None:
    """Drop a reference; the last one frees the per-line termios, the arrays and the driver
    (destruct_tty_driver)."""
    refs = _get(k, driver, "kref", 4) - 1
    _put(k, driver, "kref", refs, 4)
    if refs:
        return
    mem, word = k.machine.mem, k.machine.word_size
    termios = _get(k, driver, "termios")
    if _get(k, driver, "flags", word) & TTY_DRIVER_INSTALLED and termios:
        for i in range(_get(k, driver, "num", 4)):
            _free(k, mem.read_ptr(termios + i * word))
    for field in ("cdevs", "ports", "termios", "ttys"):
        _free(k, _get(k, driver, field))
    k.heap.free(driver)


def _range_line(k, driver: int, major: int, minor: int, count: int) -> str:
    """One line of /proc/tty/drivers (show_tty_range)."""
    name = _name(k, driver, "driver_name") or "unknown"
    line = f"{name:<20} /dev/{_name(k, driver, 'name'):<8} "
    line += f"{major:3d} {minor}-{minor + count - 1} " if count > 1 else f"{major:3d} {minor:7d} "
    kind, sub = _get(k, driver, "type", 2), _get(k, driver, "subtype", 2)
    if kind == 1:
        line += "system" + SYSTEM_SUBTYPES.get(sub, "")
    elif kind == 4:
        line += PTY_SUBTYPES.get(sub, "pty")
    elif kind in TTY_TYPES:
        line += TTY_TYPES[kind]
    else:
        line += f"type:{kind}.{sub}"
    return line + "\n"


def proc_tty_drivers(system) -> str:
    """/proc/tty/drivers: the registered drivers, newest first, one line per major range."""
    k = system.kernel
    text = ""
    for driver in drivers(k).registered:
        major, minor, num = (_get(k, driver, f, 4) for f in ("major", "minor_start", "num"))
        start, end = (major << MINORBITS) | minor, ((major << MINORBITS) | minor) + num
        while start >> MINORBITS < end >> MINORBITS:
            nxt = ((start >> MINORBITS) + 1) << MINORBITS
            text += _range_line(k, driver, start >> MINORBITS, start & MINORMASK, nxt - start)
            start = nxt
        if start != end:
            text += _range_line(k, driver, start >> MINORBITS, start & MINORMASK, end - start)
    return text
