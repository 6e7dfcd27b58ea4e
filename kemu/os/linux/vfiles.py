"""/proc and /sys files a Linux console reads: generated when opened (as seq_file does), read
through descriptors of their own, never written. Device files stay kemu.kernel.files'."""
from __future__ import annotations

from typing import Callable

from . import procfs
from .services import debugfs, registries, tty_driver

FIRST_FD = 1000          # above any descriptor the kernel's file table hands out


def _sys_module(system, parts: list[str]) -> str | None:
    """/sys/module/NAME/{refcnt,initstate,taint,coresize}."""
    m = system.find_module(parts[0]) if parts else None
    if m is None:
        return None
    if len(parts) == 3 and parts[1] == "parameters":
        from .params import read_parameter
        return read_parameter(system, m, parts[2])
    if len(parts) != 2:
        return None
    values = {"refcnt": f"{procfs.refcount(system, m)}\n",
              "initstate": {"live": "live", "loading": "coming", "going": "going"}[m.state.value] + "\n",
              "taint": "".join(c for c in procfs.TAINT_ORDER if c in m.os.get("taints", ())) + "\n",
              "coresize": f"{m.size}\n",
              "initsize": "0\n"}
    return values.get(parts[1])


def _proc_ioports(system) -> str:
    from .services.resources import proc_ioports
    return proc_ioports(system)


def _proc_dma(system) -> str:
    from .services.isa_dma import proc_dma
    return proc_dma(system)


def _proc_interrupts(system) -> str:
    from .services.irq_table import proc_interrupts
    return proc_interrupts(system)
def _net_registry(system, name: str) -> str:
    """/proc/net/connector (the connector's callbacks) and the congestion controls available."""
    from .services import connector, tcp_cong
    if name == "connector":
        return connector.connector(system.kernel).proc_connector()
    return " ".join(tcp_cong.cong_list(system.kernel).available()) + "\n"


def content(system, path: str) -> str | None:
    """The text of a /proc or /sys file, or None if there is no such file."""
    fixed: dict[str, Callable[[], str]] = {
        "/proc/modules": lambda: procfs.proc_modules(system),
        "/proc/devices": lambda: system.chrdevs.proc_devices(),
        "/proc/version": lambda: procfs.proc_version(system),
        "/proc/crypto": lambda: system.crypto.proc_crypto(),
        "/proc/filesystems": lambda: system.filesystems.proc_filesystems(),
        "/proc/ioports": lambda: _proc_ioports(system),
        "/proc/interrupts": lambda: _proc_interrupts(system),
        "/proc/dma": lambda: _proc_dma(system),
        "/proc/tty/drivers": lambda: tty_driver.proc_tty_drivers(system),
        "/proc/bus/input/handlers": lambda: registries.proc_input_handlers(system),
        "/proc/sys/kernel/osrelease": lambda: system.release + "\n",
        "/proc/sys/kernel/tainted": lambda: f"{system.taint_mask()}\n",
        "/proc/net/connector": lambda: _net_registry(system, "connector"),
        "/proc/sys/net/ipv4/tcp_available_congestion_control": lambda: _net_registry(system, "tcp_cong"),
    }
    if path in fixed:
        return fixed[path]()
    if path == f"/lib/modules/{system.release}/modules.dep" and system.modules_dep is not None:
        return system.modules_dep
    if path.startswith("/sys/kernel/debug/"):
        return debugfs.read_value(system, path[len("/sys/kernel/debug/"):])
    if path.startswith("/sys/class/dmi/id/"):
        from .services.dmi import sysfs_read
        return sysfs_read(system, path[len("/sys/class/dmi/id/"):])
    if path.startswith("/sys/module/"):
        return _sys_module(system, path[len("/sys/module/"):].split("/"))
    if path.startswith("/sys/bus/"):
        return system.driver_model.sys_read(path)
    return None


class VirtualFiles:
    """Open /proc and /sys files: fd -> [text bytes, offset]."""

    def __init__(self, system):
        self.system = system
        self.open_files: dict[int, list] = {}

    def handles(self, path: str) -> bool:
        return path.startswith(("/proc/", "/sys/", "/lib/modules/"))

    def open(self, path: str, mode) -> int:
        e = self.system.errno
        fd = FIRST_FD
        while fd in self.open_files:
            fd += 1
        attribute = self.system.sysfs.open(path, mode)           # sysfs.py: read and written
        if attribute is not None:
            self.open_files[fd] = attribute
            return fd
        if mode not in ("r", 0):
            raise e.error("EACCES", path)
        entry = self.system.proc_entries.lookup(path)
        if entry is not None:
            from .proc_entries import ProcFile
            self.open_files[fd] = ProcFile(self.system, entry)
            return fd
        text = content(self.system, path)
        if text is None:
            raise e.error("ENOENT", path)
        self.open_files[fd] = [text.encode("latin-1"), 0]
        return fd

    def owns(self, fd: int) -> bool:
        return fd in self.open_files

    def read(self, fd: int, n: int) -> bytes:
        entry = self.open_files[fd]
        if not isinstance(entry, list):
            return entry.read(n)
        data = entry[0][entry[1]:entry[1] + n]
        entry[1] += len(data)
        return data

    def write(self, fd: int, data: bytes) -> int:
        entry = self.open_files[fd]
        if not hasattr(entry, "write"):
            raise self.system.errno.error("EBADF", "write")
        return entry.write(data)

    def close(self, fd: int) -> None:
        entry = self.open_files.pop(fd)
        if not isinstance(entry, list):
            entry.close()
