"""Facts about the emulated architectures that every layer shares.

The linker sizes GOT slots and absolute relocations by it, the machine its registers and
stack words, the kernel's C prototypes and struct layouts their `long`s and pointers. This
module sits below all layers (it imports nothing), so one table answers for all of them.
"""
from __future__ import annotations

#: bytes in a pointer, a `long` and a stack slot, per arch
WORD_SIZE: dict[str, int] = {"i386": 4, "x86_64": 8}

#: the arch names kemu uses, in the order help texts list them
ARCHES: tuple[str, ...] = ("i386", "x86_64")

#: other names users give an arch (the BSDs and Debian call x86-64 "amd64")
ALIASES: dict[str, str] = {"amd64": "x86_64", "x86-64": "x86_64"}


def canonical_arch(name: str) -> str:
    """kemu's name for an arch a user typed (`amd64` -> `x86_64`); ValueError for an unknown one."""
    arch = ALIASES.get(name, name)
    if arch not in WORD_SIZE:
        known = ", ".join(ARCHES) + " (" + ", ".join(f"{a} = {b}" for a, b in ALIASES.items()) + ")"
        raise ValueError(f"unknown arch {name!r}: expected {known}")
    return arch
