"""The mutant that killed the process: callbacks.kmod with `mov %eax,%dr7` planted in its
unload callback (0xc10000b0 in eax arms watchpoints Unicorn 2 mishandles; it read host memory
or died with SIGILL). Now the callback's oops names the instruction, nothing is armed, and the
machine loads and unloads modules as before."""
from __future__ import annotations

from kemu.os import boot
from kemu.paths import FIXTURES

from .personalities import command

CALLBACKS = FIXTURES / "netbsd" / "i386" / "gcc" / "callbacks" / "callbacks.kmod"
PLANTED_AT = 367                # `add $0xc,%esp` in callbacks_unload, 3 bytes like the mov
MOV_EAX_TO_DR7 = bytes.fromhex("0f23f8")


def test_a_planted_dr7_write_is_an_oops_and_the_machine_carries_on(tmp_path):
    data = bytearray(CALLBACKS.read_bytes())
    assert data[PLANTED_AT:PLANTED_AT + 3] == bytes.fromhex("83c40c")
    data[PLANTED_AT:PLANTED_AT + 3] = MOV_EAX_TO_DR7
    (tmp_path / "callbacks.kmod").write_bytes(bytes(data))
    system = boot("netbsd", "i386")
    assert command(system, f"modload {tmp_path / 'callbacks.kmod'}")[0] == 0
    status, text = command(system, "modunload callbacks")     # the callback faults, the unload goes on
    assert "mov to %dr7 at callbacks_unload+" in text
    assert system.machine.regs.read("dr7") & 0xff == 0
    fibo = FIXTURES / "netbsd" / "i386" / "gcc" / "fibo" / "fibo.kmod"
    for line in (f"modload {fibo}", "modunload fibo", f"modload {fibo}", "modunload fibo"):
        status, text = command(system, line)
        assert status == 0, text
