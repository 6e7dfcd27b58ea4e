"""The kernel's side of the symbol table: every vmlinux export of the emulated release.

What each export becomes is decided by what it is in the real kernel (symvers.kinds, read
from Debian's debug image):

- code: the stub of the Python service or the guest routine kemu implements under that
  name; an export kemu does not implement is left undefined, so a module needing it fails
  to load as with an unknown symbol (or gets a logging stub when loaded leniently);
- data: real zeroed kernel memory of the recorded size (jiffies, kmalloc_caches, pv_ops …);
- percpu: an offset into the per-CPU area. On x86-64 modules reach it as %gs:offset, so the
  symbol's value is the offset itself and gs_base is the area; on i386 they use %fs:symbol
  with the kernel's flat %fs, so the symbol's value is the variable's address in the area.

Every symbol carries its Module.symvers CRC and GPL-ness (license "GPL" for EXPORT_SYMBOL_GPL).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from kemu.intbits import align_up

from . import symvers

PAGE = 4096


#: room after the kernel's per-CPU variables for modules' own (PERCPU_MODULE_RESERVE)
PERCPU_MODULE_RESERVE = 8 << 10


@dataclass
class PerCpuArea:
    """The boot CPU's per-CPU area: the kernel's variables in [addr, addr+size), then
    PERCPU_MODULE_RESERVE bytes for modules' .data..percpu (module_percpu.py)."""
    addr: int
    size: int
    reserve: int = 0


def percpu_size(kinds: dict) -> int:
    """Bytes covering every per-CPU export, page-rounded."""
    end = max((k.offset + (k.size or 8) for k in kinds.values() if k.kind == "percpu"), default=0)
    return align_up(max(end, 64), PAGE)


@dataclass(frozen=True)
class Plan:
    """Where each export of a release goes, worked out once per process and word size."""
    code: list            # (name, license, crc, namespace)
    data: list            # (name, offset in the data block, size, license, crc, namespace)
    percpu: list          # (name, per-CPU offset, size, license, crc, namespace)
    data_size: int
    percpu_size: int


@functools.lru_cache(maxsize=None)
def plan(release: str, word: int) -> Plan:
    exports, kinds = symvers.vmlinux_exports(release), symvers.kinds(release)
    code, data, percpu, cursor = [], [], [], 0
    for name, export in exports.items():
        kind = kinds.get(name)
        meta = ("GPL" if export.gpl_only else None, export.crc, export.namespace)
        if kind is None or kind.kind == "code":
            code.append((name, *meta))
        elif kind.kind == "data":
            size = kind.size or word
            data.append((name, cursor, size, *meta))
            cursor += align_up(size, 16)
        else:
            percpu.append((name, kind.offset, kind.size or word, *meta))
    return Plan(code, data, percpu, cursor, percpu_size(kinds))


def define_exports(kernel, release: str, implemented: dict[str, int]) -> tuple[PerCpuArea, dict[str, int]]:
    """Define every vmlinux export of `release` on `kernel`; returns the per-CPU area and the
    address of each data export. `implemented` maps code names to their stub/routine address."""
    machine, define = kernel.machine, kernel.symbols.define
    p = plan(release, machine.word_size)
    total = p.percpu_size + PERCPU_MODULE_RESERVE
    pcpu = PerCpuArea(machine.alloc("kdata", total, PAGE), p.percpu_size, PERCPU_MODULE_RESERVE)
    machine.mem.write(pcpu.addr, bytes(total))
    block = machine.alloc("kdata", max(p.data_size, 16), PAGE)
    machine.mem.write(block, bytes(p.data_size))
    for name, license, crc, ns in p.code:
        addr = implemented.get(name)
        if addr is not None:
            define(name, addr, "func", replace=True, license=license, crc=crc, namespace=ns)
    data = {}
    for name, offset, size, license, crc, ns in p.data:
        define(name, block + offset, "object", size, license=license, crc=crc, namespace=ns)
        data[name] = block + offset
    base = 0 if machine.arch == "x86_64" else pcpu.addr
    for name, offset, size, license, crc, ns in p.percpu:
        define(name, base + offset, "object", size, license=license, crc=crc, namespace=ns)
    return pcpu, data
