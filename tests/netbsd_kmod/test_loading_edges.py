"""Further rules of kern_module.c and module(9): paths, plists that forbid autoloading, bad
objects, autotime 0, module_hold/rele called by guest code, the verbose messages, callbacks
on unload."""
from __future__ import annotations

import shutil

import pytest

from kemu.kernel import SyscallError
from kemu.paths import ROOT


def copy_module(system, tmp_path, name: str) -> None:
    d = tmp_path / name
    d.mkdir()
    shutil.copy(ROOT / "fixtures/netbsd" / system.arch / "gcc" / name / f"{name}.kmod", d / f"{name}.kmod")


def test_a_path_is_loaded_from_where_it_points_and_never_falls_back(system, tmp_path):
    system.sysctl_set("kern.module.verbose", 1)
    copy_module(system, tmp_path, "chain_c")
    system.modctl_load("./chain_c/chain_c.kmod", cwd=str(tmp_path))
    assert "DEBUG: module: Loading module from ./chain_c/chain_c.kmod" in system.dmesg()
    with pytest.raises(SyscallError) as info:
        system.modctl_load("./chain_b.kmod", cwd=str(tmp_path))
    assert info.value.name == "ENOENT"
    assert "DEBUG: module: Cannot load kernel object `./chain_b.kmod' error=2" in system.dmesg()


def test_a_path_to_a_loaded_module_is_caught_by_its_modinfo_name(system):
    system.modctl_load("chain_c")
    path = str(ROOT / "fixtures/netbsd" / system.arch / "gcc/chain_c/chain_c.kmod")
    with pytest.raises(SyscallError) as info:
        system.modctl_load(path)
    assert info.value.name == "EEXIST"
    assert "WARNING: module error: module with name `chain_c' already loaded" in system.dmesg()


def test_noautoload_in_the_plist_refuses_autoloading_but_not_modload(system, tmp_path):
    copy_module(system, tmp_path, "chain_c")
    (tmp_path / "chain_c/chain_c.plist").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
        '<key>noautoload</key><true/></dict></plist>\n')
    system.modules.module_dir = str(tmp_path)
    with pytest.raises(SyscallError) as info:
        system.module_autoload("chain_c")
    assert info.value.name == "EPERM"
    assert (f"WARNING: module error: autoloading is disallowed for "
            f"{system.sysctl_get('kern.module.path')}/chain_c/chain_c.kmod") in system.dmesg()
    system.modctl_load("chain_c")


def test_a_plist_of_8191_bytes_or_more_is_efbig(system, tmp_path):
    copy_module(system, tmp_path, "chain_c")
    (tmp_path / "chain_c/chain_c.plist").write_text(" " * 8191)
    system.modules.module_dir = str(tmp_path)
    with pytest.raises(SyscallError) as info:
        system.modctl_load("chain_c")
    assert info.value.name == "EFBIG"


def test_a_file_that_is_no_object_is_enoexec_and_the_kernel_goes_on(system, tmp_path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk/junk.kmod").write_bytes(b"not an ELF object at all")
    system.modules.module_dir = str(tmp_path)
    with pytest.raises(SyscallError) as info:
        system.modctl_load("junk")
    assert info.value.name == "ENOEXEC"
    assert "linker error" in system.dmesg()
    system.modules.module_dir = str(ROOT / "fixtures/netbsd" / system.arch / "gcc")
    system.modctl_load("chain_a")


def test_autotime_zero_keeps_auto_loaded_modules(system):
    system.sysctl_set("kern.module.autotime", 0)
    system.module_autoload("chain_c")
    system.sleep(30)
    assert [r.name for r in system.modctl_stat()] == ["chain_c"]
    assert system.modctl_stat()[0].flags == 0           # not marked: autotime was 0


def test_autoload_says_who_asked_when_verbose(system):
    system.sysctl_set("kern.module.verbose", 1)
    system.module_autoload("chain_c")
    assert "DEBUG: module: Autoload for `chain_c' requested by pid 1 (modload), status 0" in system.dmesg()


def test_autounload_unsafe_lets_enotty_count_as_consent(system):
    system.sysctl_set("kern.module.autounload_unsafe", 1)
    system.module_autoload("noautounload")               # answers EBUSY, not ENOTTY: stays
    system.sleep(11)
    assert [r.name for r in system.modctl_stat()] == ["noautounload"]


def test_module_hold_and_rele_from_guest_code_govern_unloading(system):
    system.modctl_load("chain_c")
    mod = system.modules.lookup("chain_c")
    hold = system.kernel.symbols.lookup("module_hold")
    rele = system.kernel.symbols.lookup("module_rele")
    system.machine.call(hold, mod.handle)
    with pytest.raises(SyscallError) as info:
        system.modctl_unload("chain_c")
    assert info.value.name == "EBUSY"
    system.machine.call(rele, mod.handle)
    system.modctl_unload("chain_c")


def test_callbacks_hear_unloads_and_unregistering(system):
    system.modctl_load("chain_c")
    system.modctl_load("callbacks")
    system.modctl_unload("chain_c")
    assert "callbacks: unload chain_c (filesys)" in system.dmesg()
    system.modctl_unload("callbacks")
    assert "callbacks: unload callbacks (filesys)" in system.dmesg()
    system.modctl_load("chain_c")                         # nobody listens any more
    assert system.dmesg().count("callbacks: load chain_c") == 1


def test_unloading_an_unknown_module_is_enoent_with_module_error(system):
    with pytest.raises(SyscallError) as info:
        system.modctl_unload("nothere")
    assert info.value.name == "ENOENT"
    assert "WARNING: module error: module `nothere' not found" in system.dmesg()


def test_a_dependency_whose_modinfo_names_another_module_is_a_mismatch(system, tmp_path):
    copy_module(system, tmp_path, "chain_b")
    (tmp_path / "chain_c").mkdir()
    shutil.copy(ROOT / "fixtures/netbsd" / system.arch / "gcc/props/props.kmod", tmp_path / "chain_c/chain_c.kmod")
    system.modules.module_dir = str(tmp_path)
    with pytest.raises(SyscallError) as info:
        system.modctl_load("chain_b")
    assert info.value.name == "ENOENT"
    log = system.dmesg()
    assert "WARNING: module error: dependency name mismatch (`chain_c' != `props')" in log
    assert "WARNING: module error: recursive load failed for `chain_b' (`chain_c' required), error 2" in log


def test_a_symbol_no_module_defines_fails_the_affix(system):
    from kemu.os.netbsd.modinfo import ModInfo
    system.modules.add_builtin(ModInfo(1000000000, 1, "chain_c", None))   # a chain_c without code
    with pytest.raises(SyscallError) as info:
        system.modctl_load("chain_b")
    assert info.value.name == "ENOEXEC"
    log = system.dmesg()
    assert "linker error: symbol `chain_c_value' not found" in log
    assert "WARNING: module error: unable to affix module `chain_b', error 8" in log
    assert [r.name for r in system.modctl_stat()] == ["chain_c"]
    assert system.modctl_stat()[0].refcnt == 0


def test_a_path_under_the_module_base_is_the_module_directory(system):
    system.modctl_load(f"{system.sysctl_get('kern.module.path')}/chain_c/chain_c.kmod")
    assert [r.name for r in system.modctl_stat()] == ["chain_c"]


def test_properties_over_4096_bytes_are_enomem(system):
    with pytest.raises(SyscallError) as info:
        system.modctl_load("props", props={"greeting": "x" * 5000})
    assert info.value.name == "ENOMEM"
    assert system.modctl_stat() == []


def test_a_module_cannot_reach_host_files_by_path(system):
    from kemu.os.netbsd.modules import ModuleFramework
    fw: ModuleFramework = system.modules
    fw.cwd = "/"
    with pytest.raises(SyscallError) as info:
        fw.load_from_kernel("/etc/passwd", 0, None, 0)
    assert info.value.name == "ENOENT"
    assert fw.cwd == "/"
