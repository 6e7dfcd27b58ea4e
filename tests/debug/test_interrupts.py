"""Ctrl-C under the debugger stops the running module where it is ("Program received signal
SIGINT"), at kemu's prompt and through the GDB stub (gdb's interrupt byte)."""
import io
import re
import signal
import socket
import sys
import threading
import time

import pytest

import kemu
from kemu.debug import rsp
from kemu.debug.gdbstub import GdbServer
from kemu.debug.launch import DebugLaunch

from test_interactive_pty import ANSI, Terminal
from debug_helpers import after
from test_time_limits import spin_path


def test_ctrl_c_stops_a_runaway_load_handler_at_the_prompt_and_the_session_goes_on():
    term = Terminal([sys.executable, "-m", "kemu", "debug", "--no-context", "--timeout", "30",
                     spin_path("i386"), "-e", "spin_lkmentry"])
    try:
        term.read_until(r"\(kemu\) $")
        term.send("continue")
        term.read_until(r"spin: entering an endless loop")
        time.sleep(0.2)
        t0 = time.monotonic()
        term.proc.send_signal(signal.SIGINT)
        shown = ANSI.sub("", term.read_until(r"\(kemu\) $", timeout=20))
        assert time.monotonic() - t0 < 10                        # not the 30 s time limit
        assert "Program received signal SIGINT, Interrupt." in shown
        assert re.search(r"0x[0-9a-f]+ in spin_load \(\)", shown)
        term.send("p 6*7")                                        # a stop like any other
        assert "$1 = 42" in ANSI.sub("", term.read_until(r"\$1 = 42"))
        term.send("continue")                                     # and again
        term.read_until(r"Continuing\.")
        time.sleep(0.2)
        term.proc.send_signal(signal.SIGINT)
        assert "Program received signal SIGINT" in ANSI.sub("", term.read_until(r"\(kemu\) $", timeout=20))
        term.proc.send_signal(signal.SIGINT)                      # at the prompt: gdb's "Quit"
        assert "Quit" in term.read_until(r"Quit\s*\n\(kemu\) $")
        term.send("kill")
        shown = ANSI.sub("", term.read_until(r"\(kemu\) $"))
        assert "modload: error initializing module" in shown      # the load is abandoned cleanly
        term.send("modstat")
        assert "spin" not in ANSI.sub("", term.read_until(r"\(kemu\) $")).split("modstat", 1)[1]
        term.send("quit")
        assert term.close() == 14            # kemu debug's status is the failed load's (modload's)
    finally:
        if term.proc.poll() is None:
            term.proc.kill()


class RspClient:
    """Just enough of gdb's side of the remote protocol to drive the stub."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.reader = rsp.PacketReader()
        self.packets: list[bytes] = []

    def send(self, payload: bytes) -> None:
        self.sock.sendall(rsp.frame(payload))

    def reply(self) -> bytes:
        while not self.packets:
            data = self.sock.recv(65536)
            assert data, "the stub closed the connection"
            self.packets += [body for kind, body in self.reader.feed(data) if kind == "packet"]
        self.sock.sendall(b"+")
        return self.packets.pop(0)


def test_gdb_interrupt_byte_stops_the_running_module_with_sigint():
    system = kemu.boot("netbsd-lkm", "i386", call_timeout=30)
    out = io.StringIO()
    system.console = out.write
    launch = DebugLaunch(system, out=out, err=out, context=False)
    server = GdbServer(launch.session.stub_target(), "127.0.0.1", 0)
    launch.session.remote = server
    images = []
    launch.on_module.append(lambda info, module: images.append(module.image))
    seen: dict[str, bytes] = {}

    def gdb() -> None:
        client = RspClient(server.port)
        client.send(b"?")
        seen["first"] = client.reply()
        client.send(b"c")
        time.sleep(0.3)                     # spin_load is spinning by now
        client.sock.sendall(b"\x03")
        seen["interrupted"] = client.reply()
        client.send(b"p8")                  # eip
        seen["pc"] = client.reply()
        client.send(b"k")
        client.sock.close()

    thread = threading.Thread(target=gdb)
    thread.start()
    launch.run(spin_path("i386"), iter([]), entry="spin_lkmentry")
    thread.join(timeout=30)
    assert seen["first"].startswith(b"T05")
    assert seen["interrupted"].startswith(b"T02")          # SIGINT, as gdb expects after ^C
    pc = int.from_bytes(bytes.fromhex(seen["pc"].decode()), "little")
    assert images[0].symbolize(pc)[0] == "spin_load"
    assert system.modstat() == []                         # killed: nothing half-loaded


def test_after_an_interrupt_stepi_runs_exactly_the_interrupted_instruction():
    system = kemu.boot("netbsd-lkm", "x86_64", call_timeout=30)
    m = system.machine
    out = io.StringIO()
    system.console = out.write
    launch = DebugLaunch(system, out=out, err=out, context=False, echo_commands=True)
    pcs = []

    def lines():
        threading.Timer(0.3, m.interrupt).start()     # what Ctrl-C does
        yield "continue"
        insn = m.disassemble(m.regs.read("pc"), 1)[0]
        pcs.append(insn.address)
        expected = insn.target if insn.mnemonic == "jmp" else insn.address + insn.size
        yield "stepi"
        pcs.append((m.regs.read("pc"), expected))
        yield "kill"
    launch.run(spin_path("x86_64"), lines(), entry="spin_lkmentry")
    text = out.getvalue()
    assert "Program received signal SIGINT, Interrupt." in after(text, "continue")
    interrupted, (stepped_to, expected) = pcs
    assert stepped_to == expected
    assert "spin_load" in after(text, "stepi")
