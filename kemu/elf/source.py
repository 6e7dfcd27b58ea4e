"""The bytes being read, their name, and the one way the reader reports a defect."""
from __future__ import annotations

from typing import NoReturn

from kemu.record import Record

from .errors import BadObject


class Source(Record, fields=("name", "data"), frozen=True):
    def __init__(self, name: str, data: bytes) -> None:
        vars(self).update(name=name, data=data)

    def fail(self, message: str, section: tuple[int, str] | None = None,
             offset: int | None = None, segment: tuple[int, str] | None = None) -> NoReturn:
        raise BadObject(self.name, message, section=section, offset=offset, segment=segment)

    def require_range(self, offset: int, size: int, what: str,
                      section: tuple[int, str] | None = None, at: int | None = None) -> None:
        """Fail unless [offset, offset+size) lies inside the file."""
        if offset < 0 or size < 0 or offset + size > len(self.data):
            self.fail(f"{what} at {offset:#x}..{offset + size:#x} lies outside the file "
                      f"({len(self.data):#x} bytes)", section, offset if at is None else at)
