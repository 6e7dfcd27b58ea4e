"""The one error type the ELF reader raises.

Every defect in an object file becomes a `BadObject` whose text names the file, the section
involved (index and name) and the byte offset in the file, so a user can find the broken byte
with `xxd` and the layers above can show the message as-is without adding context.
Names inside the text are shown with control bytes escaped (`kemu.printable`); the attributes
keep them raw.
"""
from __future__ import annotations

from kemu.printable import printable_lines


class ElfError(ValueError):
    """Base of the reader's errors (a ValueError: the input, not kemu, is wrong)."""


class BadObject(ElfError):
    """A malformed or unsupported object file.

    Attributes mirror the constructor: `file` (name given to the reader), `message` (what is
    wrong), `section` ((index, name) or None), `offset` (byte offset in the file or None) and,
    for ET_DYN objects, `segment` ((program header index, PT_ type name) or None).
    """

    def __init__(self, file: str, message: str, section: tuple[int, str] | None = None,
                 offset: int | None = None, segment: tuple[int, str] | None = None) -> None:
        self.file = file
        self.message = message
        self.section = section
        self.offset = offset
        self.segment = segment
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.segment is not None:
            index, kind = self.segment
            where.append(f"program header [{index}] {kind}")
        if self.section is not None:
            index, name = self.section
            # index -1: a table only `.dynamic` describes (no section header behind it)
            where.append(f"section [{index}] {name or '<unnamed>'}" if index >= 0 else name)
        if self.offset is not None:
            where.append(f"file offset {self.offset:#x}")
        prefix = f"{self.file}: " + (", ".join(where) + ": " if where else "")
        return printable_lines(prefix + self.message)
