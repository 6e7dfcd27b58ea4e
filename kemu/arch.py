"""Facts about the emulated architectures that every layer shares.

The linker sizes GOT slots and absolute relocations by it, the machine its registers and
stack words, the kernel's C prototypes and struct layouts their `long`s and pointers. This
module sits below all layers (it imports nothing), so one table answers for all of them.
"""
from __future__ import annotations

#: bytes in a pointer, a `long` and a stack slot, per arch
WORD_SIZE: dict[str, int] = {"i386": 4, "x86_64": 8}
