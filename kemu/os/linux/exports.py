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

from dataclasses import dataclass

from kemu.intbits import align_up

from . import symvers

PAGE = 4096


@dataclass
class PerCpuArea:
    """The boot CPU's per-CPU area."""
    addr: int
    size: int


def percpu_size(kinds: dict) -> int:
    """Bytes covering every per-CPU export, page-rounded."""
    end = max((k.offset + (k.size or 8) for k in kinds.values() if k.kind == "percpu"), default=0)
    return align_up(max(end, 64), PAGE)


def define_exports(kernel, release: str, implemented: dict[str, int]) -> tuple[PerCpuArea, dict[str, int]]:
    """Define every vmlinux export of `release` on `kernel`; returns the per-CPU area and the
    address of each data export. `implemented` maps code names to their stub/routine address."""
    machine, table = kernel.machine, kernel.symbols
    exports, kinds = symvers.vmlinux_exports(release), symvers.kinds(release)
    word = machine.word_size
    pcpu_size = percpu_size(kinds)
    pcpu = PerCpuArea(machine.alloc("kdata", pcpu_size, PAGE), pcpu_size)
    machine.mem.write(pcpu.addr, bytes(pcpu_size))
    data_items = [(n, kinds[n]) for n in exports if n in kinds and kinds[n].kind == "data"]
    total = sum(align_up(k.size or word, 16) for _, k in data_items)
    block = machine.alloc("kdata", max(total, 16), PAGE)
    machine.mem.write(block, bytes(total))
    data, cursor = {}, block
    for name, export in exports.items():
        kind = kinds.get(name)
        license = "GPL" if export.gpl_only else None
        if kind is None or kind.kind == "code":
            addr = implemented.get(name)
            if addr is None:
                continue
            table.define(name, addr, "func", replace=True, license=license, crc=export.crc,
                         namespace=export.namespace)
        elif kind.kind == "data":
            size = kind.size or word
            table.define(name, cursor, "object", size, license=license, crc=export.crc,
                         namespace=export.namespace)
            data[name] = cursor
            cursor += align_up(size, 16)
        else:
            addr = kind.offset if machine.arch == "x86_64" else pcpu.addr + kind.offset
            table.define(name, addr, "object", kind.size or word, license=license, crc=export.crc,
                         namespace=export.namespace)
    return pcpu, data
