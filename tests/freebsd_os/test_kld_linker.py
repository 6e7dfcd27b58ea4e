"""The kld linker as kern_linker.c has it: linker sets, SYSINIT order, module events,
dependencies with version choice, reference counts and every refusal with its console message."""
from __future__ import annotations

import pytest

import kemu
from kemu.paths import fixture

from .conftest import expect_error, fixture_dir


def lines_after(system, mark: int) -> list[str]:
    return system.dmesg()[mark:].splitlines()


def test_kldload_by_module_name_finds_the_file_in_the_module_path_and_runs_mod_load(system):
    fid = system.kldload("evlog")
    st = system.kldstat(fid)
    assert (st.id, st.name, st.refs) == (2, "evlog.ko", 1)
    assert st.pathname.endswith("/evlog.ko")
    assert "evlog: MOD_LOAD (priv=evlog, event #1)" in system.dmesg()
    assert system.kldstat(1).name == "kernel" and system.kldstat(1).refs == 2


def test_kldload_by_file_name_with_a_slash_uses_it_as_it_is(arch):
    system = kemu.boot("freebsd", arch, module_path=["/nonexistent"])
    fid = system.kldload(f"{fixture_dir(arch)}/fibo.ko")
    assert system.kldstat(fid).name == "fibo.ko"
    assert system.devfs.lookup("/dev/fibo7") is not None


def test_several_modules_in_one_file_load_in_sysinit_order_and_unload_in_reverse(system):
    fid = system.kldload("multi")
    text = system.dmesg()
    assert text.index("multi: first loaded") < text.index("multi: second loaded") < text.index("multi: third loaded")
    mods = []
    mid = system.kldfirstmod(fid)
    while mid:
        mods.append(system.modstat(mid).name)
        mid = system.modfnext(mid)
    assert sorted(mods) == ["multi_first", "multi_second", "multi_third"]
    mark = len(system.dmesg())
    system.kldunload(fid)
    assert lines_after(system, mark) == ["multi: third unloaded", "multi: second unloaded", "multi: first unloaded"]


def test_sysinits_run_sorted_by_subsystem_and_order_and_sysuninits_in_reverse(system):
    fid = system.kldload("sysinits")
    assert [l for l in system.dmesg().splitlines() if l.startswith("sysinits:")] == [
        "sysinits: tunables (1)", "sysinits: alloc (2)", "sysinits: allocated (3)",
        "sysinits: late (4)", "sysinits: last (5)"]
    mark = len(system.dmesg())
    system.kldunload(fid)
    assert lines_after(system, mark) == ["sysinits: unload (6)", "sysinits: unlast (7)",
                                          "sysinits: unlate (8)", "sysinits: free (9)"]
    assert system.leaks() == []


def test_a_dependency_is_loaded_first_and_held_by_a_reference(system):
    fid = system.kldload("depuser")
    text = system.dmesg()
    assert text.index("depbase: version 2 loaded") < text.index("depuser: depbase answers 42")
    base = system.kldfind("depbase.ko")
    assert base != fid
    assert system.kldstat(base).refs == 1                 # loaded for it: the file's own reference
    assert system.linker.by_id(base).userrefs == 0
    assert system.kldstat(1).refs == 3                    # the kernel: one per kld


def test_a_file_loaded_only_as_a_dependency_cannot_be_unloaded_by_the_user(system):
    system.kldload("depuser")
    base = system.kldfind("depbase.ko")
    mark = len(system.dmesg())
    expect_error(system, "EBUSY", system.kldunload, base)
    expect_error(system, "EBUSY", system.kldunloadf, base, 1)
    assert lines_after(system, mark)[0] == "kldunload: attempt to unload file that was loaded by the kernel"


def test_a_dependency_goes_with_its_last_dependant(system):
    fid = system.kldload("depuser")
    base = system.kldfind("depbase.ko")
    system.kldunload(fid)
    expect_error(system, "ENOENT", system.kldstat, base)
    assert "depbase: unloaded after 1 calls" in system.dmesg()
    assert system.kldstat(1).refs == 1


def test_an_already_loaded_provider_gains_a_reference_and_a_user_unload_only_drops_it(system):
    base = system.kldload("depbase")
    user = system.kldload("depuser")
    assert system.kldstat(base).refs == 2
    system.kldunload(base)                       # userrefs 1 -> 0, refs 2 -> 1: it stays
    assert system.kldstat(base).refs == 1
    assert "depbase: unloaded" not in system.dmesg()
    system.kldunload(user)
    expect_error(system, "ENOENT", system.kldstat, base)


def test_a_dependant_sees_only_what_its_provider_exports(system):
    system.kldload("depuser")
    assert system.kernel.symbols.get("depbase_answer").owner == "depbase.ko"
    assert system.kernel.symbols.get("depbase_modevent") is None


def test_no_acceptable_version_of_a_dependency_fails_with_enoexec_and_the_kld_message(system):
    mark = len(system.dmesg())
    expect_error(system, "ENOEXEC", system.kldload, "depnewer")
    assert "KLD depnewer.ko: depends on depbase - not available or version mismatch" in lines_after(system, mark)
    assert [f.name for f in system.linker.files] == ["kernel"]
    assert system.kldstat(1).refs == 1


def test_a_second_load_by_module_name_or_file_name_is_eexist(system):
    system.kldload("evlog")
    expect_error(system, "EEXIST", system.kldload, "evlog")
    expect_error(system, "EEXIST", system.kldload, "evlog.ko")
    assert len(system.linker.files) == 2


def test_a_failed_mod_load_unloads_the_file_with_the_real_messages(system):
    mark = len(system.dmesg())
    expect_error(system, "ENOEXEC", system.kldload, "loadfail")
    lines = lines_after(system, mark)
    assert lines[:2] == ["loadfail: refusing to load", "loadfail: cleaning up after the failed load"]
    assert lines[2].startswith("module_register_init: MOD_LOAD (loadfail, 0x") and lines[2].endswith(", 0) error 6")
    assert [f.name for f in system.linker.files] == ["kernel"]
    assert system.loader.modules == []


def test_a_module_refusing_to_quiesce_keeps_its_file_until_forced(system):
    fid = system.kldload("noquiesce")
    expect_error(system, "EBUSY", system.kldunload, fid)
    assert "noquiesce: busy, refusing to quiesce (1)" in system.dmesg()
    assert system.kldstat(fid).name == "noquiesce.ko"
    system.kldunloadf(fid, 1)
    assert "noquiesce: unloaded after 2 refusals" in system.dmesg()
    expect_error(system, "ENOENT", system.kldstat, fid)


def test_kldunloadf_flags_other_than_normal_and_force_are_einval(system):
    fid = system.kldload("evlog")
    expect_error(system, "EINVAL", system.kldunloadf, fid, 2)


def test_a_securelevel_above_zero_refuses_load_and_unload_with_eperm(system):
    fid = system.kldload("evlog")
    system.sysctl.write(system.sysctl.find("kern.securelevel"), 1)
    expect_error(system, "EPERM", system.kldload, "fibo")
    expect_error(system, "EPERM", system.kldunload, fid)
    expect_error(system, "EPERM", system.sysctl.write, system.sysctl.find("kern.securelevel"), 0)


def test_a_missing_file_is_enoent(system):
    expect_error(system, "ENOENT", system.kldload, "nosuchmodule")
    expect_error(system, "ENOENT", system.kldload, "./nosuch.ko")


def test_a_kld_of_the_other_arch_is_an_unsupported_machine(system, arch):
    other = "i386" if arch == "x86_64" else "x86_64"
    mark = len(system.dmesg())
    expect_error(system, "ENOEXEC", system.kldload, f"{fixture_dir(other)}/fibo.ko")
    assert lines_after(system, mark) == [f"kldload: {fixture_dir(other)}/fibo.ko: Unsupported machine"]


def test_an_undefined_symbol_is_reported_by_the_elf_class_and_fails_with_enoexec():
    system = kemu.boot("freebsd", "x86_64")
    path = str(fixture("netbsd-lkm", "x86_64", "gcc", "fibo.o"))
    mark = len(system.dmesg())
    expect_error(system, "ENOEXEC", system.kldload, path)
    assert lines_after(system, mark)[0].startswith("link_elf_obj: symbol ")
    assert lines_after(system, mark)[0].endswith(" undefined")
    assert system.loader.modules == [] and system.kldstat(1).refs == 1


def test_an_et_rel_object_on_i386_is_an_unsupported_file_type():
    system = kemu.boot("freebsd", "i386")
    path = str(fixture("netbsd-lkm", "i386", "gcc", "fibo.o"))
    mark = len(system.dmesg())
    expect_error(system, "ENOEXEC", system.kldload, path)
    assert lines_after(system, mark) == [f"linker_load_file: {path} - unsupported file type"]


def test_file_ids_reuse_the_lowest_free_one_and_module_ids_never_repeat(system):
    a = system.kldload("evlog")
    b = system.kldload("fibo")
    first_fibo_module = system.kldfirstmod(b)
    system.kldunload(a)
    system.kldunload(b)
    again = system.kldload("fibo")
    assert again == a == 2
    assert system.kldfirstmod(again) > first_fibo_module


def test_kldnext_and_modnext_walk_the_lists_and_unknown_ids_are_enoent(system):
    system.kldload("multi")
    ids, fid = [], system.kldnext(0)
    while fid:
        ids.append(fid)
        fid = system.kldnext(fid)
    assert ids == [1, 2]
    mods, mid = [], system.modnext(0)
    while mid:
        mods.append(system.modstat(mid).name)
        mid = system.modnext(mid)
    assert sorted(mods) == ["multi_first", "multi_second", "multi_third"]
    assert system.modfind("multi_second") in [system.modfind(n) for n in mods]
    expect_error(system, "ENOENT", system.kldnext, 99)
    expect_error(system, "ENOENT", system.modnext, 99)
    expect_error(system, "ENOENT", system.modfind, "nosuch")
    expect_error(system, "ENOENT", system.kldfind, "nosuch.ko")


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_every_fixture_loads_and_unloads_cleanly(arch, compiler):
    system = kemu.boot("freebsd", arch, module_path=[fixture_dir(arch, compiler)])
    for name in ("fibo", "evlog", "multi", "depuser", "sysctlmod", "sysinits", "echo", "cdev", "noquiesce"):
        fid = system.kldload(name)
        if name == "noquiesce":
            system.kldunloadf(fid, 1)
        else:
            system.kldunload(fid)
    assert [f.name for f in system.linker.files] == ["kernel"]
    assert system.loader.modules == []
    assert system.devfs.glob("/dev/*") == []
    assert all(not m.left_behind for m in system.loader.retired)
    assert system.leaks() == []


def test_a_copy_declaring_a_loaded_module_name_is_refused_with_module_register_messages(system, arch, tmp_path):
    import shutil
    system.kldload("sysinits")                   # declares module sysinits, no MODULE_VERSION
    shutil.copyfile(f"{fixture_dir(arch)}/sysinits.ko", tmp_path / "again.ko")
    mark = len(system.dmesg())
    expect_error(system, "EEXIST", system.kldload, str(tmp_path / "again.ko"))
    assert lines_after(system, mark) == [
        "module_register: cannot register sysinits from again.ko; already loaded from sysinits.ko",
        "Module sysinits failed to register: 17"]
    assert [f.name for f in system.linker.files] == ["kernel", "sysinits.ko"]


def test_a_copy_providing_a_loaded_interface_version_is_refused(system, arch, tmp_path):
    import shutil
    system.kldload("evlog")
    shutil.copyfile(f"{fixture_dir(arch)}/evlog.ko", tmp_path / "evlog2.ko")
    mark = len(system.dmesg())
    expect_error(system, "EEXIST", system.kldload, str(tmp_path / "evlog2.ko"))
    assert lines_after(system, mark) == ["interface evlog.1 already present in the KLD 'evlog.ko'!"]
    assert system.kldstat(1).refs == 2


def test_shutdown_sends_mod_shutdown_to_every_module_newest_first(system):
    system.kldload("evlog")
    system.kldload("multi")
    mark = len(system.dmesg())
    system.shutdown()
    lines = lines_after(system, mark)
    assert lines == ["All buffers synced.", "Uptime: 0s", "evlog: MOD_SHUTDOWN (priv=evlog, event #2)",
                     "Rebooting..."]
    assert [f.name for f in system.linker.files] == ["kernel", "evlog.ko", "multi.ko"]


@pytest.mark.parametrize("what", ["text", "directory", "empty"])
def test_a_file_that_is_not_a_kld_is_enoexec_with_a_console_line_and_the_system_carries_on(system, tmp_path, what):
    path = tmp_path / "x.ko"
    if what == "text":
        path.write_text("not an object\n")
    elif what == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"")
    mark = len(system.dmesg())
    expect_error(system, "ENOEXEC", system.kldload, str(path))
    lines = lines_after(system, mark)
    assert len(lines) == 1 and lines[0].startswith(f"kldload: {path}: ")
    assert [f.name for f in system.linker.files] == ["kernel"]
    assert system.kldload("fibo") == 2
