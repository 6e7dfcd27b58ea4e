"""sysctl(3) on kemu's FreeBSD: the kernel's own nodes and the static oids klds add.

The kernel's nodes live here in Python (`kern.securelevel`, which can only be raised;
`kern.module_path`, the `;`-separated host directories kld files are looked for in;
`kern.ostype`, `kern.osrelease`, `kern.osreldate`, `hw.machine`). `debug` is also a real
`struct sysctl_oid` in kernel memory (the data symbol `sysctl___debug`), because a kld's
static oids name their parent by the address of its `oid_children`.

A kld's `sysctl_set` members are registered dormant when the file links, enabled after its
SYSINITs, and removed before its SYSUNINITs (kern_linker.c's order). Reading or writing one
calls its own `oid_handler` with a `struct sysctl_req` in kernel memory, exactly as
kern_sysctl.c does; the handlers klds use (`sysctl_handle_int`, `sysctl_handle_string`) are
kernel services that move the value with SYSCTL_OUT/SYSCTL_IN semantics over that request.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from kemu.intbits import to_signed
from kemu.kernel import GuestCrash, SyscallError

REQ_BUFFER = 4096


@dataclass(eq=False)
class Oid:
    """One sysctl node."""
    name: str
    kind: int                   # CTLTYPE_* | CTLFLAG_*
    parent: "Oid | None" = None
    children: dict[str, "Oid"] = field(default_factory=dict)
    addr: int = 0               # its struct sysctl_oid (0: a Python node)
    arg1: int = 0
    arg2: int = 0
    handler: int = 0
    fmt: str = ""
    dormant: bool = False
    get: Callable[[], object] | None = None        # Python nodes
    set: Callable[[object], None] | None = None
    owner: object = None        # the KldFile that registered it

    @property
    def path(self) -> str:
        parts, node = [], self
        while node is not None and node.parent is not None:
            parts.append(node.name)
            node = node.parent
        return ".".join(reversed(parts))


class Sysctl:
    """The tree and the calls into kld handlers."""

    def __init__(self, system):
        self.system = system
        self.k = system.kernel
        self.lay = system.layouts
        c = self.lay.const
        self.CTLTYPE, self.NODE = c("CTLTYPE"), c("CTLTYPE_NODE")
        self.INT, self.STRING, self.UINT = c("CTLTYPE_INT"), c("CTLTYPE_STRING"), c("CTLTYPE_UINT")
        self.LONG, self.ULONG = c("CTLTYPE_LONG"), c("CTLTYPE_ULONG")
        self.S64, self.U64, self.OPAQUE = c("CTLTYPE_S64"), c("CTLTYPE_U64"), c("CTLTYPE_OPAQUE")
        self.RD, self.WR = c("CTLFLAG_RD"), c("CTLFLAG_WR")
        self.root = Oid("", self.NODE)
        self.by_children: dict[int, Oid] = {}          # address of oid_children -> node

    # --- the kernel's nodes --------------------------------------------------------------------
    def node(self, path: str, addr: int = 0) -> Oid:
        """The node at `path`, made (as a kernel node) where missing."""
        parent = self.root
        for part in path.split("."):
            child = parent.children.get(part)
            if child is None:
                child = Oid(part, self.NODE | self.RD, parent)
                parent.children[part] = child
            parent = child
        if addr:
            parent.addr = addr
            self.by_children[addr + self.lay.offset("sysctl_oid", "oid_children")] = parent
        return parent

    def add(self, path: str, kind: int, get, set=None) -> Oid:
        """A Python leaf: `get()` returns int or str; `set(value)` may raise SyscallError."""
        head, _, name = path.rpartition(".")
        parent = self.node(head)
        flags = self.RD | (self.WR if set is not None else 0)
        oid = Oid(name, kind | flags, parent, get=get, set=set)
        parent.children[name] = oid
        return oid

    # --- kld oids ------------------------------------------------------------------------------
    def register_file(self, lf) -> None:
        """linker_file_register_sysctls(): the file's static oids, dormant."""
        mem, lay, word = self.k.machine.mem, self.lay, self.k.word_size
        pending = list(lf.sets.get("sysctl_set", []))
        progress = True
        while pending and progress:
            progress = False
            for addr in list(pending):
                parent = self.by_children.get(mem.read_ptr(addr + lay.offset("sysctl_oid", "oid_parent")))
                if parent is None:
                    continue
                pending.remove(addr)
                progress = True
                name_ptr = mem.read_ptr(addr + lay.offset("sysctl_oid", "oid_name"))
                fmt_ptr = mem.read_ptr(addr + lay.offset("sysctl_oid", "oid_fmt"))
                oid = Oid(self.system.read_name(name_ptr, 128), mem.read_int(addr + lay.offset("sysctl_oid", "oid_kind"), 4),
                          parent, addr=addr,
                          arg1=mem.read_ptr(addr + lay.offset("sysctl_oid", "oid_arg1")),
                          arg2=mem.read_int(addr + lay.offset("sysctl_oid", "oid_arg2"), 8, signed=True),
                          handler=mem.read_ptr(addr + lay.offset("sysctl_oid", "oid_handler")),
                          fmt=self.system.read_name(fmt_ptr, 16) if fmt_ptr else "",
                          dormant=True, owner=lf)
                if oid.name in parent.children:
                    self.system.kprintf(f"can't re-use a leaf ({oid.path})!\n")
                    continue
                parent.children[oid.name] = oid
                if oid.kind & self.CTLTYPE == self.NODE:
                    self.by_children[addr + lay.offset("sysctl_oid", "oid_children")] = oid

    def enable_file(self, lf) -> None:
        for oid in self._owned(lf):
            oid.dormant = False

    def unregister_file(self, lf) -> None:
        for oid in reversed(self._owned(lf)):
            oid.parent.children.pop(oid.name, None)
            if oid.addr:
                self.by_children.pop(oid.addr + self.lay.offset("sysctl_oid", "oid_children"), None)

    def _owned(self, lf) -> list[Oid]:
        out = []

        def walk(node: Oid) -> None:
            for child in node.children.values():
                if child.owner is lf:
                    out.append(child)
                walk(child)

        walk(self.root)
        return out

    # --- lookup --------------------------------------------------------------------------------
    def find(self, path: str) -> Oid:
        node = self.root
        for part in path.split("."):
            node = node.children.get(part) if part else None
            if node is None or node.dormant:
                raise self.k.errno.error("ENOENT", path)
        return node

    def leaves(self, node: Oid) -> list[Oid]:
        """The leaves under `node` (itself when it is one), in name order within each node
        (kemu keeps no oid numbers)."""
        if node.kind & self.CTLTYPE != self.NODE or node.handler:
            return [node]
        out = []
        for child in node.children.values():
            if not child.dormant:
                out += self.leaves(child)
        return out

    def type_of(self, oid: Oid) -> int:
        return oid.kind & self.CTLTYPE

    # --- reading and writing -------------------------------------------------------------------
    def read(self, oid: Oid) -> int | str | bytes:
        if oid.get is not None:
            return oid.get()
        raw = self._call(oid, None)
        return self.decode(oid, raw)

    def write(self, oid: Oid, value: int | str) -> None:
        if not oid.kind & self.WR:
            raise self.k.errno.error("EPERM", f"{oid.path} is read only")
        if oid.set is not None:
            oid.set(value)
            return
        self._call(oid, self.encode(oid, value))

    def decode(self, oid: Oid, raw: bytes) -> int | str | bytes:
        t = self.type_of(oid)
        word = self.k.word_size
        if t == self.STRING:
            return raw.split(b"\0", 1)[0].decode("latin-1")
        if t in (self.INT, self.UINT):
            return int.from_bytes(raw[:4], "little", signed=t == self.INT)
        if t in (self.LONG, self.ULONG):
            return int.from_bytes(raw[:word], "little", signed=t == self.LONG)
        if t in (self.S64, self.U64):
            return int.from_bytes(raw[:8], "little", signed=t == self.S64)
        return raw

    def encode(self, oid: Oid, value: int | str) -> bytes:
        t = self.type_of(oid)
        if t == self.STRING:
            return str(value).encode("latin-1")
        size = {self.INT: 4, self.UINT: 4, self.LONG: self.k.word_size, self.ULONG: self.k.word_size,
                self.S64: 8, self.U64: 8}.get(t)
        if size is None:
            raise self.k.errno.error("EINVAL", f"{oid.path}: cannot set this type")
        return (int(value) & ((1 << (8 * size)) - 1)).to_bytes(size, "little")

    def _call(self, oid: Oid, new: bytes | None) -> bytes:
        """sysctl_root_handler_locked(): the oid's handler with a struct sysctl_req."""
        k, lay, mem, word = self.k, self.lay, self.k.machine.mem, self.k.word_size
        if not oid.handler:
            raise k.errno.error("EINVAL", oid.path)
        req = k.heap.alloc(lay.size("sysctl_req"), "sysctl", zero=True)
        old = k.heap.alloc(REQ_BUFFER, "sysctl", zero=True)
        newbuf = k.heap.alloc(max(len(new or b""), 1), "sysctl", zero=True)
        try:
            put = lambda f, v: mem.write_int(req + lay.offset("sysctl_req", f), word, v)  # noqa: E731
            put("oldptr", old)
            put("oldlen", REQ_BUFFER)
            if new is not None:
                mem.write(newbuf, new)
                put("newptr", newbuf)
                put("newlen", len(new))
            try:
                arg2 = oid.arg2 & ((1 << 64) - 1)           # intmax_t: two stack slots on i386
                words = (arg2,) if word == 8 else (arg2 & 0xFFFFFFFF, arg2 >> 32)
                value = self.system.call_guest(oid.handler, oid.addr, oid.arg1, *words, req,
                                               what=f"sysctl {oid.path}")
            except GuestCrash as crash:
                raise k.errno.error(crash.errno, oid.path) from None
            error = to_signed(value, 32)
            if error:
                raise k.errno.error(error, oid.path)
            used = mem.read_int(req + lay.offset("sysctl_req", "oldidx"), word)
            return mem.read(old, min(used, REQ_BUFFER))
        finally:
            for block in (req, old, newbuf):
                k.heap.free(block)

    # --- SYSCTL_OUT / SYSCTL_IN for the handler services -------------------------------------
    def _req(self, req: int, name: str) -> int:
        return self.k.machine.mem.read_int(req + self.lay.offset("sysctl_req", name), self.k.word_size)

    def _set_req(self, req: int, name: str, value: int) -> None:
        self.k.machine.mem.write_int(req + self.lay.offset("sysctl_req", name), self.k.word_size, value)

    def out(self, req: int, data: bytes) -> int:
        oldptr, oldlen, oldidx = self._req(req, "oldptr"), self._req(req, "oldlen"), self._req(req, "oldidx")
        error = 0
        if oldptr:
            room = max(0, oldlen - oldidx)
            chunk = data[:room]
            if chunk:
                self.k.machine.mem.write(oldptr + oldidx, chunk)
            if len(data) > room:
                error = self.k.errno.ENOMEM
        self._set_req(req, "oldidx", oldidx + len(data))
        return error

    def into(self, req: int, n: int) -> bytes | int:
        newptr, newlen, newidx = self._req(req, "newptr"), self._req(req, "newlen"), self._req(req, "newidx")
        if not newptr:
            return 0
        if newlen - newidx < n:
            return self.k.errno.EINVAL
        data = self.k.machine.mem.read(newptr + newidx, n)
        self._set_req(req, "newidx", newidx + n)
        return data

    def handle_int(self, arg1: int, arg2: int, req: int) -> int:
        mem = self.k.machine.mem
        value = mem.read(arg1, 4) if arg1 else (arg2 & 0xFFFFFFFF).to_bytes(4, "little")
        error = self.out(req, value)
        if error or not self._req(req, "newptr"):
            return error
        if not arg1:
            return self.k.errno.EPERM
        got = self.into(req, 4)
        if isinstance(got, int):
            return got
        mem.write(arg1, got)
        return 0

    def handle_string(self, arg1: int, arg2: int, req: int) -> int:
        mem = self.k.machine.mem
        text = self.k.read_str(arg1, arg2 if arg2 > 0 else None)
        error = self.out(req, text + b"\0")
        if error or not self._req(req, "newptr"):
            return error
        n = self._req(req, "newlen") - self._req(req, "newidx")
        if arg2 > 0 and n >= arg2:
            return self.k.errno.EINVAL
        got = self.into(req, n)
        if isinstance(got, int):
            return got
        mem.write(arg1, got + b"\0")
        return 0


__all__ = ["Oid", "Sysctl", "SyscallError"]
