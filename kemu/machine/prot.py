"""Page protections, numerically identical to Unicorn's UC_PROT_* so they pass straight through."""
from __future__ import annotations

import enum


class Prot(enum.IntFlag):
    NONE = 0
    READ = 1
    WRITE = 2
    EXEC = 4
    RW = READ | WRITE
    RX = READ | EXEC
    RWX = READ | WRITE | EXEC

    def short(self) -> str:
        """The `ls`/`/proc/maps` style rendering: "r-x"."""
        return ("r" if self & Prot.READ else "-") + ("w" if self & Prot.WRITE else "-") + (
            "x" if self & Prot.EXEC else "-")
