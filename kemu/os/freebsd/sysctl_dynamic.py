"""Dynamic sysctls (kern/kern_sysctl.c): sysctl_ctx_init/sysctl_ctx_free, sysctl_add_oid (what
every SYSCTL_ADD_* macro calls), sysctl_remove_oid, and the value handlers the macros name
besides int and string (long, 64-bit, opaque, bool).

sysctl_add_oid allocates a real `struct sysctl_oid` (malloc type "sysctloid", name and
description copied, CTLFLAG_DYN set, oid_refcnt 1, OID_AUTO numbered from CTL_AUTO_START)
under the parent list it is given — the kernel's `SYSCTL_STATIC_CHILDREN(_debug)`, a static
node of a kld, or a dynamic node's `SYSCTL_CHILDREN(oidp)` — and enters it in the tree the
shell's `sysctl` walks. Re-adding an existing node name returns that node with its refcount
raised; an existing leaf name is refused with FreeBSD's `can't re-use a leaf (NAME)!`. With a
context the oid is recorded in a `struct sysctl_ctx_entry` put at the head of the context's
TAILQ, so sysctl_ctx_free removes the newest first: children before the nodes they hang on.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .sysctl import Oid

table = ServiceTable("freebsd-sysctl-dynamic")

CTLFLAG_DYN = 0x02000000
OID_AUTO = -1
CTL_AUTO_START = 0x100
M_SYSCTLOID = "sysctloid"


def _st(k):
    return k.freebsd.sysctl


def _mem(k):
    return k.machine.mem


def _off(k, field: str) -> int:
    return k.freebsd.layouts.offset("sysctl_oid", field)


def _strdup(k, addr: int, limit: int = 256) -> int:
    if not addr:
        return 0
    text = k.machine.mem.read_cstr(addr, limit)
    copy = k.heap.alloc(len(text) + 1, M_SYSCTLOID)
    k.machine.mem.write(copy, text + b"\0")
    return copy


class _Ctx:
    """A `struct sysctl_ctx_list` (TAILQ_HEAD of sysctl_ctx_entry {entry; link}) in memory."""

    def __init__(self, k, clist: int) -> None:
        self.k, self.clist, self.w = k, clist, k.word_size

    def init(self) -> None:
        mem = _mem(self.k)
        mem.write_int(self.clist, self.w, 0)
        mem.write_int(self.clist + self.w, self.w, self.clist)

    def entries(self) -> list[tuple[int, int]]:
        """(entry, oid) from the head."""
        mem, out, e, seen = _mem(self.k), [], _mem(self.k).read_ptr(self.clist), set()
        while e and e not in seen:
            seen.add(e)
            out.append((e, mem.read_ptr(e)))
            e = mem.read_ptr(e + self.w)
        return out

    def add_head(self, oid: int) -> None:
        mem, w = _mem(self.k), self.w
        e = self.k.heap.alloc(3 * w, M_SYSCTLOID, zero=True)
        first = mem.read_ptr(self.clist)
        mem.write_int(e, w, oid)
        mem.write_int(e + w, w, first)                     # link.tqe_next
        mem.write_int(e + 2 * w, w, self.clist)            # link.tqe_prev = &head.tqh_first
        if first:
            mem.write_int(first + 2 * w, w, e + w)
        else:
            mem.write_int(self.clist + w, w, e + w)        # tqh_last = &e->link.tqe_next
        mem.write_int(self.clist, w, e)


def _next_number(parent: Oid) -> int:
    used = [getattr(c, "number", 0) for c in parent.children.values()]
    return max([CTL_AUTO_START - 1, *used]) + 1


@table.service("void *sysctl_add_oid(void *clist, void *parent, int nbr, const char *name, int kind, "
               "void *arg1, intmax_t arg2, void *handler, const char *fmt, const char *descr, "
               "const char *label)")
def sysctl_add_oid(k, clist: int, parent_list: int, nbr: int, name: int, kind: int, arg1: int, arg2: int,
                   handler: int, fmt: int, descr: int, label: int) -> int:
    """Add (or re-use a node) under `parent_list`; the oid, or NULL."""
    st, mem, fb = _st(k), _mem(k), k.freebsd
    parent = st.by_children.get(parent_list)
    text = fb.read_name(name, 128)
    if parent is None:
        fb.kprintf(f"sysctl_add_oid: {text}: parent {parent_list:#x} is not a sysctl node's children\n")
        return 0
    kind &= 0xFFFFFFFF
    have = parent.children.get(text)
    if have is not None:
        if have.kind & st.CTLTYPE == st.NODE and kind & st.CTLTYPE == st.NODE and have.addr:
            have.refcnt = getattr(have, "refcnt", 1) + 1
            mem.write_int(have.addr + _off(k, "oid_refcnt"), 4, have.refcnt)
            if clist:
                _Ctx(k, clist).add_head(have.addr)
            return have.addr
        fb.kprintf(f"can't re-use a leaf ({have.path})!\n")
        return 0
    addr = k.heap.alloc(fb.layouts.size("sysctl_oid"), M_SYSCTLOID, zero=True)
    number = _next_number(parent) if nbr == OID_AUTO else nbr
    name_copy, descr_copy = _strdup(k, name, 128), _strdup(k, descr)
    word = k.word_size
    put = lambda f, size, v: mem.write_int(addr + _off(k, f), size, v & ((1 << (8 * size)) - 1))  # noqa: E731
    put("oid_parent", word, parent_list)
    put("oid_number", 4, number)
    put("oid_kind", 4, kind | CTLFLAG_DYN)
    put("oid_arg1", word, arg1)
    put("oid_arg2", 8, arg2)
    put("oid_name", word, name_copy)
    put("oid_handler", word, handler)
    put("oid_fmt", word, fmt)
    put("oid_descr", word, descr_copy)
    put("oid_refcnt", 4, 1)
    put("oid_label", word, label)
    oid = Oid(text, kind | CTLFLAG_DYN, parent, addr=addr, arg1=arg1, arg2=arg2, handler=handler,
              fmt=fb.read_name(fmt, 16) if fmt else "")
    oid.number, oid.refcnt, oid.strings = number, 1, (name_copy, descr_copy)
    parent.children[text] = oid
    if kind & st.CTLTYPE == st.NODE:
        st.by_children[addr + _off(k, "oid_children")] = oid
    if clist:
        _Ctx(k, clist).add_head(addr)
    return addr


def _oid_at(k, addr: int) -> Oid | None:
    def walk(node: Oid) -> Oid | None:
        for child in node.children.values():
            if child.addr == addr:
                return child
            found = walk(child)
            if found is not None:
                return found
        return None
    return walk(_st(k).root) if addr else None


def _remove(k, oid: Oid, delete: bool, recurse: bool) -> int:
    """sysctl_remove_oid_locked(): 0, ENOTEMPTY (a node with children, no recurse) or EINVAL
    (not a dynamic oid)."""
    st = _st(k)
    if not oid.kind & CTLFLAG_DYN:
        k.freebsd.kprintf("can't remove non-dynamic nodes!\n")
        return k.errno.EINVAL
    oid.refcnt = getattr(oid, "refcnt", 1) - 1
    if oid.refcnt > 0:
        _mem(k).write_int(oid.addr + _off(k, "oid_refcnt"), 4, oid.refcnt)
        return 0
    if oid.children:
        if not recurse:
            oid.refcnt += 1
            return k.errno.ENOTEMPTY
        for child in list(oid.children.values()):
            child.refcnt = 1
            error = _remove(k, child, delete, True)
            if error:
                return error
    oid.parent.children.pop(oid.name, None)
    st.by_children.pop(oid.addr + _off(k, "oid_children"), None)
    if delete:
        for block in (*getattr(oid, "strings", ()), oid.addr):
            if block:
                k.heap.free(block)
    return 0


@table.service("int sysctl_remove_oid(void *oidp, int del, int recurse)")
def sysctl_remove_oid(k, oidp: int, delete: int, recurse: int) -> int:
    """Remove a dynamic oid (its children too with `recurse`); 0 or an errno."""
    oid = _oid_at(k, oidp)
    if oid is None:
        return k.errno.ENOENT
    return _remove(k, oid, bool(delete), bool(recurse))


@table.service("int sysctl_ctx_init(void *clist)")
def sysctl_ctx_init(k, clist: int) -> int:
    """An empty context; EINVAL for NULL."""
    if not clist:
        return k.errno.EINVAL
    _Ctx(k, clist).init()
    return 0


@table.service("int sysctl_ctx_free(void *clist)")
def sysctl_ctx_free(k, clist: int) -> int:
    """Remove every oid of the context, newest first, then its entries; EBUSY (nothing
    removed) if one cannot go."""
    if not clist:
        return k.errno.EINVAL
    ctx = _Ctx(k, clist)
    entries = ctx.entries()
    oids = [_oid_at(k, oid) for _, oid in entries]
    for oid in oids:                          # the first pass of kern_sysctl.c: may they go?
        if oid is None:
            continue
        if getattr(oid, "refcnt", 1) <= 1 and any(c not in oids for c in oid.children.values()):
            k.freebsd.kprintf(f"Warning: deregistering oid {oid.path} failed\n")
            return k.errno.EBUSY
    for (entry, _), oid in zip(entries, oids):
        if oid is not None:
            _remove(k, oid, True, False)
        k.heap.free(entry)
    ctx.init()
    return 0


# --- value handlers ---------------------------------------------------------------------------
def _handle_fixed(k, arg1: int, arg2: int, req: int, size: int, signed: bool = False) -> int:
    """SYSCTL_OUT the `size`-byte value at arg1 (or arg2 when arg1 is NULL), then SYSCTL_IN."""
    st, mem = _st(k), _mem(k)
    value = mem.read(arg1, size) if arg1 else (arg2 & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
    error = st.out(req, value)
    if error or not st._req(req, "newptr"):
        return error
    if not arg1:
        return k.errno.EPERM
    got = st.into(req, size)
    if isinstance(got, int):
        return got
    mem.write(arg1, got)
    return 0


@table.service("int sysctl_handle_long(void *oidp, void *arg1, intmax_t arg2, void *req)")
def sysctl_handle_long(k, oidp: int, arg1: int, arg2: int, req: int) -> int:
    """A long (a word: 4 bytes on i386, 8 on amd64)."""
    return _handle_fixed(k, arg1, arg2, req, k.word_size)


@table.service("int sysctl_handle_64(void *oidp, void *arg1, intmax_t arg2, void *req)")
def sysctl_handle_64(k, oidp: int, arg1: int, arg2: int, req: int) -> int:
    """A 64-bit value (SYSCTL_ADD_U64/S64)."""
    return _handle_fixed(k, arg1, arg2, req, 8)


@table.service("int sysctl_handle_bool(void *oidp, void *arg1, intmax_t arg2, void *req)")
def sysctl_handle_bool(k, oidp: int, arg1: int, arg2: int, req: int) -> int:
    """A bool: one byte out, any non-zero byte in becomes 1."""
    error = _handle_fixed(k, arg1, arg2, req, 1)
    if not error and arg1 and _mem(k).read(arg1, 1) != b"\0":
        _mem(k).write(arg1, b"\1")
    return error


@table.service("int sysctl_handle_opaque(void *oidp, void *arg1, intmax_t arg2, void *req)")
def sysctl_handle_opaque(k, oidp: int, arg1: int, arg2: int, req: int) -> int:
    """arg2 bytes at arg1, out and in."""
    return _handle_fixed(k, arg1, 0, req, max(0, arg2)) if arg1 else k.errno.EINVAL
