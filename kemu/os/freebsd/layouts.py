"""The byte layouts a FreeBSD 14.3 kld shares with the kernel, for one arch.

Offsets and sizes come from guest/freebsd/layout/layouts.json, measured from the guest SDK
headers with both compilers (tools/build_freebsd_fixtures.py --layouts). The kernel side only
reads them here, so a header change and the kernel can never disagree silently. The
`struct uio`/`struct iovec` StructLayouts that kemu.kernel's uiomove needs are declared in C
(the SDK's field types spelled with their widths) and checked against the measured offsets
when they are built.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from kemu.kernel import StructLayout, UioLayout
from kemu.paths import GUEST

LAYOUTS_JSON = GUEST / "freebsd" / "layout" / "layouts.json"

_UIO_C = {
    "iovec": "struct iovec { void *iov_base; unsigned long iov_len; };",
    "uio": ("struct uio { void *uio_iov; int uio_iovcnt; long long uio_offset; long uio_resid; "
            "int uio_segflg; int uio_rw; void *uio_td; };"),
}


class LayoutMismatch(Exception):
    """A declared layout disagrees with the measured one (the SDK changed under the kernel)."""


@functools.lru_cache(maxsize=None)
def _data() -> dict:
    return json.loads(LAYOUTS_JSON.read_text())


@dataclass(frozen=True)
class Layouts:
    """`layouts.offset("cdev", "si_drv1")`, `layouts.size("cdevsw")`, `layouts.const("M_ZERO")`."""

    arch: str

    def _struct(self, name: str) -> dict:
        try:
            return _data()["structs"][name][self.arch]
        except KeyError:
            raise LayoutMismatch(f"{LAYOUTS_JSON.name}: no measured layout of struct {name} "
                                 f"on {self.arch}") from None

    def offset(self, struct: str, field: str) -> int:
        fields = self._struct(struct)["fields"]
        if field not in fields:
            raise LayoutMismatch(f"{LAYOUTS_JSON.name}: struct {struct} has no field {field}")
        return fields[field]

    def size(self, struct: str) -> int:
        return self._struct(struct)["size"]

    def const(self, name: str) -> int:
        for group in _data()["constants"].values():
            if name in group:
                return group[name]
        raise LayoutMismatch(f"{LAYOUTS_JSON.name}: no constant {name}")

    @property
    def release(self) -> str:
        return _data()["release"]

    def declared(self, name: str) -> StructLayout:
        """A StructLayout from its C declaration, checked field by field against the measurement."""
        layout = StructLayout.parse(self.arch, _UIO_C[name])
        if layout.size != self.size(name):
            raise LayoutMismatch(f"struct {name} on {self.arch}: declared {layout.size} bytes, "
                                 f"measured {self.size(name)}")
        for f in layout.fields:
            if f.offset != self.offset(name, f.name):
                raise LayoutMismatch(f"struct {name}.{f.name} on {self.arch}: declared at {f.offset}, "
                                     f"measured at {self.offset(name, f.name)}")
        return layout

    def uio(self) -> UioLayout:
        """struct iovec + struct uio for kemu.kernel's uiomove (FreeBSD's UIO_* numbers)."""
        return UioLayout(self.declared("iovec"), self.declared("uio"),
                         UIO_USERSPACE=self.const("UIO_USERSPACE"), UIO_SYSSPACE=self.const("UIO_SYSSPACE"),
                         UIO_READ=self.const("UIO_READ"), UIO_WRITE=self.const("UIO_WRITE"))
