"""insmod and rmmod on the committed kbuild fixtures, both arches, with 6.1's messages."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.insmod import InsmodError
from kemu.os.linux.procfs import lsmod, proc_modules
from kemu.os.linux.rmmod import RmmodError

from .conftest import ARCHES, ko


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def load(linux, name):
    return linux.insmod(str(ko(linux.arch, name)))


def messages(linux):
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines()]


def test_hello_prints_at_init_and_exit(linux):
    load(linux, "hello")
    linux.rmmod("hello")
    assert messages(linux) == [
        "hello: loading out-of-tree module taints kernel.",
        "hello: module verification failed: signature and/or required key missing - tainting kernel",
        "Hello, world",
        "Goodbye",
    ]
    assert linux.modules() == []


def test_dmesg_lines_carry_virtual_clock_timestamps(linux):
    linux.kernel.clock.advance(250 * 3 + 25)      # 3.1 s at HZ=250
    load(linux, "hello")
    assert linux.dmesg().splitlines()[-1] == "[    3.100000] Hello, world"


def test_taint_messages_are_printed_once_per_kernel(linux):
    load(linux, "hello")
    load(linux, "noexit")
    text = linux.dmesg()
    assert text.count("loading out-of-tree module taints kernel") == 1
    assert text.count("module verification failed") == 1


def test_second_load_of_the_same_module_is_eexist(linux):
    load(linux, "hello")
    with pytest.raises(InsmodError) as exc:
        load(linux, "hello")
    assert exc.value.name == "EEXIST"
    assert exc.value.output == f"insmod: ERROR: could not insert module {ko(linux.arch, 'hello')}: File exists\n"


def test_init_failure_unwinds_and_reports_the_errno(linux):
    with pytest.raises(InsmodError) as exc:
        load(linux, "initfail")
    assert exc.value.name == "ENODEV"
    assert exc.value.output.endswith(": No such device\n")
    assert linux.modules() == [] and linux.kernel.heap.leaks() == []


def test_stacked_module_uses_exports_and_holds_its_provider(linux):
    load(linux, "stack_base")
    load(linux, "stack_user")
    assert "stack_user: 2 + 3 = 5, secret 42, 2 calls so far" in messages(linux)
    assert "stack_user: through a pointer, 20 + 22 = 42" in messages(linux)
    lines = lsmod(linux).splitlines()
    assert lines[0] == "Module                  Size  Used by"
    assert lines[2] == f"{'stack_base':<19} {linux.find_module('stack_base').size:8d}  1 stack_user"
    with pytest.raises(RmmodError) as exc:
        linux.rmmod("stack_base")
    assert exc.value.output == "rmmod: ERROR: Module stack_base is in use by: stack_user\n"
    linux.rmmod("stack_user")
    linux.rmmod("stack_base")
    assert messages(linux)[-2:] == ["stack_user: leaving after 3 calls", "stack_base: 3 calls served"]


def test_exports_are_published_with_crc_and_gpl_flag(linux):
    base = load(linux, "stack_base")
    secret = linux.kernel.symbols.get("stack_base_secret")
    add = linux.kernel.symbols.get("stack_base_add")
    assert secret.owner == "stack_base" and secret.license == "GPL" and secret.crc is not None
    assert add.license is None and base.exports
    linux.rmmod("stack_base")
    assert linux.kernel.symbols.get("stack_base_add") is None


def test_non_gpl_module_cannot_see_gpl_only_exports(linux):
    load(linux, "stack_base")
    with pytest.raises(InsmodError) as exc:
        load(linux, "stack_proprietary")
    assert exc.value.name == "ENOENT"
    assert exc.value.output.endswith(": Unknown symbol in module\n")
    assert messages(linux)[-3:] == [
        "stack_proprietary: module license 'Proprietary' taints kernel.",
        "Disabling lock debugging due to kernel taint",
        "stack_proprietary: Unknown symbol stack_base_secret (err -2)",
    ]
    assert [m.name for m in linux.modules()] == ["stack_base"]


def test_module_without_exit_cannot_be_removed(linux):
    load(linux, "noexit")
    with pytest.raises(RmmodError) as exc:
        linux.rmmod("noexit")
    assert exc.value.output == "rmmod: ERROR: could not remove module noexit: Device or resource busy\n"
    assert " [permanent], Live " in proc_modules(linux)


def test_rmmod_of_a_module_not_loaded(linux):
    with pytest.raises(RmmodError) as exc:
        linux.rmmod("hello.ko")
    assert exc.value.output == "rmmod: ERROR: Module hello is not currently loaded\n"


def test_proc_modules_line_format(linux):
    m = load(linux, "hello")
    width = 2 * linux.machine.word_size
    assert proc_modules(linux) == f"hello {m.size} 0 - Live 0x{m.base:0{width}x} (OE)\n"


def test_symbol_crc_mismatch_is_refused_with_the_kernel_message(linux, tmp_path):
    data = bytearray(ko(linux.arch, "hello").read_bytes())
    crc = linux.kernel.symbols.get("_printk").crc
    at = data.find(crc.to_bytes(4, "little") + bytes(linux.machine.word_size - 4) + b"_printk\0")
    assert at > 0
    data[at] ^= 0xFF
    bad = tmp_path / "hello.ko"
    bad.write_bytes(bytes(data))
    with pytest.raises(InsmodError) as exc:
        linux.insmod(str(bad))
    assert exc.value.name == "EINVAL" and exc.value.output.endswith(": Invalid parameters\n")
    assert messages(linux)[-2:] == ["hello: disagrees about version of symbol _printk",
                                    "hello: Unknown symbol _printk (err -22)"]


def test_vermagic_of_another_flavour_is_refused(linux, tmp_path):
    data = ko(linux.arch, "hello").read_bytes()
    old = b"SMP preempt mod_unload modversions "
    bad = tmp_path / "hello.ko"
    bad.write_bytes(data.replace(old, b"SMP preempt mod_unload modversionX "))
    with pytest.raises(InsmodError) as exc:
        linux.insmod(str(bad))
    assert exc.value.name == "ENOEXEC" and exc.value.output.endswith(": Invalid module format\n")
    assert "hello: version magic '" in messages(linux)[-1] and "should be" in messages(linux)[-1]


def test_vermagic_release_word_is_skipped_with_modversions(linux, tmp_path):
    data = ko(linux.arch, "hello").read_bytes()
    bad = tmp_path / "hello.ko"
    bad.write_bytes(data.replace(b"vermagic=6.1.0-57-", b"vermagic=6.1.0-18-"))
    load_ok = linux.insmod(str(bad))
    assert load_ok.name == "hello"


def test_not_an_elf_file_is_invalid_module_format(linux, tmp_path):
    bad = tmp_path / "junk.ko"
    bad.write_bytes(b"not a module at all" * 10)
    with pytest.raises(InsmodError) as exc:
        linux.insmod(str(bad))
    assert exc.value.output.endswith("junk.ko: Invalid module format\n")
    assert messages(linux)[-1] == "Invalid ELF header magic: != \\x7fELF"
    load(linux, "hello")      # the machine stays usable


def test_module_of_the_other_arch_is_refused(linux):
    other = "i386" if linux.arch == "x86_64" else "x86_64"
    with pytest.raises(InsmodError) as exc:
        linux.insmod(str(ko(other, "hello")))
    assert exc.value.name == "ENOEXEC"
    assert messages(linux)[-1].startswith("Invalid architecture in ELF header: ")


def test_missing_file_message(linux, tmp_path):
    with pytest.raises(InsmodError) as exc:
        linux.insmod(str(tmp_path / "nope.ko"))
    assert exc.value.output == f"insmod: ERROR: could not load module {tmp_path / 'nope.ko'}: No such file or directory\n"


def test_signature_trailer_is_tolerated_and_counts_as_signed(linux, tmp_path):
    body = ko(linux.arch, "hello").read_bytes()
    sig = b"S" * 32
    info = bytes([0, 0, 2, 0, 0, 0, 0, 0]) + len(sig).to_bytes(4, "big")
    signed = tmp_path / "hello.ko"
    signed.write_bytes(body + sig + info + b"~Module signature appended~\n")
    linux.insmod(str(signed))
    assert "module verification failed" not in linux.dmesg()
    assert proc_modules(linux).endswith(" (O)\n")


def test_init_code_is_gone_after_init(linux):
    from kemu.kernel import GuestCrash
    m = load(linux, "hello")
    init = next(p for p in m.image.placements if p.name == ".init.text")
    assert m.os["init_freed"] >= init.size > 0
    with pytest.raises(GuestCrash):
        linux.call_kernel_pointer(init.addr, what="hello: stale init")
    linux.rmmod("hello")          # the machine and the module carry on
    assert linux.dmesg().splitlines()[-1].endswith("] Goodbye")


def test_force_loads_a_wrong_vermagic_and_taints_f(linux, tmp_path):
    bad = tmp_path / "hello.ko"
    bad.write_bytes(ko(linux.arch, "hello").read_bytes().replace(b" modversions ", b" modversionX "))
    m = linux.insmod(str(bad), force=True)
    # insmod -f strips __versions too, and module_layout is checked before the vermagic
    assert messages(linux)[0] == "hello: module_layout: kernel tainted."
    assert "F" in m.os["taints"]
    assert proc_modules(linux).endswith(" (FOE)\n")


def test_force_ignores_symbol_crcs(linux, tmp_path):
    data = bytearray(ko(linux.arch, "hello").read_bytes())
    crc = linux.kernel.symbols.get("_printk").crc
    at = data.find(crc.to_bytes(4, "little") + bytes(linux.machine.word_size - 4) + b"_printk\0")
    data[at] ^= 0xFF
    bad = tmp_path / "hello.ko"
    bad.write_bytes(bytes(data))
    linux.insmod(str(bad), force=True)
    assert messages(linux)[-1] == "Hello, world"
    assert not any("disagrees" in line for line in messages(linux))


def test_forced_rmmod_runs_no_exit_of_a_permanent_module(linux):
    load(linux, "noexit")
    linux.rmmod("noexit", force=True)
    assert linux.modules() == [] and "R" in linux.taints


def test_forced_rmmod_still_refused_while_another_module_uses_it(linux):
    load(linux, "stack_base")
    load(linux, "stack_user")
    with pytest.raises(RmmodError) as exc:
        linux.rmmod("stack_base", force=True)
    assert exc.value.output == ("rmmod: ERROR: could not remove module stack_base: "
                                "Resource temporarily unavailable\n")


def test_try_module_get_holds_the_module_until_module_put(linux):
    m = load(linux, "hello")
    k = linux.kernel
    this = m.os["this_module"]
    assert linux.call_kernel_pointer(k.installed["try_module_get"][1], this, what="get") == 1
    assert lsmod(linux).splitlines()[1].split()[2] == "1"
    with pytest.raises(RmmodError):
        linux.rmmod("hello")
    linux.call_kernel_pointer(k.installed["module_put"][1], this, what="put")
    linux.rmmod("hello")
    assert linux.call_kernel_pointer(k.installed["try_module_get"][1], 0, what="get") == 1
