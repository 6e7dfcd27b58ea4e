"""Struct layouts of Debian's Linux 6.1 kernels, measured from the real headers.

data/layouts-<release>.json is written by tools/gen_linux_layouts.py, which compiles a probe
of sizeof/__alignof__/offsetof through kbuild against each flavour's headers and reads the
numbers back out of the module. Nothing in it is typed in by hand. A field the kernel's
configuration leaves out is recorded as null, and asking for it is an error that says so.

    >>> lay = layout("6.1.0-57-amd64")
    >>> lay.offset("struct module", "init"), lay.size("struct module")
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


class LayoutError(Exception):
    """A struct or field kemu has no measurement for; the message names it and the release."""


@dataclass(frozen=True)
class Layout:
    """The measured structs of one kernel release."""

    release: str
    arch: str
    structs: dict

    def _struct(self, struct: str) -> dict:
        try:
            return self.structs[struct]
        except KeyError:
            raise LayoutError(f"{self.release}: no measured layout for {struct!r}") from None

    def size(self, struct: str) -> int:
        """sizeof(struct)."""
        return self._struct(struct)["size"]

    def align(self, struct: str) -> int:
        """__alignof__(struct)."""
        return self._struct(struct)["align"]

    def _field(self, struct: str, field: str) -> dict:
        fields = self._struct(struct)["fields"]
        if field not in fields:
            raise LayoutError(f"{self.release}: {struct}.{field} was not measured")
        if fields[field] is None:
            raise LayoutError(f"{self.release}: {struct} has no field {field} in this kernel's configuration")
        return fields[field]

    def offset(self, struct: str, field: str) -> int:
        """offsetof(struct, field); nested designators such as "core_layout.base" allowed."""
        return self._field(struct, field)["offset"]

    def field_size(self, struct: str, field: str) -> int:
        """sizeof(((struct *)0)->field)."""
        return self._field(struct, field)["size"]

    def has(self, struct: str, field: str) -> bool:
        """Whether this kernel's configuration has `field` in `struct`."""
        return self._struct(struct)["fields"].get(field) is not None


@functools.lru_cache(maxsize=None)
def layout(release: str) -> Layout:
    """The layout table of `release` ("6.1.0-57-amd64"), or LayoutError naming what kemu ships."""
    path = DATA / f"layouts-{release}.json"
    if not path.is_file():
        shipped = ", ".join(sorted(p.name[len("layouts-"):-len(".json")] for p in DATA.glob("layouts-*.json")))
        raise LayoutError(f"no struct layouts for release {release!r} (kemu ships: {shipped or 'none'})")
    data = json.loads(path.read_text())
    return Layout(release=data["release"], arch=data["arch"], structs=data["structs"])
