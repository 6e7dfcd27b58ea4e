"""Scatterlists (lib/scatterlist.c, include/linux/scatterlist.h, crypto/scatterwalk.c; 6.1).

A struct scatterlist entry names a piece of memory as (struct page, offset, length); the
page pointer shares `page_link` with two flag bits: SG_CHAIN (the entry is a link to another
array, not data) and SG_END (the last entry). The crypto API and its users build lists with
sg_init_table/sg_init_one, walk them with sg_next/sg_nents, and reach the bytes page by page
with the sg_miter iterator or scatterwalk_map_and_copy.

kemu keeps these in guest memory exactly as the kernel does, so a module's inline helpers
(sg_set_buf, sg_page, sg_virt) and these services agree. A buffer's page is the memory map's
(services/page_struct.py): the kernel heap (and on i386 the kernel's own data, lowmem there)
is the linear map; a buffer elsewhere (a module's data, vmalloc memory) has no struct page,
which the kernel's virt_to_page turns into a wrong page silently and kemu refuses with an
oops naming the buffer.
"""
from __future__ import annotations

from kemu.kernel import KernelPanic, ServiceTable

from .kernel_pointer import kernel_struct
from .page_alloc import PAGE_SIZE
from .page_struct import memmap

table = ServiceTable("scatterlist")

SG_CHAIN = 0x01
SG_END = 0x02
SG_MITER_ATOMIC = 1 << 0
SG_MITER_TO_SG = 1 << 1
SG_MITER_FROM_SG = 1 << 2


class SgList:
    """Field access to struct scatterlist entries and the page <-> address conversions."""

    def __init__(self, k):
        self.k, self.mem, lay = k, k.machine.mem, k.linux.layout
        self.size = lay.size("struct scatterlist")
        self.off = {f: lay.offset("struct scatterlist", f) for f in ("page_link", "offset", "length")}
        self.page_size = lay.size("struct page")

    def entry(self, sg: int, what: str) -> int:
        return kernel_struct(self.k, sg, "struct scatterlist", what)

    def link(self, sg: int) -> int:
        return self.mem.read_ptr(sg + self.off["page_link"])

    def offset(self, sg: int) -> int:
        return self.mem.read_u32(sg + self.off["offset"])

    def length(self, sg: int) -> int:
        return self.mem.read_u32(sg + self.off["length"])

    def page(self, sg: int) -> int:
        return self.link(sg) & ~(SG_CHAIN | SG_END)

    def init_table(self, sgl: int, nents: int) -> None:
        """sg_init_table: the entries zeroed, the last one marked the end."""
        if nents <= 0:
            raise KernelPanic(f"sg_init_table: {nents} entries at {sgl:#x}")
        self.entry(sgl, "sg_init_table")
        self.mem.write(sgl, bytes(self.size * nents))
        last = sgl + (nents - 1) * self.size
        self.mem.write_ptr(last + self.off["page_link"], SG_END)

    def virt_to_page(self, buf: int, what: str) -> int:
        mm = memmap(self.k)
        if not mm.h0 <= buf < mm.h1:
            raise KernelPanic(f"{what}: buffer {buf:#x} is not in the kernel's linear map (stack, module data "
                              f"or vmalloc memory has no struct page for virt_to_page)")
        return mm.page(buf)

    def set_buf(self, sg: int, buf: int, length: int, what: str) -> None:
        """sg_set_buf: the buffer's page (the entry's flag bits kept), its offset in the page,
        the length."""
        page = self.virt_to_page(buf, what)
        flags = self.link(sg) & (SG_CHAIN | SG_END)
        self.mem.write_ptr(sg + self.off["page_link"], page | flags)
        self.mem.write_u32(sg + self.off["offset"], buf % PAGE_SIZE)
        self.mem.write_u32(sg + self.off["length"], length)

    def next(self, sg: int) -> int:
        """sg_next: NULL after the last entry; a chain entry is followed to its array."""
        if self.link(sg) & SG_END:
            return 0
        sg = self.entry(sg + self.size, "sg_next")
        link = self.link(sg)
        if link & SG_CHAIN:
            return self.entry(link & ~(SG_CHAIN | SG_END), "sg_next: chained array")
        return sg

    def address(self, page: int) -> int:
        """page_address of a (possibly tail) page of the memory map."""
        return memmap(self.k).address(page)

    def page_count(self, sg: int) -> int:
        """sg_page_count: the pages the entry's bytes touch."""
        return (self.offset(sg) + self.length(sg) + PAGE_SIZE - 1) // PAGE_SIZE


def _sg(k) -> SgList:
    return SgList(k)


@table.service("void sg_init_table(struct scatterlist *sgl, unsigned int nents)")
def sg_init_table(k, sgl: int, nents: int) -> None:
    """Zero `nents` entries and mark the last one the end of the list."""
    _sg(k).init_table(sgl, nents)


@table.service("void sg_init_one(struct scatterlist *sg, const void *buf, unsigned int buflen)")
def sg_init_one(k, sg: int, buf: int, buflen: int) -> None:
    """A one-entry list over `buf` (which must be linear-map memory, as virt_to_page needs)."""
    s = _sg(k)
    s.init_table(sg, 1)
    s.set_buf(sg, buf, buflen, "sg_init_one")


@table.service("struct scatterlist *sg_next(struct scatterlist *sg)")
def sg_next(k, sg: int) -> int:
    """The next entry, following chain links; NULL after the end marker."""
    s = _sg(k)
    return s.next(s.entry(sg, "sg_next"))


@table.service("int sg_nents(struct scatterlist *sg)")
def sg_nents(k, sg: int) -> int:
    """The entries up to the end marker, chain links not counted."""
    s, n = _sg(k), 0
    while sg:
        n += 1
        sg = s.next(s.entry(sg, "sg_nents"))
    return n


@table.service("int sg_nents_for_len(struct scatterlist *sg, u64 len)")
def sg_nents_for_len(k, sg: int, length: int) -> int:
    """The entries needed to cover `len` bytes; -EINVAL when the list is shorter."""
    if not length:
        return 0
    s, n, total = _sg(k), 0, 0
    while sg:
        n += 1
        total += s.length(s.entry(sg, "sg_nents_for_len"))
        if total >= length:
            return n
        sg = s.next(sg)
    return -k.errno.EINVAL


class _Miter:
    """struct sg_mapping_iter and the struct sg_page_iter inside it, read and written in
    guest memory (the module may look at page/addr/length/consumed between calls)."""

    def __init__(self, k, miter: int):
        lay = k.linux.layout
        self.k, self.mem, self.at = k, k.machine.mem, kernel_struct(k, miter, "struct sg_mapping_iter", "sg_miter")
        self.f = {f: miter + lay.offset("struct sg_mapping_iter", f)
                  for f in ("page", "addr", "length", "consumed", "__offset", "__remaining", "__flags")}
        piter = miter + lay.offset("struct sg_mapping_iter", "piter")
        self.p = {f: piter + lay.offset("struct sg_page_iter", f)
                  for f in ("sg", "sg_pgoffset", "__nents", "__pg_advance")}

    def get(self, field: str) -> int:
        if field in ("page", "addr", "length", "consumed"):
            return self.mem.read_ptr(self.f[field])
        return self.mem.read_u32(self.f[field])

    def set(self, field: str, value: int) -> None:
        if field in ("page", "addr", "length", "consumed"):
            self.mem.write_ptr(self.f[field], value)
        else:
            self.mem.write_u32(self.f[field], value & 0xFFFFFFFF)

    def pget(self, field: str) -> int:
        return self.mem.read_ptr(self.p[field]) if field == "sg" else self.mem.read_u32(self.p[field])

    def pset(self, field: str, value: int) -> None:
        if field == "sg":
            self.mem.write_ptr(self.p[field], value)
        else:
            self.mem.write_u32(self.p[field], value & 0xFFFFFFFF)


def _page_iter_next(s: SgList, it: _Miter) -> bool:
    """__sg_page_iter_next: advance to the next page of the list, across entries."""
    sg, nents = it.pget("sg"), it.pget("__nents")
    if not nents or not sg:
        return False
    pgoffset = it.pget("sg_pgoffset") + it.pget("__pg_advance")
    it.pset("__pg_advance", 1)
    while pgoffset >= s.page_count(s.entry(sg, "sg_miter_next")):
        pgoffset -= s.page_count(sg)
        sg = s.next(sg)
        nents -= 1
        it.pset("sg", sg)
        it.pset("__nents", nents)
        if not nents or not sg:
            it.pset("sg_pgoffset", pgoffset)
            return False
    it.pset("sg_pgoffset", pgoffset)
    return True


@table.service("void sg_miter_start(struct sg_mapping_iter *miter, struct scatterlist *sgl, unsigned int nents, "
               "unsigned int flags)")
def sg_miter_start(k, miter: int, sgl: int, nents: int, flags: int) -> None:
    """An iterator over the list's pages, nothing mapped yet."""
    it = _Miter(k, miter)
    k.machine.mem.write(miter, bytes(k.linux.layout.size("struct sg_mapping_iter")))
    it.pset("sg", sgl)
    it.pset("__nents", nents)
    it.set("__flags", flags)


@table.service("void sg_miter_stop(struct sg_mapping_iter *miter)")
def sg_miter_stop(k, miter: int) -> None:
    """Account what the caller consumed of the mapped piece and unmap it (a warning when it
    claims more than was mapped)."""
    _stop(k, _Miter(k, miter))


def _stop(k, it: _Miter) -> None:
    if it.get("consumed") > it.get("length"):
        k.linux.pr(f"WARNING: sg_miter_stop: consumed {it.get('consumed')} of {it.get('length')} mapped bytes", 4)
    if it.get("addr"):
        it.set("__offset", it.get("__offset") + it.get("consumed"))
        it.set("__remaining", it.get("__remaining") - it.get("consumed"))
        for field in ("page", "addr", "length", "consumed"):
            it.set(field, 0)


@table.service("bool sg_miter_next(struct sg_mapping_iter *miter)")
def sg_miter_next(k, miter: int) -> int:
    """Map the next piece (at most to the end of its page): page, addr, length set and
    consumed = length; false at the end of the list."""
    s, it = _sg(k), _Miter(k, miter)
    _stop(k, it)
    if not it.get("__remaining"):
        if not _page_iter_next(s, it):
            return 0
        sg, pgoffset = it.pget("sg"), it.pget("sg_pgoffset")
        offset = 0 if pgoffset else s.offset(sg)
        remaining = s.offset(sg) + s.length(sg) - pgoffset * PAGE_SIZE - offset
        it.set("__offset", offset)
        it.set("__remaining", min(remaining, PAGE_SIZE - offset))
    page = s.page(it.pget("sg")) + it.pget("sg_pgoffset") * s.page_size
    it.set("page", page)
    it.set("length", it.get("__remaining"))
    it.set("consumed", it.get("__remaining"))
    it.set("addr", s.address(page) + it.get("__offset"))
    return 1


def _pieces(s: SgList, sg: int, nents: int | None, what: str):
    """(address, length) of each entry's bytes, at most `nents` entries (all when None)."""
    while sg and (nents is None or nents > 0):
        s.entry(sg, what)
        yield s.address(s.page(sg)) + s.offset(sg), s.length(sg)
        nents = None if nents is None else nents - 1
        sg = s.next(sg)


def walk_copy(k, sg: int, nents: int | None, start: int, nbytes: int, buf: int, to_sg: bool, what: str) -> int:
    """Copy `nbytes` between `buf` and the list's bytes from `start` on (into the list when
    `to_sg`); the bytes copied (fewer when the list ends first)."""
    mem, done = k.machine.mem, 0
    for data, length in _pieces(_sg(k), sg, nents, what):
        if done >= nbytes:
            break
        if start >= length:
            start -= length
            continue
        here = min(length - start, nbytes - done)
        if to_sg:
            mem.write(data + start, mem.read(buf + done, here))
        else:
            mem.write(buf + done, mem.read(data + start, here))
        done += here
        start = 0
    return done


@table.service("void scatterwalk_map_and_copy(void *buf, struct scatterlist *sg, unsigned int start, "
               "unsigned int nbytes, int out)")
def scatterwalk_map_and_copy(k, buf: int, sg: int, start: int, nbytes: int, out: int) -> None:
    """Copy between a linear buffer and the list at byte `start`: out=1 writes the list,
    out=0 reads it. A list shorter than start+nbytes is the kernel's walk off its end: an
    oops here."""
    if not nbytes:
        return
    done = walk_copy(k, sg, None, start, nbytes, buf, bool(out), "scatterwalk_map_and_copy")
    if done < nbytes:
        raise KernelPanic(f"scatterwalk_map_and_copy: the list at {sg:#x} ends {nbytes - done} bytes "
                          f"before offset {start} + {nbytes}")


@table.service("size_t sg_copy_buffer(struct scatterlist *sgl, unsigned int nents, void *buf, size_t buflen, "
               "off_t skip, bool to_buffer)")
def sg_copy_buffer(k, sgl: int, nents: int, buf: int, buflen: int, skip: int, to_buffer: int) -> int:
    """Copy between the first `nents` entries (from byte `skip`) and a buffer; the bytes copied."""
    return walk_copy(k, sgl, nents, skip, buflen, buf, not to_buffer, "sg_copy_buffer")


@table.service("size_t sg_copy_from_buffer(struct scatterlist *sgl, unsigned int nents, const void *buf, "
               "size_t buflen)")
def sg_copy_from_buffer(k, sgl: int, nents: int, buf: int, buflen: int) -> int:
    """Copy a buffer into the list; the bytes copied."""
    return walk_copy(k, sgl, nents, 0, buflen, buf, True, "sg_copy_from_buffer")


@table.service("size_t sg_copy_to_buffer(struct scatterlist *sgl, unsigned int nents, void *buf, size_t buflen)")
def sg_copy_to_buffer(k, sgl: int, nents: int, buf: int, buflen: int) -> int:
    """Copy the list's bytes into a buffer; the bytes copied."""
    return walk_copy(k, sgl, nents, 0, buflen, buf, False, "sg_copy_to_buffer")
