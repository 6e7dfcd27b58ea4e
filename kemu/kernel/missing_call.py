"""`MissingCall`: a call to a kernel function kemu does not implement, made through the
logging stub a lenient load binds the name to (`Kernel.missing_stub`). Imported by the first
such call: strict loads never make one."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MissingCall:
    """A call to a symbol kemu does not implement, made through a lenient-load stub."""

    name: str
    return_address: int
    args: tuple[int, ...]   # the first raw argument words, as the ABI passed them
    caller: str             # return address symbolized ("fibo_handle+0x2a")

    def __str__(self) -> str:
        args = ", ".join(f"{a:#x}" for a in self.args)
        return f"{self.name}({args}) called from {self.caller}"
