"""String tables (SHT_STRTAB): checked lookups of NUL-terminated names."""
from __future__ import annotations

import numpy as np

from .model import Section
from .source import Source


class StringTable:
    """Names inside one string table section. An index is valid when it lies inside the table
    and a NUL follows it before the table ends; `limit` is the first invalid index."""

    def __init__(self, src: Source, section: Section) -> None:
        self.src = src
        self.section = section
        self.data = src.data[section.offset:section.offset + section.size]
        last_nul = self.data.rfind(b"\0")
        self.limit = last_nul + 1  # indices >= limit have no terminating NUL inside the table

    def get(self, index: int, what: str, at: int,
            section: tuple[int, str] | None = None) -> str:
        """The name at `index`; `what` and `at` (file offset of the referring field) go into
        the error when the index is bad."""
        if index >= self.limit:
            self._bad(index, what, at, section)
        end = self.data.index(b"\0", index)
        return self.data[index:end].decode("utf-8", "backslashreplace")

    def names_at(self, indices: np.ndarray) -> list[str]:
        """Many names at once; every index must already be < `limit`."""
        if len(indices) == 0:
            return []
        nuls = np.flatnonzero(np.frombuffer(self.data, np.uint8) == 0)
        ends = nuls[np.searchsorted(nuls, indices)]
        data = self.data
        return [data[a:b].decode("utf-8", "backslashreplace") if b > a else ""
                for a, b in zip(indices.tolist(), ends.tolist())]

    def check_all(self, indices: np.ndarray, what: str, at_of,
                  section: tuple[int, str] | None = None) -> None:
        """Vectorised `get` check for many indices; `at_of(i)` gives the offset of entry i."""
        if len(indices) == 0:
            return
        bad = np.flatnonzero(indices >= self.limit)
        if len(bad):
            i = int(bad[0])
            self._bad(int(indices[i]), what.format(i=i), at_of(i), section)

    def _bad(self, index: int, what: str, at: int, section: tuple[int, str] | None = None):
        sec = self.section
        if index >= sec.size:
            problem = f"is out of range (string table [{sec.index}] {sec.name} has {sec.size} bytes)"
        else:
            problem = f"points to a string with no terminating NUL in [{sec.index}] {sec.name}"
        self.src.fail(f"{what} {index} {problem}", section, at)
