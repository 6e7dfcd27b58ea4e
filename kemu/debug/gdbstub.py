"""A GDB remote stub serving the debugger's stop points to a real gdb (`target remote`).

The stub is a frontend like the command line: when the guest stops (entry point, breakpoint,
single step, watchpoint) the debugger calls `on_stop(stop)` from inside its Unicorn hook; the
stub sends the stop reply gdb is waiting for, then answers packets (registers, memory,
breakpoints) until gdb resumes (`c`, `s`, `vCont`), detaches (`D`) or kills (`k`), and returns
that decision. While the guest runs, a thread waits on the socket for gdb's interrupt byte
(`\x03`, Ctrl-C in gdb) and asks the machine to stop (`StubTarget.interrupt`); the guest then
stops where it is and gdb gets `T02` (SIGINT). That thread sleeps in `select`: an attached gdb
costs the guest nothing.

Breakpoints stay in kemu (range-restricted code hooks), never patched into guest memory, so
`m` packets show the module's real bytes. It listens on 127.0.0.1 unless a host is given.
"""
from __future__ import annotations

import select
import socket
import threading
from dataclasses import dataclass
from typing import Protocol

from kemu.debug import rsp
from kemu.debug.target_xml import register_layout, target_xml
from kemu.machine.helper_thread import start_helper_thread

SIGTRAP = 5
SIGKILL = 9
SIGINT = 2


@dataclass(frozen=True)
class Stop:
    """Why and where the guest stopped, as the stub reports it."""
    pc: int
    reason: str                      # "entry" | "breakpoint" | "step" | "watch" | "interrupt"
    watch_addr: int | None = None


@dataclass(frozen=True)
class Resume:
    """What gdb asked for: "continue", "step", "detach" or "kill"; optional new pc."""
    action: str
    address: int | None = None


class StubTarget(Protocol):
    """What the stub needs from the debugger core."""
    arch: str

    def read_register(self, name: str) -> int | None: ...
    def write_register(self, name: str, value: int) -> None: ...
    def read_memory(self, addr: int, size: int) -> bytes: ...
    def write_memory(self, addr: int, data: bytes) -> None: ...
    def insert_breakpoint(self, addr: int) -> bool: ...
    def remove_breakpoint(self, addr: int) -> bool: ...
    def insert_watchpoint(self, addr: int, size: int) -> bool: ...
    def remove_watchpoint(self, addr: int, size: int) -> bool: ...
    def interrupt(self) -> None: ...   # from another thread: stop the running guest


class StubConnectionClosed(Exception):
    """gdb went away without detaching."""


def parse_listen_address(text: str) -> tuple[str, int]:
    """`PORT`, `:PORT` or `HOST:PORT` → (host, port); loopback unless a host is given."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = "", text
    host = host.strip("[]") or "127.0.0.1"
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"--gdb {text!r}: the port must be a number (e.g. 1234 or 127.0.0.1:1234)") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"--gdb {text!r}: port {port} is out of range 0-65535")
    return host, port


class PacketHandler:
    """Answers gdb's packets against a StubTarget; transport-free so it can be tested directly."""

    def __init__(self, target: StubTarget):
        self.target = target
        self.layout = register_layout(target.arch)
        self.xml = target_xml(target.arch).encode()
        self.swbreak = False
        self.no_ack = False
        self.last_stop: Stop | None = None

    # ---- stop replies -------------------------------------------------------------------
    def stop_reply(self, stop: Stop) -> bytes:
        self.last_stop = stop
        parts = [b"T%02x" % (SIGINT if stop.reason == "interrupt" else SIGTRAP)]
        if stop.reason == "watch" and stop.watch_addr is not None:
            parts.append(b"watch:%x;" % stop.watch_addr)
        elif stop.reason == "breakpoint" and self.swbreak:
            parts.append(b"swbreak:;")
        pc_index = self._pc_index()
        pc = self.target.read_register(self.layout[pc_index].name)
        if pc is not None:
            parts.append(b"%02x:%s;" % (pc_index, self._encode_reg(self.layout[pc_index], pc)))
        parts.append(b"thread:1;")
        return b"".join(parts)

    def _pc_index(self) -> int:
        for i, r in enumerate(self.layout):
            if r.name in ("eip", "rip"):
                return i
        raise AssertionError("layout without a program counter")

    # ---- packets ----------------------------------------------------------------------
    def handle(self, packet: bytes) -> tuple[bytes | None, Resume | None]:
        """(reply or None for no reply, resume decision or None to keep serving)."""
        try:
            return self._dispatch(packet)
        except rsp.ProtocolError:
            return b"E01", None

    def _dispatch(self, p: bytes) -> tuple[bytes | None, Resume | None]:
        if not p:
            return b"", None
        c = p[:1]
        if p.startswith(b"qSupported"):
            features = p.partition(b":")[2].split(b";")
            self.swbreak = b"swbreak+" in features
            return (b"PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;"
                    b"QStartNoAckMode+;vContSupported+"), None
        if p == b"QStartNoAckMode":
            self.no_ack = True
            return b"OK", None
        if p.startswith(b"qXfer:features:read:"):
            return self._xfer_features(p[len(b"qXfer:features:read:"):]), None
        if p == b"?":
            return self.stop_reply(self.last_stop or Stop(0, "entry")), None
        if c == b"g":
            return b"".join(self._reg_hex(r) for r in self.layout), None
        if c == b"G":
            return self._write_all_registers(p[1:]), None
        if c == b"p":
            n = rsp.parse_hex_int(p[1:], "register number")
            if n >= len(self.layout):
                return b"E45", None
            return self._reg_hex(self.layout[n]), None
        if c == b"P":
            num, _, val = p[1:].partition(b"=")
            n = rsp.parse_hex_int(num, "register number")
            if n >= len(self.layout):
                return b"E45", None
            reg = self.layout[n]
            raw = rsp.hex_decode(val, "register value")
            if len(raw) != reg.size:
                return b"E22", None
            return (b"OK" if self._write_reg(reg, int.from_bytes(raw, "little")) else b"E22"), None
        if c == b"m":
            addr, _, length = p[1:].partition(b",")
            a = rsp.parse_hex_int(addr, "address")
            n = rsp.parse_hex_int(length, "length")
            if n > 0x10000:
                return b"E22", None
            try:
                return rsp.hex_encode(self.target.read_memory(a, n)), None
            except Exception:
                return b"E14", None
        if c == b"M":
            head, _, data = p[1:].partition(b":")
            addr, _, length = head.partition(b",")
            a = rsp.parse_hex_int(addr, "address")
            n = rsp.parse_hex_int(length, "length")
            raw = rsp.hex_decode(data, "memory data")
            if len(raw) != n:
                return b"E22", None
            try:
                self.target.write_memory(a, raw)
            except Exception:
                return b"E14", None
            return b"OK", None
        if c in (b"Z", b"z"):
            return self._breakpoint(c == b"Z", p[1:]), None
        if c == b"c":
            return None, Resume("continue", rsp.parse_hex_int(p[1:], "address") if len(p) > 1 else None)
        if c == b"s":
            return None, Resume("step", rsp.parse_hex_int(p[1:], "address") if len(p) > 1 else None)
        if c in (b"C", b"S"):
            action = "continue" if c == b"C" else "step"
            _sig, _, addr = p[1:].partition(b";")
            return None, Resume(action, rsp.parse_hex_int(addr, "address") if addr else None)
        if p == b"vCont?":
            return b"vCont;c;C;s;S", None
        if p.startswith(b"vCont;"):
            return self._vcont(p[len(b"vCont;"):])
        if c == b"D":
            return b"OK", Resume("detach")
        if c == b"k" or p.startswith(b"vKill"):
            return (b"OK" if p.startswith(b"vKill") else None), Resume("kill")
        if c == b"H" or c == b"T":
            return b"OK", None
        if p == b"qC":
            return b"QC1", None
        if p == b"qfThreadInfo":
            return b"m1", None
        if p == b"qsThreadInfo":
            return b"l", None
        if p.startswith(b"qAttached"):
            return b"1", None
        if p.startswith(b"qSymbol"):
            return b"OK", None
        if p == b"qOffsets":
            return b"Text=0;Data=0;Bss=0", None
        return b"", None  # the empty reply: "not supported"

    def _vcont(self, actions: bytes) -> tuple[bytes | None, Resume | None]:
        # one thread: the first action that applies to it (or to all threads) decides
        for action in actions.split(b";"):
            verb, _, _thread = action.partition(b":")
            if not verb:
                continue
            kind = verb[:1]
            if kind in (b"c", b"C"):
                return None, Resume("continue")
            if kind in (b"s", b"S"):
                return None, Resume("step")
            if kind == b"t":
                return None, None
        return b"E22", None

    def _xfer_features(self, rest: bytes) -> bytes:
        annex, _, span = rest.partition(b":")
        if annex != b"target.xml":
            return b"E00"
        off_text, _, len_text = span.partition(b",")
        off = rsp.parse_hex_int(off_text, "offset")
        length = rsp.parse_hex_int(len_text, "length")
        chunk = self.xml[off:off + length]
        more = off + length < len(self.xml)
        return (b"m" if more else b"l") + chunk

    def _breakpoint(self, insert: bool, body: bytes) -> bytes:
        kind, _, rest = body.partition(b",")
        addr_text, _, size_text = rest.partition(b",")
        size_text = size_text.partition(b";")[0]
        addr = rsp.parse_hex_int(addr_text, "address")
        size = rsp.parse_hex_int(size_text, "kind") if size_text else 1
        t = self.target
        if kind in (b"0", b"1"):
            ok = t.insert_breakpoint(addr) if insert else t.remove_breakpoint(addr)
        elif kind == b"2":
            ok = t.insert_watchpoint(addr, size) if insert else t.remove_watchpoint(addr, size)
        else:
            return b""   # read and access watchpoints: not supported
        return b"OK" if ok else b"E22"

    # ---- registers ----------------------------------------------------------------------
    @staticmethod
    def _encode_reg(reg, value: int) -> bytes:
        return rsp.hex_encode((value & ((1 << reg.bits) - 1)).to_bytes(reg.size, "little"))

    def _reg_hex(self, reg) -> bytes:
        value = self.target.read_register(reg.name)
        if value is None:
            return b"xx" * reg.size
        return self._encode_reg(reg, value)

    def _write_reg(self, reg, value: int) -> bool:
        try:
            self.target.write_register(reg.name, value)
            return True
        except Exception:
            return False

    def _write_all_registers(self, data: bytes) -> bytes:
        raw = rsp.hex_decode(data.replace(b"x", b"0"), "register block")
        pos = 0
        for reg in self.layout:
            if pos + reg.size > len(raw):
                break
            chunk = raw[pos:pos + reg.size]
            pos += reg.size
            current = self.target.read_register(reg.name)
            new = int.from_bytes(chunk, "little")
            if current is not None and new != current:
                self._write_reg(reg, new)
        return b"OK"


class GdbServer:
    """The socket side: listens, accepts one gdb, frames packets, and runs the stop loop."""

    def __init__(self, target: StubTarget, host: str = "127.0.0.1", port: int = 0,
                 log=None):
        self.handler = PacketHandler(target)
        self.listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port))
        self.listener.listen(1)
        self.host, self.port = self.listener.getsockname()[:2]
        self.conn: socket.socket | None = None
        self.reader = rsp.PacketReader()
        self.pending: list[tuple[str, bytes]] = []
        self.waiting_for_stop = False
        self.detached = False
        self.log = log
        self._watcher: threading.Thread | None = None   # reads gdb's \x03 while the guest runs
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._peer_closed = False

    # ---- transport ----------------------------------------------------------------------
    def accept(self) -> None:
        self.conn, _ = self.listener.accept()
        self.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, payload: bytes) -> None:
        assert self.conn is not None
        if self.log:
            self.log(f"<- {payload[:200]!r}")
        self.conn.sendall(rsp.frame(payload))

    def _next_event(self) -> tuple[str, bytes]:
        assert self.conn is not None
        while not self.pending:
            if self._peer_closed:
                raise StubConnectionClosed("gdb closed the connection")
            data = self.conn.recv(65536)
            if not data:
                raise StubConnectionClosed("gdb closed the connection")
            self.pending.extend(self.reader.feed(data))
        return self.pending.pop(0)

    # ---- while the guest runs ---------------------------------------------------------------
    def _watch_for_interrupts(self) -> None:
        """Start the thread that turns gdb's interrupt byte into a machine interrupt."""
        if self.conn is None or self._watcher is not None:
            return
        self._wake = socket.socketpair()
        self._watcher = start_helper_thread(self._watch, args=(self.conn, self._wake[0]),
                                            name="kemu-gdb-interrupt")

    def _watch(self, conn: socket.socket, wake: socket.socket) -> None:
        """(thread) Until woken: read what gdb sends; `\x03` interrupts, the rest (acks) is
        kept for the stop loop, in order."""
        while True:
            try:
                ready, _, _ = select.select([conn, wake], [], [])
            except (OSError, ValueError):
                return
            if wake in ready:
                return
            try:
                data = conn.recv(65536)
            except OSError:
                data = b""
            if not data:
                self._peer_closed = True
                return
            for event in self.reader.feed(data):
                if event[0] == "interrupt":
                    self.handler.target.interrupt()
                else:
                    self.pending.append(event)

    def _stop_watching(self) -> None:
        if self._watcher is None:
            return
        self._wake[1].send(b"x")
        self._watcher.join()
        for s in self._wake:
            s.close()
        self._watcher = self._wake = None

    # ---- the stop loop --------------------------------------------------------------------
    def on_stop(self, stop: Stop) -> Resume:
        """Report the stop if gdb waits for one, then serve packets until gdb resumes."""
        self._stop_watching()
        if self.conn is None:
            self.accept()
        if self.waiting_for_stop:
            self._send(self.handler.stop_reply(stop))
            self.waiting_for_stop = False
        else:
            self.handler.last_stop = stop
        while True:
            try:
                kind, payload = self._next_event()
            except (StubConnectionClosed, OSError):
                self.close()
                return Resume("detach")
            if kind == "bad":
                self.conn.sendall(b"-")
                continue
            if kind in ("ack", "nak"):
                continue
            if kind == "interrupt":
                self._send(self.handler.stop_reply(Stop(stop.pc, "interrupt")))
                continue
            if not self.handler.no_ack:
                self.conn.sendall(b"+")
            if self.log:
                self.log(f"-> {payload[:200]!r}")
            reply, resume = self.handler.handle(payload)
            if reply is not None:
                self._send(reply)
            if resume is not None:
                if resume.action in ("continue", "step"):
                    self.waiting_for_stop = True
                    self._watch_for_interrupts()
                elif resume.action == "detach":
                    self.detached = True
                    self.close()
                else:
                    self.close()
                return resume

    def finish(self, exit_code: int = 0) -> None:
        """The guest has nothing more to run: tell a waiting gdb the program exited, and close."""
        if self.conn is not None and self.waiting_for_stop:
            try:
                self._send(b"W%02x" % (exit_code & 0xFF))
            except OSError:
                pass
        self.close()

    def close(self) -> None:
        self._stop_watching()
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None
        try:
            self.listener.close()
        except OSError:
            pass
