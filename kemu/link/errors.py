"""The linker's errors: one base class, one subclass per way a link can fail.

Every message names the object file and the place (section+offset) so it can be shown to a
user as-is, the way `ld` does: `fibo.o: .text+0x1c: relocation R_X86_64_32S against 'foo' ...`.
The rule for callers: `str(error)` starts with the file name exactly once (`file: message`);
show it as it is, never prefixed with the file again. `error.message` is the text without the
file, for a caller that prints its own prefix. Names in the text (symbols, sections, the file)
have control bytes escaped (`kemu.printable`); the attributes keep them raw.
The attributes carry the same facts for callers that want to react (an OS personality turning
an unresolved symbol into its own loader's message, a test asserting on the type name).
"""
from __future__ import annotations

from kemu.printable import printable_lines


class LinkError(Exception):
    """A module that cannot be linked as asked. `file` is the object's name."""

    def __init__(self, file: str, message: str) -> None:
        # A message that already names the file (a caller wrapping another LinkError's text)
        # must not name it twice.
        while file and message.startswith(f"{file}: "):
            message = message[len(file) + 2:]
        self.file = file
        self.message = message
        super().__init__(printable_lines(f"{file}: {message}"))

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class MissingSymbol(LinkError, KeyError):
    """`LinkedImage.entry(name)` found no definition: the module does not define `name`, only
    references it, or the only symbol of that name marks a section or a file (STT_SECTION,
    STT_FILE), which is never an address to call. Also a KeyError, as a failed lookup is."""

    def __init__(self, file: str, name: str, why: str) -> None:
        self.name = name
        super().__init__(file, f"no definition of '{name}' to use as an entry point: {why}")


class UnresolvedSymbols(LinkError):
    """Undefined non-weak symbols the module's relocations need and the resolver did not know.

    `references` maps each name to every (section name, offset) whose relocation uses it, in
    section and offset order.
    """

    def __init__(self, file: str, references: dict[str, list[tuple[str, int]]]) -> None:
        self.references = references
        lines = [f"undefined symbol{'s' if len(references) > 1 else ''}: "
                 + ", ".join(f"'{n}'" for n in references)]
        for name, places in references.items():
            where = ", ".join(f"{sec}+{off:#x}" for sec, off in places)
            lines.append(f"  '{name}' referenced from {where}")
        super().__init__(file, "\n".join(lines))


class RelocationError(LinkError):
    """A relocation that cannot be applied; names its type, symbol and place."""

    def __init__(self, file: str, message: str, *, type_name: str, symbol: str,
                 section: str, offset: int) -> None:
        self.type_name = type_name
        self.symbol = symbol
        self.section = section
        self.offset = offset
        super().__init__(file, f"{section}+{offset:#x}: relocation {type_name} against "
                               f"{symbol}: {message}")


class RelocationOverflow(RelocationError):
    """The computed value does not fit the relocated field under its overflow rule.

    `value` is the value that did not fit (as a signed or unsigned integer, as the rule reads
    it) and `allowed` the inclusive (low, high) range of the field."""

    def __init__(self, file: str, *, type_name: str, symbol: str, section: str, offset: int,
                 value: int, allowed: tuple[int, int], detail: str) -> None:
        self.value = value
        self.allowed = allowed
        lo, hi = allowed
        super().__init__(file, f"value {_hex(value)} does not fit ({detail}; allowed "
                               f"{_hex(lo)}..{_hex(hi)})", type_name=type_name, symbol=symbol,
                         section=section, offset=offset)


class UnknownRelocation(RelocationError):
    """A relocation type this arch's table does not implement (or that no ABI defines).

    `type` is the raw number; `type_name` is its psABI name when it has one."""

    def __init__(self, file: str, *, type: int, type_name: str, arch: str, symbol: str,
                 section: str, offset: int) -> None:
        self.type = type
        what = "is not supported by kemu's linker" if not type_name.endswith(f"#{type}") \
            else f"is not a known {arch} relocation type"
        super().__init__(file, f"type {type} {what}", type_name=type_name, symbol=symbol,
                         section=section, offset=offset)


class BadRelocation(RelocationError):
    """A relocation that is well-formed ELF but cannot be honoured: its field runs past the end
    of its section, it patches a NOBITS section, or its symbol lies in a section that was
    left out of the image or is an undefined local."""


def _hex(v: int) -> str:
    return f"-{-v:#x}" if v < 0 else f"{v:#x}"
