"""Coverage costs nothing when off and only inside module text when on: a block hook over
each module's executable sections, added when the loader places it and removed before its
memory is freed."""
from __future__ import annotations

import io

import kemu
from kemu.kernel.coverage import CoverageRecorder
from kemu.kernel.coverage_map import text_ranges

from .covmod import fixture


def _block_hooks(system):
    return [h for h in system.machine.hooks() if h.kind == "block"]


def test_nothing_is_hooked_while_no_recorder_runs():
    system = kemu.boot("netbsd-lkm", "i386")
    out = io.StringIO()
    system.load(str(fixture("i386", "gcc", "0")), out=out, err=out)
    assert _block_hooks(system) == []


def test_each_module_gets_a_hook_over_its_text_alone_for_its_life():
    system = kemu.boot("netbsd-lkm", "x86_64")
    recorder = CoverageRecorder(system.kernel).start()
    out = io.StringIO()
    module = system.load(str(fixture("x86_64", "gcc", "2")), out=out, err=out)
    hooks = _block_hooks(system)
    base = module.image.base
    assert [(h.begin, h.end) for h in hooks] == [(base + s, base + e - 1) for s, e in text_ranges(module.image)]
    assert all(module.holds(h.begin) and module.holds(h.end) for h in hooks)
    system.unload(module)
    assert _block_hooks(system) == []
    assert recorder.coverage().find("covmod.c").functions["covmod_unload"][1] == 1


def test_stopping_unhooks_modules_still_loaded_and_keeps_what_they_ran():
    system = kemu.boot("netbsd-lkm", "i386")
    out = io.StringIO()
    system.load(str(fixture("i386", "clang", "0")), out=out, err=out)
    recorder = CoverageRecorder(system.kernel).start()      # started after the load
    assert len(_block_hooks(system)) == 1
    system.unload("covmod")
    coverage = recorder.stop()
    assert _block_hooks(system) == []
    fc = coverage.find("covmod.c")
    assert fc.functions["covmod_unload"][1] == 1 and fc.functions["covmod_load"][1] == 0


def test_a_module_without_line_information_is_named_not_counted():
    from pathlib import Path
    system = kemu.boot("netbsd-lkm", "i386")
    recorder = CoverageRecorder(system.kernel).start()
    out = io.StringIO()
    root = Path(__file__).resolve().parents[2]
    system.load(str(root / "fixtures/netbsd-lkm/i386/gcc/leaky.o"), out=out, err=out)
    coverage = recorder.stop()
    assert coverage.files == {}
    assert recorder.without_lines() == ["leaky"]


def test_damaged_line_information_means_no_lines_not_a_crash(tmp_path):
    from kemu.elf import ObjectFile
    path = fixture("x86_64", "gcc", "0")
    data = bytearray(path.read_bytes())
    sec = ObjectFile.parse(bytes(data), "covmod.o").section_by_name(".debug_line")
    data[sec.offset:sec.offset + sec.size] = b"\xff" * sec.size
    damaged = tmp_path / "covmod.o"
    damaged.write_bytes(bytes(data))
    system = kemu.boot("netbsd-lkm", "x86_64")
    recorder = CoverageRecorder(system.kernel).start()
    out = io.StringIO()
    system.unload(system.load(str(damaged), out=out, err=out))
    assert recorder.stop().files == {}
    assert recorder.without_lines() == ["covmod"]
    assert system.load(str(fixture("x86_64", "gcc", "0")), out=out, err=out).name == "covmod"


def test_an_observer_that_fails_is_logged_and_the_load_and_unload_go_through():
    class Broken:
        def module_placed(self, module):
            raise RuntimeError("observer bug")

        module_retiring = module_placed

    system = kemu.boot("netbsd-lkm", "i386")
    system.kernel.loader.observers.append(Broken())
    out = io.StringIO()
    module = system.load(str(fixture("i386", "gcc", "0")), out=out, err=out)
    system.unload(module)
    assert system.kernel.loader.modules == []
    assert "kemu: covmod: Broken.module_placed: observer bug" in system.dmesg()
    assert "kemu: covmod: Broken.module_retiring: observer bug" in system.dmesg()
