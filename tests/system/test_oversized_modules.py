"""A 2 KB object whose `.bss` header claims more memory than the whole module area (found by
the system mutation suite: kemu built the image in host memory, hundreds of MB, before the
reservation failed) is refused as modload refuses it, without building anything."""
from __future__ import annotations

import io
import struct
import tracemalloc

import pytest

from kemu.elf import ObjectFile

from .harness import LKM, check_still_usable, fresh_system, write_mutant

BSS_SIZE = 0x3FF00000          # under the reader's and linker's 1 GiB, over every module area


def _fibo_with_bss(arch: str, size: int) -> bytes:
    data = bytearray((LKM / arch / "gcc" / "fibo.o").read_bytes())
    obj = ObjectFile.parse(bytes(data), "fibo.o")
    bss = obj.section_by_name(".bss")
    if obj.elfclass == 32:
        shoff = struct.unpack_from("<I", data, 0x20)[0]
        struct.pack_into("<I", data, shoff + bss.index * 40 + 20, size)
    else:
        shoff = struct.unpack_from("<Q", data, 0x28)[0]
        struct.pack_into("<Q", data, shoff + bss.index * 64 + 32, size)
    return bytes(data)


@pytest.mark.parametrize("arch", ["i386", "x86_64"])
def test_a_bss_larger_than_the_module_area_is_refused_before_the_image_is_built(arch, tmp_path):
    system = fresh_system(arch)
    path = write_mutant(tmp_path, "fibo", _fibo_with_bss(arch, BSS_SIZE))
    out, err = io.StringIO(), io.StringIO()
    tracemalloc.start()
    try:
        status = system.run_command(["modload", path], out, err)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 9
    lines = err.getvalue().splitlines()
    assert lines[-1] == "modload: can't reserve memory: Cannot allocate memory"
    assert "its sections need 0x3ff00" in lines[0] and "bytes of module memory" in lines[0]
    assert peak < 16 << 20, f"{peak >> 20} MB of host memory for a refused module"
    assert system.modstat() == []
    check_still_usable(system)


@pytest.mark.parametrize("arch", ["i386", "x86_64"])
def test_kemu_link_writes_a_large_bss_as_memory_not_file_bytes(arch, tmp_path):
    from .harness import KERNEL_ADDR, LOAD_AT, run_kemu
    bss = 0x1000000
    path = write_mutant(tmp_path, "fibo", _fibo_with_bss(arch, bss))
    imports = ["bzero", "enodev", "lkmdispatch", "lkmexists", "printf", "uiomove"]
    out = tmp_path / "fibo.elf"
    status, _, err = run_kemu(["link", "--base", hex(LOAD_AT[arch]), "-o", str(out), path,
                               *[f"--sym={n}={KERNEL_ADDR[arch]:#x}" for n in imports]])
    assert status == 0, err
    assert out.stat().st_size < 64 << 10               # was the whole 16 MiB image
    from elftools.elf.elffile import ELFFile
    with open(out, "rb") as f:
        placed = ELFFile(f).get_section_by_name(".bss")
        assert (placed["sh_type"], placed["sh_size"]) == ("SHT_NOBITS", bss)
