"""The shape of machine code for coverage: instruction boundaries and conditional branches.

Coverage needs less than a disassembly: where each instruction starts and how long it is (to
turn a basic block that ran into the instructions that ran) and, for each conditional branch,
where it goes when taken and where it falls through (to tell a branch's two outcomes apart).
capstone's lite decoder gives that without operand details; it is imported on first use.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

#: x86 conditional transfers: every jCC, the counter tests and the loop family
_NOT_CONDITIONAL = frozenset({"jmp", "ljmp"})


@dataclass(frozen=True)
class Instruction:
    """One instruction: `address`, `size`; for a conditional branch its `target` (taken)
    and `address + size` is where it falls through."""

    address: int
    size: int
    target: int | None = None

    @property
    def conditional(self) -> bool:
        return self.target is not None

    @property
    def fallthrough(self) -> int:
        return self.address + self.size


@lru_cache(maxsize=2)
def _decoder(arch: str):
    import capstone
    return capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64 if arch == "x86_64" else capstone.CS_MODE_32)


def _branch_target(mnemonic: str, op_str: str) -> int | None:
    if not (mnemonic.startswith("j") or mnemonic.startswith("loop")) or mnemonic in _NOT_CONDITIONAL:
        return None
    try:
        return int(op_str, 16)        # direct targets only: x86 has no indirect conditional jump
    except ValueError:
        return None


def decode(arch: str, code: bytes, address: int) -> list[Instruction]:
    """The instructions of `code` placed at `address`, decoded straight through; decoding
    stops at the first byte sequence that is not an instruction (data in text)."""
    out = []
    for addr, size, mnemonic, op_str in _decoder(arch).disasm_lite(code, address):
        out.append(Instruction(addr, size, _branch_target(mnemonic, op_str)))
    return out
