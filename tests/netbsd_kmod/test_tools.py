"""modload, modunload, modstat, sysctl and sleep as the NetBSD 10 console runs them."""
from __future__ import annotations

from .conftest import run


def test_modstat_prints_the_real_table_after_a_chain(system):
    status, out, _ = run(system, "modload chain_a\nmodstat")
    lines = out.splitlines()
    assert lines[3] == "NAME             CLASS    SOURCE   FLAG  REFS    SIZE REQUIRES "
    assert lines[4].startswith("chain_a          misc     filesys  -        0 ")
    assert lines[4].endswith(" chain_b,chain_c")
    assert lines[5].startswith("chain_b          misc     filesys  a        1 ")
    assert lines[6].startswith("chain_c          misc     filesys  a        2 ") and lines[6].endswith(" -")


def test_modstat_k_adds_the_address_and_a_name_filters(system):
    _, out, _ = run(system, "modload chain_c\nmodstat -k chain_c")
    head, row = out.splitlines()[-2:]
    assert "ADDRESS" in head and row.split()[0] == "chain_c"
    assert int(row.split()[5], 16) == system.modules.lookup("chain_c").text_addr


def test_modload_failures_name_the_module_and_strerror(system):
    status, _, err = run(system, "modload fibo\nmodload fibo\nmodload oldversion\nmodload nowhere")
    assert err.splitlines() == ["modload: fibo: File exists", "modload: oldversion: Program version wrong",
                                "modload: nowhere: No such file or directory"]
    assert status == 1


def test_modload_options_build_the_dictionary(system):
    _, out, _ = run(system, "modload -i count=10k -s greeting=hi -b verbose=no props")
    assert "props: count = 10240" in out and 'props: greeting = "hi"' in out and "props: verbose = false" in out


def test_modload_rejects_bad_option_values(system):
    _, _, err = run(system, "modload -b verbose=maybe props\nmodload -i count=ten props\n"
                            "modload -s greeting props\nmodload")
    assert err.splitlines()[:3] == ["modload: Invalid boolean value `maybe'",
                                    "modload: Invalid integer value `ten': Invalid argument",
                                    "modload: Invalid parameter `greeting'"]
    assert err.splitlines()[3].startswith("Usage: modload [-fP]")


def test_modload_p_prints_the_xml_dictionary(system):
    _, out, _ = run(system, "modload -p -i count=3")
    assert "<key>count</key>" in out and "<integer>3</integer>" in out


def test_modunload_messages(system):
    status, _, err = run(system, "modload chain_a\nmodunload chain_c\nmodunload nothere\nmodunload")
    assert err.splitlines() == ["modunload: chain_c: Device busy", "modunload: nothere: No such file or directory",
                                "Usage: modunload <module_name ...>"]


def test_modstat_answers_a_and_e(system):
    _, out, err = run(system, "modstat -a\nmodstat -e\nsysctl kern.module.autoload=0\nmodstat -A")
    assert out.splitlines()[:2] == ["Modules can be autoloaded.", "You can load modules."]
    assert err.strip() == "modstat: Modules can be autoloaded, but kern.module.autoload = 0."


def test_sysctl_lists_and_sets_kern_module(system):
    _, out, err = run(system, "sysctl kern.module.autotime\nsysctl kern.module.autotime=-1\n"
                              "sysctl kern.module.path\nsysctl kern.module.nothing")
    assert out.splitlines()[0] == "kern.module.autotime = 10"
    machine = "amd64" if system.arch == "x86_64" else "i386"
    assert out.splitlines()[1] == f"kern.module.path = /stand/{machine}/10.0/modules"
    assert "Invalid argument" in err.splitlines()[0]


def test_sleep_lets_the_auto_unload_thread_run(system):
    _, out, _ = run(system, "modload chain_a\nmodunload chain_a\nsleep 11\nmodstat")
    assert out.splitlines()[-1] == "NAME             CLASS    SOURCE   FLAG  REFS    SIZE REQUIRES "


def test_the_device_through_mknod_and_od(system):
    major = system.devsw  # attached below
    _, out, _ = run(system, "modload fibo")
    major = system.devsw.conv["fibo"][1]
    _, out, err = run(system, f"mknod /dev/fibo0 c {major} 0\nod -An -tu4 -N 16 /dev/fibo0")
    assert out.split() == ["1", "1", "2", "3"], err


def test_the_stat_buffer_has_count_records_and_required_strings(system):
    from kemu.os.netbsd.commands import read_stat_buffer
    system.modctl_load("chain_a")
    data = system.modctl_stat_buffer()
    assert int.from_bytes(data[:4], "little") == 3
    assert data[4:4 + 7] == b"chain_a"
    assert data[4 + 3 * 64:] == b"\0chain_b,chain_c\0chain_c\0"
    assert read_stat_buffer(data, system.arch) == system.modctl_stat()


def test_modstat_shows_a_disabled_builtin_with_minus_one_refs(system):
    from kemu.os.netbsd.modinfo import ModInfo
    system.modules.add_builtin(ModInfo(1000000000, 6, "kemu_bufq", None))
    _, out, _ = run(system, "modunload kemu_bufq\nmodstat")
    assert out.splitlines()[-1] == "kemu_bufq        bufq     builtin  -       -1       - -"


def test_a_builtin_secmodel_cannot_be_unloaded(system):
    from kemu.os.netbsd.modinfo import ModInfo
    system.modules.add_builtin(ModInfo(1000000000, 5, "kemu_secmodel", None))
    status, _, err = run(system, "sysctl kern.module.verbose=1\nmodunload kemu_secmodel")
    assert err == "modunload: kemu_secmodel: Operation not permitted\n"
    assert "DEBUG: module: cannot unload built-in secmodel module `kemu_secmodel'" in system.dmesg()
