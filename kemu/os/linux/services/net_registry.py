"""What the networking registries (traffic control, rtnetlink, netfilter, sock_diag …) share.

Each of those kernel registries is a list or table of ops structures that modules hand in at
init and take back at exit. kemu keeps the list in Python in the kernel's order; the fields the
kernel reads (an ops' kind or id) are read from the guest structure at the offsets measured
from Debian's headers. An entry a module leaves behind at unload is dropped (and shows in the
module's left_behind), so nothing calls into freed code.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from kemu.kernel.errors import KernelPanic

from .owner import owning_module

T = TypeVar("T")


def kernel_state(k, key: str, factory: Callable[[object], T]) -> T:
    """The one instance of a registry on this kernel (made on first use)."""
    linux = k.linux
    if key not in linux.__dict__:
        linux.__dict__[key] = factory(k)
    return linux.__dict__[key]


def signed32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def need(addr: int, what: str) -> int:
    """A pointer the kernel dereferences unchecked: NULL oopses there, naming the argument."""
    if not addr:
        raise KernelPanic(f"BUG: kernel NULL pointer dereference: {what} is NULL")
    return addr


class Fields:
    """Reads and writes of one guest struct's fields by name (offsets from the layouts)."""

    def __init__(self, k, struct: str) -> None:
        self.k, self.struct = k, struct

    def off(self, field: str) -> int:
        return self.k.linux.layout.offset(self.struct, field)

    def ptr(self, addr: int, field: str) -> int:
        return self.k.machine.mem.read_ptr(addr + self.off(field))

    def set_ptr(self, addr: int, field: str, value: int) -> None:
        self.k.machine.mem.write_ptr(addr + self.off(field), value)

    def u32(self, addr: int, field: str) -> int:
        return self.k.machine.mem.read_u32(addr + self.off(field))

    def s32(self, addr: int, field: str) -> int:
        return signed32(self.u32(addr, field))

    def u8(self, addr: int, field: str) -> int:
        return self.k.machine.mem.read_u8(addr + self.off(field))

    def chars(self, addr: int, field: str, size: int) -> str:
        """An inline char array (Qdisc_ops.id, tc_action_ops.kind …)."""
        return self.k.machine.mem.read_cstr(addr + self.off(field), size).decode("latin-1")

    def string(self, addr: int, field: str, limit: int = 256) -> str:
        """A `const char *` field; "" when NULL."""
        p = self.ptr(addr, field)
        return self.k.machine.mem.read_cstr(p, limit).decode("latin-1") if p else ""


class OpsList:
    """A kernel list of registered ops (qdisc_base, act_base, link_ops …), oldest first."""

    def __init__(self, k, what: str) -> None:
        self.k, self.what = k, what
        self.items: list[int] = []
        self.owners: dict[int, object] = {}

    def __contains__(self, ops: int) -> bool:
        return ops in self.items

    def __iter__(self):
        return iter(list(self.items))

    def tag(self, ops: int) -> str:
        return f"{self.what} {ops:#x}"

    def add(self, ops: int, call, owner: int = 0, front: bool = False) -> None:
        """Link `ops` in (at the tail, or the head for list_add) for the module registering it."""
        if front:
            self.items.insert(0, ops)
        else:
            self.items.append(ops)
        module = owning_module(self.k, call, owner)
        if module is not None:
            self.owners[ops] = module
            module.on_unload(self.tag(ops), lambda: self._drop(ops))

    def _drop(self, ops: int) -> None:
        if ops in self.items:
            self.items.remove(ops)
        self.owners.pop(ops, None)

    def remove(self, ops: int) -> bool:
        """Unlink `ops`; False if it was not on the list."""
        if ops not in self.items:
            return False
        self.items.remove(ops)
        module = self.owners.pop(ops, None)
        if module is not None:
            module.forget_undo(self.tag(ops))
        return True


def list_del_corruption(k, what: str, ops: int) -> None:
    """list_del of an entry not on the list: CONFIG_DEBUG_LIST's report and a W taint."""
    k.linux.pr(f"list_del corruption: {what} {ops:#x} is not on its list", 4)
    k.linux.add_taint("W")


def warn(k, text: str) -> None:
    """A WARN() splat's first line and the W taint."""
    k.linux.pr(f"WARNING: {text}", 4)
    k.linux.add_taint("W")


class Slots:
    """A kernel table of single slots (lwtun_encaps[], l3mdev_handlers[], sock_diag_handlers[]):
    a slot is claimed by one value at a time; a module's claims go with it."""

    def __init__(self, k, what: str, taken: dict | None = None) -> None:
        self.k, self.what = k, what
        self.values: dict[int, int] = dict(taken or {})

    def tag(self, key: int) -> str:
        return f"{self.what} {key}"

    def claim(self, key: int, value: int, call) -> bool:
        """Put `value` in the empty slot `key` (False if it is taken)."""
        if self.values.get(key):
            return False
        self.values[key] = value
        module = owning_module(self.k, call)
        if module is not None:
            module.on_unload(self.tag(key), lambda: self.values.pop(key, None)
                             if self.values.get(key) == value else None)
        return True

    def release(self, key: int, value: int) -> bool:
        """Empty slot `key` if `value` holds it (False otherwise)."""
        if self.values.get(key) != value:
            return False
        del self.values[key]
        module = self.k.loader.module_at(value)
        if module is not None:
            module.forget_undo(self.tag(key))
        return True
