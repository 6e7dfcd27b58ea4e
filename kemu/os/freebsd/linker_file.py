"""The `struct linker_file` a kld's event handlers are given (kld_load, kld_unload_try).

kemu's linker keeps its files as Python `KldFile`s; FreeBSD hands handlers a pointer to the
kernel's own record, and real handlers read it (lf->filename, lf->id, lf->address,
lf->size ...). This mirrors each file into a `struct linker_file` laid out as FreeBSD 14's
sys/sys/linker.h (measured from the SDK header: guest/freebsd/layout/layouts.json), made when
the kernel first needs it, refreshed before each event, freed after kld_unload as
linker_file_unload frees the real one.
"""
from __future__ import annotations

LINKER_FILE_LINKED = 0x1
M_LINKER = "linker"


class LinkerFileStructs:
    """KldFile → address of its `struct linker_file` in kernel memory."""

    def __init__(self, system) -> None:
        self.system = system
        self.mem = system.machine.mem
        self.word = system.machine.word_size
        self.heap = system.kernel.heap
        lay = system.layouts
        self.size = lay.size("linker_file")
        self.off = {f: lay.offset("linker_file", f)
                    for f in ("refs", "userrefs", "flags", "filename", "pathname", "id", "address", "size")}
        self._structs: dict[int, tuple[int, list[int]]] = {}     # id(KldFile) → (struct, strings)

    def _string(self, text: str) -> int:
        raw = text.encode("latin-1", "replace") + b"\0"
        addr = self.heap.alloc(len(raw), M_LINKER)
        self.mem.write(addr, raw)
        return addr

    def _put(self, base: int, field: str, value: int, size: int) -> None:
        self.mem.write(base + self.off[field], (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))

    def of(self, lf) -> int:
        """The file's struct, up to date."""
        have = self._structs.get(id(lf))
        if have is None:
            base = self.heap.alloc(self.size, M_LINKER, zero=True)
            strings = [self._string(lf.name), self._string(lf.pathname)]
            self._put(base, "filename", strings[0], self.word)
            self._put(base, "pathname", strings[1], self.word)
            have = (base, strings)
            self._structs[id(lf)] = have
        base = have[0]
        self._put(base, "refs", lf.refs, 4)
        self._put(base, "userrefs", lf.userrefs, 4)
        self._put(base, "flags", LINKER_FILE_LINKED if lf.linked else 0, 4)
        self._put(base, "id", lf.id, 4)
        self._put(base, "address", lf.address, self.word)
        self._put(base, "size", lf.size, self.word)
        return base

    def filename(self, lf) -> int:
        """The kernel copy of the file's name (what kld_unload handlers get)."""
        self.of(lf)
        return self._structs[id(lf)][1][0]

    def release(self, lf) -> None:
        """Free the struct and its strings (after kld_unload ran)."""
        have = self._structs.pop(id(lf), None)
        if have is None:
            return
        base, strings = have
        for addr in (*strings, base):
            self.heap.free(addr)
