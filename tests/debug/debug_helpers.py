"""Shared helpers for the debugger tests: fixture paths and a linked fibo image."""
from __future__ import annotations

import pytest

from kemu.paths import fixture

ARCHES = ("i386", "x86_64")
COMPILERS = ("gcc", "clang")
BASES = {"i386": 0xDCA4F000, "x86_64": 0xFFFFFFFFA0000000}
STUBS = {"i386": 0xC0100000, "x86_64": 0xFFFFFFFF80100000}


def fibo_path(arch: str, compiler: str = "gcc", debug: bool = False) -> str:
    path = fixture("netbsd-lkm", arch, compiler, "fibo-g.o" if debug else "fibo.o")
    if not path.exists():
        pytest.skip(f"fixture {path} not built")
    return str(path)


def link_fixture(path: str, arch: str):
    """The object linked at the arch's module base, kernel symbols bound to distinct fake stubs."""
    from kemu.elf import ObjectFile
    from kemu.link import link
    obj = ObjectFile.load(path)
    stubs: dict[str, int] = {}

    def resolve(name: str) -> int:
        return stubs.setdefault(name, STUBS[arch] + 16 * len(stubs))

    return obj, link(obj, base=BASES[arch], resolve=resolve), stubs


def run_session(arch: str, commands: list[str], *, compiler: str = "gcc", debug: bool = False,
                context: bool = False) -> str:
    """Load fibo under the debugger with a batch of commands; everything printed, as one text."""
    import io

    import kemu
    from kemu.debug.launch import DebugLaunch

    system = kemu.boot("netbsd-lkm", arch, call_timeout=30)
    out = io.StringIO()
    system.console = out.write
    launch = DebugLaunch(system, out=out, err=out, context=context, echo_commands=True)
    launch.run(fibo_path(arch, compiler, debug), iter(commands), entry="fibo_lkmentry")
    return out.getvalue()


def after(text: str, command: str, nth: int = 0) -> str:
    """The output of the nth run of an echoed command (up to the next prompt); nth=-1: the last."""
    marker = f"(kemu) {command}\n"
    pieces = text.split(marker)
    assert len(pieces) > 1, f"command {command!r} was not run:\n{text}"
    rest = pieces[1:][nth]
    return rest.split("(kemu) ", 1)[0]


class FakeGuestMemory:
    """Byte-addressed guest memory for expression tests without a machine: `mem` maps address
    → byte; an address not in it reads as gdb's "Cannot access memory" error."""

    word_size = 4

    def __init__(self, data: bytes = b"", base: int = 0) -> None:
        self.mem = {base + i: b for i, b in enumerate(data)}

    def read_memory(self, a: int, n: int) -> bytes:
        from kemu.debug.commands import CommandError
        try:
            return bytes(self.mem[a + i] for i in range(n))
        except KeyError:
            raise CommandError(f"Cannot access memory at address {a:#x}") from None

    def write_memory(self, a: int, data: bytes) -> None:
        for i, b in enumerate(data):
            self.mem[a + i] = b
