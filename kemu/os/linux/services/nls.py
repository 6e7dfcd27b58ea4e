"""Native language support tables (fs/nls/nls_base.c): the registry of character-set
conversion tables that nls_* modules (nls_cp437, nls_iso8859-1, nls_utf8 ...) register and
filesystems (fat, isofs, ntfs3, cifs ...) look up by name with load_nls.

The kernel keeps the tables on a singly linked list through `struct nls_table.next`, newest
first; kemu keeps that list in guest memory the same way, so a module walking it sees what
the kernel's would hold."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import modref
from .owner import owning_module

table = ServiceTable("nls")
STRUCT = "struct nls_table"


def _off(k, field: str) -> int:
    return k.linux.layout.offset(STRUCT, field)


def tables(k) -> list[int]:
    """The registered tables' addresses, newest first (the kernel's list order)."""
    if not hasattr(k.linux, "nls_tables"):
        k.linux.nls_tables = []
    return k.linux.nls_tables


def _relink(k) -> None:
    """Rewrite each table's `next` so the guest list matches the registry."""
    regs = tables(k)
    for addr, following in zip(regs, regs[1:] + [0]):
        k.machine.mem.write_ptr(addr + _off(k, "next"), following)


def _name(k, nls: int, field: str) -> str | None:
    ptr = k.machine.mem.read_ptr(nls + _off(k, field))
    return k.read_str(ptr, 64).decode("latin-1") if ptr else None


def _remove(k, nls: int) -> None:
    regs = tables(k)
    if nls in regs:
        regs.remove(nls)
        k.machine.mem.write_ptr(nls + _off(k, "next"), 0)
        _relink(k)


@table.service("int __register_nls(struct nls_table *nls, struct module *owner)", needs_call=True)
def __register_nls(k, nls: int, owner: int, call=None) -> int:
    """Record the owner in the table and put it at the head of the list; -EBUSY if the table
    is already linked (its `next` is set) or already registered."""
    mem = k.machine.mem
    if mem.read_ptr(nls + _off(k, "next")) or nls in tables(k):
        return -k.linux.errno.EBUSY
    mem.write_ptr(nls + _off(k, "owner"), owner)
    tables(k).insert(0, nls)
    _relink(k)
    module = owning_module(k, call, owner)
    if module is not None:
        module.on_unload(f"nls {nls:#x}", lambda: _remove(k, nls))
    return 0


@table.service("int unregister_nls(struct nls_table *nls)")
def unregister_nls(k, nls: int) -> int:
    """Unlink the table; -EINVAL if it is not on the list."""
    if nls not in tables(k):
        return -k.linux.errno.EINVAL
    owner = k.machine.mem.read_ptr(nls + _off(k, "owner"))
    _remove(k, nls)
    module = k.linux.module_by_struct(owner) if owner else None
    if module is not None:
        module.forget_undo(f"nls {nls:#x}")
    return 0


def find_nls(k, charset: str) -> int:
    """The first table whose charset or alias is `charset`, with a reference taken on its
    owner (0 when none matches or the owner is going away)."""
    for nls in tables(k):
        if charset in (_name(k, nls, "charset"), _name(k, nls, "alias")):
            owner = k.machine.mem.read_ptr(nls + _off(k, "owner"))
            return nls if modref.try_module_get(k, owner) else 0
    return 0


@table.service("struct nls_table *load_nls(const char *charset)")
def load_nls(k, charset: int) -> int:
    """Look a table up by charset name or alias and pin its module; NULL when none is
    registered. (The kernel then tries request_module("nls_<name>"); kemu loads only what
    the user asked for, so the lookup's answer stands.)"""
    if not charset:
        return 0
    return find_nls(k, k.read_str(charset, 64).decode("latin-1"))


@table.service("void unload_nls(struct nls_table *nls)")
def unload_nls(k, nls: int) -> None:
    """Drop the module reference load_nls took (NULL is allowed)."""
    if nls:
        modref.module_put(k, k.machine.mem.read_ptr(nls + _off(k, "owner")))
