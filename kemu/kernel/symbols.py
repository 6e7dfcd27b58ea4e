"""The kernel symbol table: what a module can link against, who defines it, and who uses it.

Every installed service, every kernel data object a personality exposes (`cdevsw`, `hz`,
`jiffies` …) and every export of a live module has a name, an address, a kind (code or data)
and an owner: `KERNEL` for the kernel itself, or the name of the module that exports it. The
attributes the module systems check travel with the symbol: a license restriction (Linux's
`EXPORT_SYMBOL_GPL` exports are `license="GPL"`), a version CRC (modversions) and a namespace
(`EXPORT_SYMBOL_NS`).

The table also records uses: when the loader binds a module's import to a symbol it calls
`use(symbol, user)`, so "which modules use module X" and X's reference count come from here,
not from each personality's bookkeeping. A module's exports appear when it goes live
(`define(..., owner=name)`) and all go at once when it unloads (`remove_owner(name)`).
"""
from __future__ import annotations

import bisect
from typing import Iterator

from kemu.record import Record

from .errors import KernelError

KINDS = ("func", "object")
KERNEL = "kernel"          # the owner of everything the emulated kernel itself defines


class KernelSymbol(Record, fields=("name", "addr", "kind", "size", "owner", "license", "crc",
                                   "namespace"), frozen=True):
    def __init__(self, name: str, addr: int, kind: str, size: int = 0, owner: str = KERNEL,
                 license: str | None = None, crc: int | None = None,
                 namespace: str | None = None) -> None:
        vars(self).update(
            name=name,
            addr=addr,
            kind=kind,            # "func" or "object"
            size=size,            # bytes; 0 when unknown (a stub's extent is the machine's business)
            owner=owner,          # KERNEL or the exporting module's name
            license=license,      # e.g. "GPL" for a GPL-only export; None: anyone may use it
            crc=crc,              # modversions CRC, when the system versions its symbols
            namespace=namespace,
        )

    @property
    def from_kernel(self) -> bool:
        return self.owner == KERNEL


class SymbolTable:
    """name → KernelSymbol, address → name for symbolizing, and who uses whose symbols."""

    def __init__(self) -> None:
        self._by_name: dict[str, KernelSymbol] = {}
        self._addrs: list[int] = []      # sorted, parallel to _names
        self._names: list[str] = []
        self._users: dict[str, dict[str, int]] = {}   # owner -> {user: number of symbols used}

    def define(self, name: str, addr: int, kind: str = "func", size: int = 0,
               replace: bool = False, *, owner: str = KERNEL, license: str | None = None,
               crc: int | None = None, namespace: str | None = None) -> KernelSymbol:
        """Add a symbol. Redefining a name at another address is an error unless `replace`."""
        if not name or not isinstance(name, str):
            raise KernelError(f"kernel symbol name must be a non-empty string, not {name!r}")
        if kind not in KINDS:
            raise KernelError(f"kernel symbol {name}: kind must be one of {KINDS}, not {kind!r}")
        if not isinstance(addr, int) or addr < 0:
            raise KernelError(f"kernel symbol {name}: bad address {addr!r}")
        if size < 0:
            raise KernelError(f"kernel symbol {name}: negative size {size}")
        sym = KernelSymbol(name, addr, kind, size, owner, license, crc, namespace)
        old = self._by_name.get(name)
        if old is not None:
            if old == sym:
                return old
            if not replace:
                raise KernelError(f"symbol {name} is already defined at {old.addr:#x} by {old.owner} "
                                  f"({old.kind}); refusing to redefine it at {addr:#x} for {owner}")
            self._remove_addr(old)
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

    def remove_owner(self, owner: str) -> list[KernelSymbol]:
        """Withdraw every symbol `owner` exports (a module going away); its uses of others go too."""
        gone = [s for s in self._by_name.values() if s.owner == owner]
        for sym in gone:
            self.undefine(sym.name)
        self.drop_uses(owner)
        self._users.pop(owner, None)
        return gone

    def lookup(self, name: str) -> int | None:
        """Address of `name`, or None."""
        sym = self._by_name.get(name)
        return sym.addr if sym is not None else None

    def get(self, name: str) -> KernelSymbol | None:
        return self._by_name.get(name)

    def owned_by(self, owner: str) -> list[KernelSymbol]:
        """The symbols `owner` defines, by name."""
        return sorted((s for s in self._by_name.values() if s.owner == owner), key=lambda s: s.name)

    # --- uses ---------------------------------------------------------------------------------
    def use(self, sym: KernelSymbol, user: str) -> None:
        """Record that module `user` bound an import to `sym` (uses of the kernel are not counted)."""
        if sym.owner == KERNEL or sym.owner == user:
            return
        users = self._users.setdefault(sym.owner, {})
        users[user] = users.get(user, 0) + 1

    def drop_uses(self, user: str) -> None:
        """Forget every use `user` made (it is unloading, or its load failed)."""
        for owner in list(self._users):
            self._users[owner].pop(user, None)

    def users_of(self, owner: str) -> list[str]:
        """Modules that use at least one of `owner`'s symbols, in the order they started using it."""
        return list(self._users.get(owner, {}))

    def uses_of(self, user: str) -> list[str]:
        """Modules whose symbols `user` uses."""
        return [owner for owner, users in self._users.items() if user in users]

    # --- symbolizing ----------------------------------------------------------------------------
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
