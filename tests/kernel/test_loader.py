"""The shared module loader (kemu/kernel/loader.py) on a bare kernel, with no personality.

exporter.o defines code and data; importer.o uses them (guest/netbsd-lkm/tests/). Each test
drives the loader's steps the way a personality would and checks what the kernel then knows.
"""
from pathlib import Path

import pytest

from kemu.intbits import to_signed
from kemu.kernel import (KERNEL, GuestCrash, KernelError, LinkFailure, ModuleState, ServiceTable)
from kemu.machine import GuestFault

ROOT = Path(__file__).resolve().parents[2]

malloc_table = ServiceTable("test-malloc")


@malloc_table.service("void *malloc(unsigned long size, int type, int flags)", needs_call=True)
def malloc(k, size: int, type: int, flags: int, call=None) -> int:
    """A plain allocator charging the calling code (as every personality's malloc does)."""
    return k.heap.alloc(max(size, 1), "M_DEVBUF", caller=call.return_address)


def fixture(arch: str, name: str) -> str:
    return str(ROOT / "fixtures" / "netbsd-lkm" / arch / "gcc" / f"{name}.o")


@pytest.fixture
def loader(kernel):
    kernel.install(malloc_table)
    return kernel.loader


def load(loader, arch: str, name: str, **options):
    return loader.load(loader.read_object(fixture(arch, name)), name=name, path=fixture(arch, name),
                       **options)


def publish(loader, module, *names: str, **attrs):
    loader.go_live(module, [loader.export(module, n, **attrs) for n in names])


def test_a_placed_module_is_mapped_with_its_segment_protections(loader, arch):
    module = load(loader, arch, "exporter")
    mem = loader.machine.mem
    text = module.image.entry("exporter_twice")
    assert module.state is ModuleState.LOADING
    assert loader.module_at(text) is module
    assert mem.read(text, 4) == bytes(module.image.read(text, 4))
    with pytest.raises(GuestFault, match="fetch from non-executable memory"):
        loader.machine.call(module.image.entry("exporter_greeting"))   # r-- data is not code


def test_an_entry_call_runs_the_module_code(loader, arch):
    module = load(loader, arch, "exporter")
    assert loader.call(module, module.image.entry("exporter_twice"), 21, what="twice") == 42


def test_exports_appear_owned_by_the_module_when_it_goes_live(loader, arch):
    module = load(loader, arch, "exporter")
    assert loader.kernel.symbols.get("exporter_twice") is None
    publish(loader, module, "exporter_twice", "exporter_counter", license="GPL", crc=0x1234)
    sym = loader.kernel.symbols.get("exporter_twice")
    assert (sym.owner, sym.kind, sym.license, sym.crc) == ("exporter", "func", "GPL", 0x1234)
    assert loader.kernel.symbols.get("exporter_counter").kind == "object"
    assert module.state is ModuleState.LIVE


def test_an_import_binds_to_the_exporting_modules_code_and_data(loader, arch):
    exporter = load(loader, arch, "exporter")
    publish(loader, exporter, "exporter_twice", "exporter_counter", "exporter_greeting")
    importer = load(loader, arch, "importer")
    run = importer.image.entry("importer_run")
    assert to_signed(loader.call(importer, run, 10, what="run"), 32) == 20 + 6
    greeting = loader.call(importer, importer.image.entry("importer_greeting"), what="greeting")
    assert greeting == exporter.image.entry("exporter_greeting")


def test_binding_to_a_module_records_the_use_for_used_by(loader, arch):
    exporter = load(loader, arch, "exporter")
    publish(loader, exporter, "exporter_twice", "exporter_counter", "exporter_greeting")
    load(loader, arch, "importer")
    assert loader.users_of(exporter) == ["importer"]
    assert loader.kernel.symbols.uses_of("importer") == ["exporter"]


def test_a_symbol_the_policy_hides_is_an_undefined_reference(loader, arch):
    exporter = load(loader, arch, "exporter")
    publish(loader, exporter, "exporter_twice", "exporter_counter", "exporter_greeting", license="GPL")
    gpl_hidden = lambda sym, user: sym.license != "GPL"          # noqa: E731 (a personality's rule)
    with pytest.raises(LinkFailure) as failure:
        load(loader, arch, "importer", visible=gpl_hidden)
    assert failure.value.kind == "unresolved"
    assert sorted(failure.value.unresolved) == ["exporter_counter", "exporter_greeting", "exporter_twice"]
    assert failure.value.lines[0].endswith("undefined reference to `exporter_counter'")
    assert loader.modules == [exporter] and loader.users_of(exporter) == []


def test_an_unresolved_load_leaves_no_memory_reserved(loader, arch):
    free_before = loader.machine.alloc(loader.area, 4096)
    loader.machine.free(loader.area, free_before)
    with pytest.raises(LinkFailure):
        load(loader, arch, "importer")
    again = loader.machine.alloc(loader.area, 4096)
    assert again == free_before


def test_retiring_a_module_withdraws_its_exports_and_uses_and_unmaps_it(loader, arch):
    exporter = load(loader, arch, "exporter")
    publish(loader, exporter, "exporter_twice", "exporter_counter", "exporter_greeting")
    importer = load(loader, arch, "importer")
    loader.retire(importer)
    assert loader.users_of(exporter) == []
    loader.retire(exporter)
    assert loader.kernel.symbols.get("exporter_twice") is None
    assert loader.module_at(exporter.base) is None
    assert not loader.machine.mem.is_mapped(exporter.base, 1)


def test_retire_runs_the_undo_list_newest_first(loader, arch):
    module = load(loader, arch, "exporter")
    done = []
    module.on_unload("first", lambda: done.append("first"))
    module.on_unload("second", lambda: done.append("second"))
    module.on_unload("given back", lambda: done.append("given back"))
    module.forget_undo("given back")
    loader.retire(module)
    assert done == ["second", "first"]


def test_a_failing_undo_is_logged_and_the_rest_still_runs(loader, arch, kernel):
    module = load(loader, arch, "exporter")
    done = []
    module.on_unload("kept", lambda: done.append("kept"))
    module.on_unload("broken", lambda: 1 / 0)
    loader.retire(module)
    assert done == ["kept"]
    assert "exporter: undoing broken: division by zero" in kernel.dmesg()


def test_a_crash_in_module_code_is_an_oops_and_a_guest_crash(loader, arch, kernel):
    module = load(loader, arch, "exporter")
    with pytest.raises(GuestCrash) as crash:
        loader.call(module, module.image.entry("exporter_crash"), what="exporter: init")
    assert crash.value.name == "EFAULT"
    assert "exporter_crash" in crash.value.report
    assert "kemu: fault in exporter: init" in kernel.dmesg()
    assert loader.call(module, module.image.entry("exporter_twice"), 2, what="after") == 4


def test_leaks_are_charged_to_the_module_that_allocated_them(loader, arch):
    first = load(loader, arch, "exporter")
    assert loader.call(first, first.image.entry("exporter_alloc"), 100, what="alloc") == 1
    leaks = loader.retire(first)
    assert [a.size for a in leaks] == [100]
    second = load(loader, arch, "exporter")            # the same memory, a new module
    assert second.base == first.base
    assert loader.leaks_of(second) == []


def test_exporting_a_symbol_the_module_does_not_define_is_refused(loader, arch):
    module = load(loader, arch, "exporter")
    with pytest.raises(KernelError, match="exports 'nosuch' but does not define it"):
        loader.export(module, "nosuch")


def test_a_module_of_the_other_arch_is_refused_as_ld_refuses_it(loader, arch):
    other = "x86_64" if arch == "i386" else "i386"
    with pytest.raises(LinkFailure) as failure:
        loader.load(loader.read_object(fixture(other, "exporter")), name="exporter", path="exporter.o")
    assert failure.value.kind == "arch"
    assert "is incompatible with" in failure.value.lines[0]


def test_kernel_symbols_are_owned_by_the_kernel(loader):
    assert loader.kernel.symbols.get("malloc").owner == KERNEL


def test_what_a_live_module_never_gave_back_is_recorded_at_unload(loader, arch):
    module = load(loader, arch, "exporter")
    module.on_unload("cdevsw[29]", lambda: None)
    publish(loader, module)
    loader.retire(module)
    assert module.left_behind == ["cdevsw[29]"]
    assert loader.retired == [module]


def test_a_failed_load_records_nothing_left_behind(loader, arch):
    module = load(loader, arch, "exporter")
    module.on_unload("cdevsw[29]", lambda: None)
    loader.retire(module)                      # never went live: its init failed
    assert module.left_behind == []


def test_only_the_newest_retired_modules_are_remembered(loader, arch):
    from kemu.kernel.loader import RETIRED_KEPT
    gone = []
    for _ in range(RETIRED_KEPT + 5):
        module = load(loader, arch, "exporter")
        loader.retire(module)
        gone.append(module)
    assert loader.retired == gone[-RETIRED_KEPT:]     # a long session does not keep them all
