"""A kernel registry kept as the kernel keeps it: a `struct list_head` in kernel memory with
the registered structs' own list_head fields linked on it, in the kernel's order (list_add
puts a newcomer first, list_add_tail last), so a module that walks the list inline finds what
the kernel would show it.

The subsystems' services (services/registries.py: LED triggers, cpufreq governors, zpool
drivers, binary formats, input handlers, asymmetric key parsers, key types) each make one
Registry: it knows the struct's link field and how to read an entry's name, refuses what the
subsystem refuses (its own duplicate rule and errno), and takes an entry back when its
module goes without unregistering it (the unload then reports it left behind).
"""
from __future__ import annotations

from typing import Callable

from .list_head import init_list

NAME_MAX = 128


class Registry:
    """One subsystem's list of registered structs."""

    def __init__(self, k, what: str, struct: str, link: str, name: Callable[[int], str]):
        self.k = k
        self.what = what                  # "LED trigger": how messages and undo records name it
        self.struct = struct
        self.link_off = k.linux.layout.offset(struct, link)
        self.name = name
        self.head = k.machine.alloc("kdata", 2 * k.machine.word_size, 16)
        init_list(k, self.head)
        self.entries: list[int] = []      # the registered structs, in list order
        self.owners: dict[int, object] = {}

    def names(self) -> list[str]:
        return [self.name(e) for e in self.entries]

    def find(self, name: str, fold_case: bool = False) -> int | None:
        """The entry registered under `name` (compared case-blind for strncasecmp users)."""
        want = name.lower() if fold_case else name
        for e in self.entries:
            have = self.name(e)
            if (have.lower() if fold_case else have) == want:
                return e
        return None

    def add(self, addr: int, module, first: bool = False) -> None:
        """list_add (first) or list_add_tail: link the struct's list_head in and remember
        who registered it, so its unload can take it back."""
        mem, word = self.k.machine.mem, self.k.machine.word_size
        node = addr + self.link_off
        if first:
            nxt = mem.read_ptr(self.head)
            mem.write_ptr(node, nxt)
            mem.write_ptr(node + word, self.head)
            mem.write_ptr(nxt + word, node)
            mem.write_ptr(self.head, node)
            self.entries.insert(0, addr)
        else:
            prev = mem.read_ptr(self.head + word)
            mem.write_ptr(node, self.head)
            mem.write_ptr(node + word, prev)
            mem.write_ptr(prev, node)
            mem.write_ptr(self.head + word, node)
            self.entries.append(addr)
        self.owners[addr] = module
        if module is not None:
            module.on_unload(self._undo_name(addr), lambda: self._unlink(addr))

    def _undo_name(self, addr: int) -> str:
        return f"{self.what} {self.name(addr)} at {addr:#x}"

    def remove(self, addr: int) -> bool:
        """list_del_init of a registered struct; False (nothing touched) if it is not on the
        list, so a double unregister cannot corrupt it."""
        if addr not in self.entries:
            return False
        module = self.owners.get(addr)
        if module is not None:
            module.forget_undo(self._undo_name(addr))
        self._unlink(addr)
        return True

    def _unlink(self, addr: int) -> None:
        if addr not in self.entries:
            return
        mem, word = self.k.machine.mem, self.k.machine.word_size
        node = addr + self.link_off
        nxt, prev = mem.read_ptr(node), mem.read_ptr(node + word)
        mem.write_ptr(prev, nxt)
        mem.write_ptr(nxt + word, prev)
        init_list(self.k, node)
        self.entries.remove(addr)
        self.owners.pop(addr, None)


def string_at(k, addr: int) -> str:
    """A C string the kernel points at ("" for NULL)."""
    return k.read_str(addr, NAME_MAX).decode("latin-1") if addr else ""


def pointed_name(k, struct: str, field: str) -> Callable[[int], str]:
    """The name of an entry whose `field` is a `const char *`."""
    off = k.linux.layout.offset(struct, field)
    return lambda addr: string_at(k, k.machine.mem.read_ptr(addr + off))


def inline_name(k, struct: str, field: str) -> Callable[[int], str]:
    """The name of an entry whose `field` is a char array."""
    off = k.linux.layout.offset(struct, field)
    return lambda addr: k.read_str(addr + off, NAME_MAX).decode("latin-1")
