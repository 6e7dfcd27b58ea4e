"""DWARF read at the linker's addresses: relocated by kemu.link, refusals reported, session goes on."""
import io
import struct

import pytest

from kemu.debug.dwarf_load import DwarfLoadError, load_dwarf
from kemu.debug.frames import UnwindTables
from kemu.debug.symbols import module_info_from_image
from kemu.elf import ObjectFile
from kemu.link import link
from kemu.paths import ROOT

from debug_helpers import ARCHES, BASES, STUBS, fibo_path, link_fixture


def with_unknown_debug_relocation(path: str) -> bytes:
    """The object's bytes with the first `.debug_info` relocation turned into type 200."""
    obj = ObjectFile.load(path)
    table = next(t for t in obj.relocations if t.target.name == ".debug_info")
    data = bytearray(obj.data)
    info_at = table.entry_offset(0) + (4 if obj.elfclass == 32 else 8)
    if obj.elfclass == 32:
        data[info_at] = 200                                  # ELF32_R_TYPE: the low byte
    else:
        struct.pack_into("<I", data, info_at, 200)           # ELF64_R_TYPE: the low word
    return bytes(data)


def link_bytes(data: bytes, arch: str):
    obj = ObjectFile.parse(data, "fibo-g.o")
    return obj, link(obj, base=BASES[arch], resolve=lambda name: STUBS[arch])


@pytest.mark.parametrize("arch", ARCHES)
def test_compile_unit_starts_at_the_linked_text_address(arch):
    obj, image, _ = link_fixture(fibo_path(arch, debug=True), arch)
    top = next(load_dwarf(obj, image).iter_CUs()).get_top_DIE()
    assert top.attributes["DW_AT_low_pc"].value == image.section_addresses[".text"]


@pytest.mark.parametrize("arch", ARCHES)
def test_unwind_rows_cover_the_linked_functions(arch):
    obj, image, _ = link_fixture(fibo_path(arch, debug=True), arch)
    unwind = UnwindTables()
    module_info_from_image("fibo", image, obj, None, unwind, [ROOT])
    assert unwind.row_for(image.symbols["fibo_read"]) is not None


def test_object_without_debug_info_has_no_dwarf():
    obj, image, _ = link_fixture(fibo_path("i386"), "i386")
    assert load_dwarf(obj, image) is None


@pytest.mark.parametrize("arch", ARCHES)
def test_a_debug_relocation_the_linker_refuses_is_named_in_the_error(arch):
    obj, image = link_bytes(with_unknown_debug_relocation(fibo_path(arch, debug=True)), arch)
    with pytest.raises(DwarfLoadError, match=r"fibo-g\.o: cannot relocate its debug information: "
                                             r"\.debug_info\+0x6: relocation R_\w+_#200"):
        load_dwarf(obj, image)


def test_a_refused_relocation_leaves_the_module_debuggable_by_symbols():
    obj, image = link_bytes(with_unknown_debug_relocation(fibo_path("i386", debug=True)), "i386")
    warnings: list[str] = []
    info = module_info_from_image("fibo", image, obj, None, UnwindTables(), [ROOT], warn=warnings.append)
    assert info.source is None
    assert any(s.name == "fibo_read" for s in info.symbols)
    assert len(warnings) == 1 and warnings[0].startswith("kemu: fibo-g.o: cannot relocate")
    assert warnings[0].endswith("; debugging fibo without source lines")


def test_an_object_that_is_not_the_one_linked_is_refused():
    _, image, _ = link_fixture(fibo_path("i386", "gcc", debug=True), "i386")
    other = ObjectFile.load(fibo_path("i386", "clang", debug=True))
    with pytest.raises(DwarfLoadError, match="not the object that was loaded"):
        load_dwarf(other, image)


def test_the_session_reports_the_refusal_and_stops_at_instruction_level(tmp_path):
    import kemu
    from kemu.debug.launch import DebugLaunch

    path = tmp_path / "fibo-g.o"
    path.write_bytes(with_unknown_debug_relocation(fibo_path("i386", debug=True)))
    system = kemu.boot("netbsd-lkm", "i386", call_timeout=30)
    out = io.StringIO()
    system.console = out.write
    launch = DebugLaunch(system, out=out, err=out, context=False, echo_commands=True)
    launch.run(str(path), iter(["break fibo_handle", "continue", "bt", "continue"]), entry="fibo_lkmentry")
    text = out.getvalue()
    assert "cannot relocate its debug information: .debug_info+0x6: relocation R_386_#200" in text
    assert "Breakpoint 1, 0x" in text and " in fibo_handle ()" in text
    assert "Module loaded as ID 0" in text
