"""ET_DYN modules (FreeBSD's i386 klds are `ld -shared` output): the same C linked with `ld -r`
and with `ld -shared` (fixtures/dyn, tools/build_dyn_fixtures.py) is loaded into a real
`kemu.machine.Machine` both ways, and both images compute the same results and reference the
same data: globals, function pointers, string tables, kernel services and kernel variables."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import pytest

from kemu.elf import ObjectFile
from kemu.link import link
from kemu.machine import Machine, Prot
from kemu.paths import FIXTURES

from .manifest import ROOT

DYN = FIXTURES / "dyn"
VARIANTS = ["i386_nopic", "i386_pic", "x86_64_pic"]
PROT = {"r-x": Prot.RX, "r--": Prot.READ, "rw-": Prot.RW, "rwx": Prot.RWX}
TICKS = 1000


class Loaded:
    """One image mapped into a machine with a kernel service and a kernel variable."""

    def __init__(self, machine: Machine, path, calls: list) -> None:
        self.m = machine
        self.obj = ObjectFile.load(path)
        probe = link(self.obj, 0, lambda n: 0)
        self.base = machine.alloc("modules", probe.size, align=0x1000)
        resolve = {"kernel_add": machine.kernel_add, "kernel_ticks": machine.kernel_ticks}.get
        self.image = link(self.obj, self.base, resolve)
        assert self.image.size == probe.size         # sized at 0, linked at its address
        machine.mem.load_code(self.base, bytes(self.image.bytes))
        for seg in self.image.segments:
            machine.mem.protect(seg.addr, seg.size, PROT[seg.prot])
        self.calls = calls

    def call(self, name: str, *args: int) -> int:
        return self.m.call(self.image.entry(name), *args)

    def signed(self, name: str, *args: int) -> int:
        value = self.call(name, *args) & 0xFFFFFFFF
        return value - (1 << 32) if value >> 31 else value


def machine_for(arch: str) -> tuple[Machine, list]:
    m = Machine(arch)
    calls: list[tuple[int, int]] = []

    def kernel_add(call):
        a, b = call.args(2)
        calls.append((a, b))
        return (a + b) & 0xFFFFFFFF

    m.kernel_add = m.add_stub("kernel_add", kernel_add)
    m.kernel_ticks = m.alloc("kdata", 4)
    m.mem.write_u32(m.kernel_ticks, TICKS)
    return m, calls


@pytest.fixture(params=VARIANTS)
def pair(request):
    """The ET_REL and the ET_DYN build of one variant, loaded side by side in one machine."""
    arch = "i386" if request.param.startswith("i386") else "x86_64"
    m, calls = machine_for(arch)
    rel = Loaded(m, DYN / f"{request.param}.o", calls)
    dyn = Loaded(m, DYN / f"{request.param}.so", calls)
    assert not rel.obj.shared and dyn.obj.shared
    return rel, dyn


def test_both_builds_compute_the_same_results(pair):
    for loaded in pair:
        assert [loaded.signed("apply", i, 7) for i in (0, 1, 2, 3)] == [14, 49, 14, 49]
        assert loaded.signed("sum_table") == 10
        assert [loaded.signed("bump") for _ in range(3)] == [8, 11, 14]


def test_both_builds_call_the_kernel_service_and_read_the_kernel_variable(pair):
    rel, dyn = pair
    assert rel.signed("call_kernel", 10) == dyn.signed("call_kernel", 10) == 14 + TICKS
    assert rel.calls == [(10, 4), (10, 4)]
    for loaded in pair:
        assert loaded.image.imports == {"kernel_add": loaded.m.kernel_add,
                                        "kernel_ticks": loaded.m.kernel_ticks}
        ptr = loaded.m.mem.read_ptr(loaded.image.entry("ticks_ptr"))
        assert ptr == loaded.m.kernel_ticks


def test_code_and_symbol_table_reference_the_same_global(pair):
    for loaded in pair:
        table = loaded.image.entry("table")
        assert loaded.call("table_address") == table
        assert [loaded.m.mem.read_u32(table + 4 * i) for i in range(4)] == [1, 2, 3, 4]
        loaded.m.mem.write_u32(table, 100)
        assert loaded.signed("sum_table") == 109


def test_function_pointers_point_at_the_same_functions(pair):
    for loaded in pair:
        targets = [loaded.image.symbolize(loaded.call("op_address", i)) for i in (0, 1)]
        assert targets == [("twice", 0), ("square", 0)]
        ops = loaded.image.entry("ops")
        word = loaded.m.word_size
        assert [loaded.image.symbolize(loaded.m.mem.read_ptr(ops + word * i)) for i in (0, 1)] \
            == [("twice", 0), ("square", 0)]


def test_string_tables_hold_the_same_strings(pair):
    for loaded in pair:
        names = [loaded.m.mem.read_cstr(loaded.call("name_of", i)) for i in range(3)]
        assert names == [b"zero", b"one", b"two"]
        greeting = loaded.m.mem.read_ptr(loaded.image.entry("greeting"))
        assert loaded.m.mem.read_cstr(greeting) == b"hello from a module"
        assert loaded.image.base <= greeting < loaded.image.base + loaded.image.size


def test_both_images_name_the_same_symbols(pair):
    rel, dyn = pair
    wanted = {"apply", "name_of", "bump", "call_kernel", "table", "ops", "greeting", "ticks_ptr",
              "twice", "square"}
    assert wanted <= rel.image.symbols.keys() and wanted <= dyn.image.symbols.keys()
    for name in wanted:
        assert dyn.image.symbolize(dyn.image.entry(name)) == (name, 0)


def test_a_shared_object_maps_each_segment_with_its_own_protections(pair):
    _, dyn = pair
    loads = dyn.obj.loads
    assert [s.prot for s in dyn.image.segments] == [ph.prot for ph in loads]
    text = dyn.image.entry("apply")
    seg = next(s for s in dyn.image.segments if s.addr <= text < s.addr + s.size)
    assert seg.prot == "r-x" and seg.kind == "text"


def test_a_shared_object_has_the_same_size_at_every_base(pair):
    _, dyn = pair
    sizes = {link(dyn.obj, base, lambda n: 0x1000).size for base in (0, 0x1000, 0x7F000000)}
    assert sizes == {dyn.image.size}


def test_the_fixtures_match_their_manifest():
    lines = [ln for ln in (DYN / "MANIFEST.txt").read_text().splitlines() if not ln.startswith("#")]
    names = {ln.split()[1] for ln in lines}
    assert names == {f"{v}{s}" for v in VARIANTS for s in (".o", ".so")}
    for ln in lines:
        digest, name = ln.split()[:2]
        assert hashlib.sha256((DYN / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.needs_tool
def test_rebuilding_the_fixtures_reproduces_them_byte_for_byte():
    if not (shutil.which("gcc") and shutil.which("ld")):
        pytest.skip("needs gcc and ld")
    proc = subprocess.run([sys.executable, "tools/build_dyn_fixtures.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and " 0 mismatches" in proc.stdout, proc.stdout + proc.stderr
