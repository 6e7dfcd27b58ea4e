"""The static device-major tables config(1) builds into a NetBSD kernel, per arch.

config(1) reads every `device-major` line of sys/conf/majors (machine-independent) and the
port's majors.<arch>, whether or not the kernel configures that driver, and emits:
- `cdevsw0[]`/`bdevsw0[]` sized one past the highest character/block major it saw, so
  `sys_cdevsws`/`sys_bdevsws` (= `max_cdevsws`/`max_bdevsws` at boot) are those sizes;
- `devsw_conv0[]`: every (name, block major, character major), which subr_devsw.c consults
  so a driver of a listed name gets its listed majors and no dynamic search lands on them.

The lines themselves are data files in data/ (majors-mi.txt plus majors-<machine>.txt), each
naming the source revision it was taken from.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .constants import MACHINE, NODEVMAJOR

DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class DeviceMajor:
    """One `device-major` line: a driver name and its majors (NODEVMAJOR = none)."""

    name: str
    cmajor: int
    bmajor: int = NODEVMAJOR


@dataclass(frozen=True)
class MajorTable:
    """What config(1) derives from the majors files for one port."""

    entries: tuple[DeviceMajor, ...]

    @property
    def sys_cdevsws(self) -> int:
        """Size of cdevsw0[]: the first character major a dynamic attach may get."""
        return max(e.cmajor for e in self.entries) + 1

    @property
    def sys_bdevsws(self) -> int:
        """Size of bdevsw0[]: the first block major a dynamic attach may get."""
        return max(e.bmajor for e in self.entries) + 1

    def conv(self) -> dict[str, tuple[int, int]]:
        """devsw_conv0 as name -> (bmajor, cmajor); the first line of a name wins."""
        table: dict[str, tuple[int, int]] = {}
        for e in self.entries:
            table.setdefault(e.name, (e.bmajor, e.cmajor))
        return table


def parse_majors(text: str, where: str) -> list[DeviceMajor]:
    """Lines `NAME char C [block B]`; `#` starts a comment. A bad line raises ValueError."""
    out = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        ok = len(line) in (3, 5) and line[1] == "char" and line[2].isdigit()
        if ok and len(line) == 5:
            ok = line[3] == "block" and line[4].isdigit()
        if not ok:
            raise ValueError(f"{where}:{lineno}: expected 'NAME char N [block N]', got {raw.strip()!r}")
        out.append(DeviceMajor(line[0], int(line[2]), int(line[4]) if len(line) == 5 else NODEVMAJOR))
    return out


@lru_cache(maxsize=None)
def majors_for(arch: str) -> MajorTable:
    """The MI table followed by the port's (amd64 for x86_64, i386 for i386)."""
    entries: list[DeviceMajor] = []
    for name in ("majors-mi.txt", f"majors-{MACHINE[arch]}.txt"):
        path = DATA / name
        entries += parse_majors(path.read_text(), name)
    return MajorTable(tuple(entries))
