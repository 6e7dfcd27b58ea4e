"""The kernel symbol table: what a module can link against.

Every installed service and every kernel data object a personality exposes (`cdevsw`, `hz`,
`time_second` …) has a name, an address, a kind and (for objects) a size. The linker asks the
kernel's resolver for the address of each undefined symbol; the debugger and oops reports ask
the table to name an address.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterator

from .errors import KernelError

KINDS = ("func", "object")


@dataclass(frozen=True)
class KernelSymbol:
    name: str
    addr: int
    kind: str      # "func" or "object"
    size: int = 0  # bytes; 0 when unknown (a stub's extent is the machine's business)


class SymbolTable:
    """name → KernelSymbol, plus address → name for symbolizing."""

    def __init__(self) -> None:
        self._by_name: dict[str, KernelSymbol] = {}
        self._addrs: list[int] = []      # sorted, parallel to _names
        self._names: list[str] = []

    def define(self, name: str, addr: int, kind: str = "func", size: int = 0,
               replace: bool = False) -> KernelSymbol:
        """Add a symbol. Redefining a name at another address is an error unless `replace`."""
        if not name or not isinstance(name, str):
            raise KernelError(f"kernel symbol name must be a non-empty string, not {name!r}")
        if kind not in KINDS:
            raise KernelError(f"kernel symbol {name}: kind must be one of {KINDS}, not {kind!r}")
        if not isinstance(addr, int) or addr < 0:
            raise KernelError(f"kernel symbol {name}: bad address {addr!r}")
        if size < 0:
            raise KernelError(f"kernel symbol {name}: negative size {size}")
        old = self._by_name.get(name)
        if old is not None:
            if old.addr == addr and old.kind == kind and old.size == size:
                return old
            if not replace:
                raise KernelError(f"kernel symbol {name} is already defined at {old.addr:#x} "
                                  f"({old.kind}); refusing to redefine it at {addr:#x}")
            self._remove_addr(old)
        sym = KernelSymbol(name, addr, kind, size)
        self._by_name[name] = sym
        i = bisect.bisect_right(self._addrs, addr)
        self._addrs.insert(i, addr)
        self._names.insert(i, name)
        return sym

    def _remove_addr(self, sym: KernelSymbol) -> None:
        i = bisect.bisect_left(self._addrs, sym.addr)
        while i < len(self._addrs) and self._addrs[i] == sym.addr:
            if self._names[i] == sym.name:
                del self._addrs[i]
                del self._names[i]
                return
            i += 1

    def undefine(self, name: str) -> KernelSymbol:
        """Remove a symbol (a personality withdrawing an object); KeyError if unknown."""
        sym = self._by_name.pop(name)
        self._remove_addr(sym)
        return sym

    def lookup(self, name: str) -> int | None:
        """Address of `name`, or None."""
        sym = self._by_name.get(name)
        return sym.addr if sym is not None else None

    def get(self, name: str) -> KernelSymbol | None:
        return self._by_name.get(name)

    def symbolize(self, addr: int) -> tuple[str, int] | None:
        """(name, offset) for an address inside a sized symbol or exactly at any symbol."""
        i = bisect.bisect_right(self._addrs, addr) - 1
        while i >= 0:
            sym = self._by_name[self._names[i]]
            if sym.addr == addr:
                return sym.name, 0
            if sym.size and sym.addr <= addr < sym.addr + sym.size:
                return sym.name, addr - sym.addr
            if sym.addr < addr:
                # only the nearest lower symbol can contain addr; stop after checking same-address peers
                j = i - 1
                while j >= 0 and self._addrs[j] == sym.addr:
                    other = self._by_name[self._names[j]]
                    if other.size and addr < other.addr + other.size:
                        return other.name, addr - other.addr
                    j -= 1
                return None
            i -= 1
        return None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[KernelSymbol]:
        """Symbols in name order."""
        return iter(sorted(self._by_name.values(), key=lambda s: s.name))

    def __len__(self) -> int:
        return len(self._by_name)
