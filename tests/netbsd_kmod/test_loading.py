"""kern_module.c's load path on the fixtures, both arches: each behaviour and refusal of
docs/netbsd-module.md §3-§5 with its errno and its module_error/module_print message."""
from __future__ import annotations

import pytest

from kemu.kernel import SyscallError
from kemu.os.netbsd.constants import MODCTL_LOAD_FORCE, MODCTL_NO_PROP


def names(system) -> list[str]:
    return [r.name for r in system.modctl_stat()]


def refusal(system, name: str, **kw) -> SyscallError:
    with pytest.raises(SyscallError) as info:
        system.modctl_load(name, **kw)
    return info.value


def test_required_modules_load_depth_first_auto_loaded_with_references(system):
    system.modctl_load("chain_a")
    rows = {r.name: r for r in system.modctl_stat()}
    assert names(system) == ["chain_a", "chain_b", "chain_c"]          # newest first
    assert [rows[n].refcnt for n in ("chain_a", "chain_b", "chain_c")] == [0, 1, 2]
    assert [rows[n].flags for n in ("chain_a", "chain_b", "chain_c")] == [0, 2, 2]
    assert rows["chain_a"].required == "chain_b,chain_c"
    log = system.dmesg()
    assert log.index("chain_c: loaded") < log.index("chain_b: loaded") < log.index("chain_a: loaded")
    assert "chain_b_value() + chain_c_value() = 26" in log


def test_unload_refuses_a_referenced_module_with_ebusy(system):
    system.sysctl_set("kern.module.verbose", 1)
    system.modctl_load("chain_a")
    with pytest.raises(SyscallError) as info:
        system.modctl_unload("chain_c")
    assert info.value.name == "EBUSY"
    assert "DEBUG: module: module `chain_c' busy (2 refs)" in system.dmesg()


def test_unloading_drops_the_required_modules_references_and_leaves_them(system):
    system.modctl_load("chain_a")
    system.modctl_unload("chain_a")
    rows = {r.name: r.refcnt for r in system.modctl_stat()}
    assert rows == {"chain_b": 0, "chain_c": 1}


def test_auto_loaded_modules_go_after_autotime_when_asked_and_unreferenced(system):
    system.modctl_load("chain_a")
    system.modctl_unload("chain_a")
    system.sleep(9)
    assert names(system) == ["chain_b", "chain_c"]
    system.sleep(2)
    assert names(system) == []
    assert "chain_b: auto-unload accepted" in system.dmesg()


def test_each_auto_loaded_module_is_asked_once_and_stays_while_referenced(system):
    system.sysctl_set("kern.module.verbose", 1)
    system.modctl_load("chain_a")
    system.sleep(11)
    assert names(system) == ["chain_a", "chain_b", "chain_c"]
    system.modctl_unload("chain_a")
    system.sleep(30)
    assert names(system) == ["chain_b", "chain_c"]
    assert "module `chain_b' busy (1 refs)" in system.dmesg()


def test_a_module_declining_autounload_stays(system):
    system.sysctl_set("kern.module.verbose", 1)
    system.module_autoload("noautounload")
    system.sleep(11)
    assert names(system) == ["noautounload"]
    assert "DEBUG: module: module `noautounload' declined to be auto-unloaded error=16" in system.dmesg()
    system.modctl_unload("noautounload")


def test_autoload_is_refused_when_the_sysctl_says_no_or_the_name_is_a_path(system):
    system.sysctl_set("kern.module.autoload", 0)
    with pytest.raises(SyscallError) as info:
        system.module_autoload("chain_c")
    assert info.value.name == "EPERM"
    system.sysctl_set("kern.module.autoload", 1)
    with pytest.raises(SyscallError) as info:
        system.module_autoload("chain_c/chain_c.kmod")
    assert info.value.name == "EPERM"


def test_loading_a_loaded_name_is_eexist(system):
    system.sysctl_set("kern.module.verbose", 1)
    system.modctl_load("chain_c")
    assert refusal(system, "chain_c").name == "EEXIST"
    assert "DEBUG: module: requested module `chain_c' already loaded" in system.dmesg()


def test_init_failure_leaves_nothing_loaded_and_nothing_leaked(system):
    error = refusal(system, "initfail")
    assert error.errno == 19
    assert "WARNING: module error: modcmd(CMD_INIT) failed for `initfail', error 19" in system.dmesg()
    assert names(system) == [] and system.leaks() == []


def test_wrong_release_is_eprogmismatch_and_loads_with_force(system):
    error = refusal(system, "oldversion")
    assert (error.name, error.message) == ("EPROGMISMATCH", "Program version wrong")
    assert "WARNING: module error: module `oldversion' built for `900000000', system `1000000000'" \
        in system.dmesg()
    system.modctl_load("oldversion", flags=MODCTL_LOAD_FORCE)
    assert "WARNING: module error: forced load, system may be unstable" in system.dmesg()
    assert names(system) == ["oldversion"]


@pytest.mark.parametrize("module, errno, messages", [
    ("nomodinfo", "ENOENT", ["`link_set_modules' section not present, error 2",
                             "cannot fetch info for `nomodinfo', error 2"]),
    ("twomodinfo", "ENOEXEC", ["`link_set_modules' section wrong size (2 different MODULE declarations?)",
                               "cannot fetch info for `twomodinfo', error 8"]),
    ("selfdep", "EDEADLK", ["self-dependency detected for `selfdep'"]),
    ("circ_a", "EDEADLK", ["circular dependency detected for `circ_a'",
                           "recursive load failed for `circ_b' (`circ_a' required), error 11",
                           "recursive load failed for `circ_a' (`circ_b' required), error 11"]),
    ("missingdep", "ENOENT", ["recursive load failed for `missingdep' (`kemu_absent' required), error 2"]),
])
def test_refusals_say_what_kern_module_says(system, module, errno, messages):
    assert refusal(system, module).name == errno
    for text in messages:
        assert f"WARNING: module error: {text}\n" in system.dmesg()
    assert names(system) == []
    assert system.kernel.loader.modules == []


def test_a_missing_module_is_enoent(system):
    assert refusal(system, "kemu_nowhere").name == "ENOENT"


def test_module_loading_or_unloading_itself_gets_eexist_and_ebusy(system):
    system.modctl_load("selfload")
    assert 'selfload: module_load("selfload") = 17' in system.dmesg()
    system.modctl_unload("selfload")
    assert names(system) == []


def test_module_find_section_finds_the_active_modules_own_sections(system):
    system.modctl_load("findsect")
    assert 'findsect: kemu_blob: 16 bytes, "kemu blob"' in system.dmesg()
    assert "findsect: kemu_nothing: error 2" in system.dmesg()


def test_callbacks_see_every_module_and_later_loads(system):
    system.modctl_load("chain_c")
    system.modctl_load("callbacks")
    system.modctl_load("props")
    log = system.dmesg()
    assert "callbacks: load chain_c (filesys)" in log
    assert "callbacks: load callbacks (filesys)" in log
    assert "callbacks: load props (filesys)" in log
    system.modctl_unload("callbacks")
    system.modctl_unload("props")
    assert names(system) == ["chain_c"]


def test_plist_properties_reach_init_and_the_callers_values_win(system):
    system.modctl_load("props", props={"count": 7, "greeting": "hi"})
    log = system.dmesg()
    assert "props: count = 7" in log and 'props: greeting = "hi"' in log and "props: verbose = true" in log


def test_no_prop_skips_the_plist(system):
    system.modctl_load("props", flags=MODCTL_NO_PROP, props={})
    assert "props: 0 properties" in system.dmesg()


def test_without_plist_or_props_init_gets_null(system):
    system.modctl_load("props", flags=MODCTL_NO_PROP)
    assert "props: no properties" in system.dmesg()


def test_a_negative_count_fails_init_with_einval(system):
    assert refusal(system, "props", props={"count": -1}).name == "EINVAL"


def test_a_broken_plist_is_einval(system, tmp_path):
    import shutil
    from kemu.paths import ROOT
    d = tmp_path / "props"
    d.mkdir()
    shutil.copy(ROOT / "fixtures/netbsd" / system.arch / "gcc/props/props.kmod", d / "props.kmod")
    (d / "props.plist").write_text("<plist><dict><key>x</key>")
    system.modules.module_dir = str(tmp_path)
    assert refusal(system, "props").name == "EINVAL"
    assert system.kernel.loader.modules == []


def test_builtin_modules_need_force_after_an_unload(system):
    from kemu.os.netbsd.modinfo import ModInfo
    system.modules.add_builtin(ModInfo(1000000000, 1, "kemu_builtin", None))
    assert [(r.name, r.source) for r in system.modctl_stat()] == [("kemu_builtin", 0)]
    system.modctl_unload("kemu_builtin")
    assert [(r.name, r.refcnt) for r in system.modctl_stat()] == [("kemu_builtin", -1)]
    assert refusal(system, "kemu_builtin").name == "EPERM"
    assert "WARNING: module error: use -f to reinstate builtin module `kemu_builtin'" in system.dmesg()
    system.modctl_load("kemu_builtin", flags=MODCTL_LOAD_FORCE)
    assert [(r.name, r.refcnt) for r in system.modctl_stat()] == [("kemu_builtin", 0)]


def test_kmem_free_with_the_wrong_size_panics_the_call_not_the_machine(system):
    from kemu.kernel import KernelPanic
    from kemu.os.netbsd.services import kmem_free
    block = system.kernel.heap.alloc(32, "kmem")

    class Call:
        return_address = 0
    with pytest.raises(KernelPanic, match="!= allocated size 32"):
        kmem_free.service.func(system.kernel, block, 16, call=Call())
    kmem_free.service.func(system.kernel, block, 32, call=Call())
