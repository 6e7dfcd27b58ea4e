"""eventhandler(9): klds registering and invoking, the kld events of kern_linker.c, the
shutdown events of kern_reboot, and handlers a kld leaves behind. Fixtures evhook and evveto
(guest/freebsd/) on both arches."""
from __future__ import annotations

import pytest

from kemu.kernel import GuestCrash

import kemu

from .conftest import expect_error, fixture_dir
from .test_commands import Console

RB_NOSYNC, RB_HALT = 0x4, 0x8
HALTED = ["", "The operating system has halted.", "Please press any key to reboot.", ""]


def lines_after(system, mark: int) -> list[str]:
    return system.dmesg()[mark:].splitlines()


def call(system, name: str, *args: int) -> int:
    return system.call_guest(system.kernel.symbols.lookup(name), *args, what=name)


def guest_string(system, text: bytes) -> int:
    addr = system.kernel.heap.alloc(len(text) + 1, "test")
    system.machine.mem.write(addr, text + b"\0")
    return addr


def test_invoke_in_a_kld_runs_handlers_by_priority_and_skips_a_deregistered_one(system):
    mark = len(system.dmesg())
    system.kldload("evhook")
    assert lines_after(system, mark)[:5] == [
        "evhook: ping 7 at priority 0 (first)",
        "evhook: ping 7 at priority 10000 (any)",
        "evhook: ping 7 at priority 20000 (last)",
        "evhook: ping 8 at priority 0 (first)",
        "evhook: ping 8 at priority 20000 (last)",
    ]


def test_kld_load_handlers_get_the_real_linker_file_of_each_new_file(system):
    system.kldload("evhook")
    mark = len(system.dmesg())
    fid = system.kldload("fibo")
    st = system.kldstat(fid)
    assert f"evhook: kld_load fibo.ko id {fid} refs 1 linked 1 size {st.size:#x}" in lines_after(system, mark)


def test_kld_unload_handlers_hear_the_name_and_size_after_the_file_is_gone(system):
    system.kldload("evhook")
    fid = system.kldload("fibo")
    size = system.kldstat(fid).size
    mark = len(system.dmesg())
    system.kldunload(fid)
    lines = lines_after(system, mark)
    assert lines == ["fibo: FIBONACCI driver unloaded", f"evhook: kld_unload fibo.ko size {size:#x}"]


def test_a_kld_unload_try_handler_vetoes_with_ebusy_before_any_module_hears_of_it(system):
    fid = system.kldload("evlog")
    system.kldload("evveto")
    mark = len(system.dmesg())
    expect_error(system, "EBUSY", system.kldunload, fid)
    assert lines_after(system, mark) == [f"evveto: refusing to unload evlog.ko (id {fid})"]
    assert system.kldfind("evlog.ko") == fid and system.kldstat(fid).refs == 1
    system.sysctl.write(system.sysctl.find("debug.evveto.armed"), 0)
    system.kldunload(fid)


def test_kldunload_refused_by_a_handler_says_device_busy_and_disarming_lets_it_go(arch):
    console = Console(kemu.boot("freebsd", arch), fixture_dir(arch))
    assert console.run("kldload evlog evveto")[0] == 0
    status, out, err = console.run("kldunload evlog")
    assert status == 1
    assert err == "kldunload: can't unload file: Device busy\n"
    assert "evveto: refusing to unload evlog.ko" in out
    assert console.run("sysctl debug.evveto.armed=0")[0] == 0
    assert console.run("kldunload evlog")[0] == 0
    assert console.run("kldunload evveto")[0] == 0          # its own unload is never refused
    assert console.system.eventhandlers.entries(console.system.eventhandlers.find("kld_unload_try")) == []


def test_shutdown_runs_pre_sync_post_sync_with_mod_shutdown_then_final(system):
    system.kldload("evhook")
    mark = len(system.dmesg())
    system.shutdown()
    assert lines_after(system, mark) == [
        "All buffers synced.", "Uptime: 0s", "evhook: MOD_SHUTDOWN",
        "evhook: shutdown_final howto 0 (evhook)", "Rebooting...",
    ]
    assert system.down == 0 and system.kldfind("evhook.ko")


def test_a_halt_prints_the_halted_message_and_nosync_skips_sync_and_mod_shutdown(system):
    system.kldload("evhook")
    system.clock.advance_seconds(3725)
    mark = len(system.dmesg())
    system.shutdown(RB_HALT | RB_NOSYNC)
    assert lines_after(system, mark) == ["Uptime: 1h2m5s", "evhook: shutdown_final howto 0xc (evhook) halting",
                                         *HALTED]


def test_reboot_and_shutdown_commands_take_the_system_down(arch):
    console = Console(kemu.boot("freebsd", arch), fixture_dir(arch))
    console.run("kldload evhook")
    status, out, err = console.run("shutdown -r now")
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == "Shutdown NOW!" and out.splitlines()[-1] == "Rebooting..."
    status, out, _ = console.run("halt")
    assert status == 0 and "evhook: shutdown_final howto 0x8 (evhook) halting" in out
    assert out.endswith("The operating system has halted.\nPlease press any key to reboot.\n\n")
    status, _, err = console.run("shutdown +5")
    assert status == 1 and err == "shutdown: kemu cannot wait until +5: use `now`\n"
    status, _, err = console.run("reboot -x")
    assert status == 1 and err.startswith("reboot: unknown option -- x\nusage: reboot")


def test_handlers_left_by_an_unloaded_kld_are_reported_and_fault_without_stopping_the_machine(system):
    system.kldload("evhook")
    system.sysctl.write(system.sysctl.find("debug.evhook.forget"), 1)
    loaded = system.linker.by_name("evhook.ko").loaded
    mark = len(system.dmesg())
    system.unload("evhook.ko")
    lines = lines_after(system, mark)
    assert "evhook: leaving my handlers registered" in lines
    assert ("kemu: evhook.ko left 3 event handler(s) registered after unload: kld_load, kld_unload, "
            "shutdown_final; running them will fault") in lines
    assert {"eventhandler kld_load", "eventhandler kld_unload", "eventhandler shutdown_final"} <= \
        set(loaded.left_behind)
    mark = len(system.dmesg())
    system.shutdown()                                   # the stale shutdown_final handler faults
    lines = lines_after(system, mark)
    assert any(line.startswith("kemu: fault in shutdown_final handler") for line in lines)
    assert lines[-1] == "Rebooting..."                  # ... and the kernel's own still ran
    fid = system.kldload("evlog")                       # the machine is still usable
    assert system.kldstat(fid).name == "evlog.ko"


def test_find_list_is_null_for_an_unknown_name_and_returns_a_known_list_locked(system):
    eh = system.eventhandlers
    assert call(system, "eventhandler_find_list", guest_string(system, b"nobody")) == 0
    name = guest_string(system, b"demo_event")
    tag = call(system, "eventhandler_register", 0, name, 0x1234, 0x55, 500)
    lst = call(system, "eventhandler_find_list", name)
    assert lst == eh.find("demo_event") and eh.entries(lst)[0].addr == tag
    assert (eh.entries(lst)[0].priority, eh.entries(lst)[0].arg, eh.entries(lst)[0].func) == (500, 0x55, 0x1234)
    assert system.machine.mem.read_ptr(lst + eh.o_lockword) != 4        # held: not MTX_UNOWNED
    call(system, "eventhandler_deregister", lst, tag)
    assert eh.entries(lst) == []
    assert system.machine.mem.read_ptr(lst + eh.o_lockword) == 4


def test_equal_priorities_keep_registration_order_and_null_tag_removes_all(system):
    eh = system.eventhandlers
    name = guest_string(system, b"order_event")
    tags = [call(system, "eventhandler_register", 0, name, f, 0, p)
            for f, p in ((1, 10), (2, 5), (3, 10), (4, 5))]
    lst = eh.find("order_event")
    assert [e.func for e in eh.entries(lst)] == [2, 4, 1, 3]
    assert {e.addr for e in eh.entries(lst)} == set(tags)
    call(system, "eventhandler_deregister", call(system, "eventhandler_find_list", name), 0)
    assert eh.entries(lst) == []


def test_deregistering_from_a_list_not_found_first_panics_and_the_machine_carries_on(system):
    name = guest_string(system, b"unlocked_event")
    tag = call(system, "eventhandler_register", 0, name, 0x10, 0, 0)
    lst = system.eventhandlers.find("unlocked_event")
    with pytest.raises(GuestCrash):
        call(system, "eventhandler_deregister", lst, tag)
    assert "panic: mutex unlocked_event not owned" in system.dmesg()
    with pytest.raises(GuestCrash):
        call(system, "eventhandler_deregister", call(system, "eventhandler_find_list", name), 0xdead0)
    assert 'tag 0xdead0 is not on the "unlocked_event" list' in system.dmesg()
    call(system, "eventhandler_deregister", call(system, "eventhandler_find_list", name), tag)
    assert system.kldload("evlog")
