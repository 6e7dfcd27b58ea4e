"""GDB remote serial protocol framing: `$data#cs` packets, escapes, run-length decoding.

This module knows bytes on the wire and nothing about registers or the machine, so the stub
can be tested packet by packet without a socket. The format is the one GDB documents in
"Remote Protocol / Overview": a packet is `$`, the payload, `#`, and two hex digits of the
payload's modulo-256 sum; `}` escapes `#$}*` by XOR 0x20; `*` introduces a run-length count
(only GDB's replies use it, but a conforming reader decodes it anywhere).
"""
from __future__ import annotations

from dataclasses import dataclass, field

ESCAPE = 0x7D          # '}'
RUN_LENGTH = 0x2A      # '*'
_MUST_ESCAPE = frozenset(b"#$}*")


class ProtocolError(Exception):
    """A malformed packet: the message says which rule it broke."""


def checksum(payload: bytes) -> int:
    """Modulo-256 sum of the payload bytes, as the packet trailer carries it."""
    return sum(payload) & 0xFF


def escape(payload: bytes) -> bytes:
    """Escape the bytes that would end or corrupt a packet (`#`, `$`, `}`, `*`)."""
    if not any(b in _MUST_ESCAPE for b in payload):
        return payload
    out = bytearray()
    for b in payload:
        if b in _MUST_ESCAPE:
            out.append(ESCAPE)
            out.append(b ^ 0x20)
        else:
            out.append(b)
    return bytes(out)


def unescape(payload: bytes) -> bytes:
    """Undo `escape` and expand run-length encoding (`X*n` repeats X n-29 more times)."""
    out = bytearray()
    i = 0
    n = len(payload)
    while i < n:
        b = payload[i]
        if b == ESCAPE:
            if i + 1 >= n:
                raise ProtocolError("escape character '}' at the end of a packet")
            out.append(payload[i + 1] ^ 0x20)
            i += 2
        elif b == RUN_LENGTH:
            if not out or i + 1 >= n:
                raise ProtocolError("run-length marker '*' without a byte to repeat or a count")
            repeat = payload[i + 1] - 29
            if repeat < 0:
                raise ProtocolError(f"run-length count byte 0x{payload[i + 1]:02x} is below 29")
            out.extend(out[-1:] * repeat)
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


def frame(payload: bytes) -> bytes:
    """The complete packet for a payload: `$` + escaped payload + `#` + checksum."""
    body = escape(payload)
    return b"$" + body + b"#" + b"%02x" % checksum(body)


@dataclass
class PacketReader:
    """Splits a byte stream into packets, interrupts (0x03) and acknowledgements.

    `feed(data)` returns the events the data completed, in order: ("packet", payload),
    ("bad", raw) for a checksum mismatch (the caller answers `-`), ("interrupt", b"\\x03"),
    ("ack", b"+") and ("nak", b"-"). Bytes outside packets that are none of those are ignored,
    as GDB's own stubs ignore line noise.
    """

    _buf: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[tuple[str, bytes]]:
        self._buf.extend(data)
        events: list[tuple[str, bytes]] = []
        buf = self._buf
        while buf:
            b = buf[0]
            if b == 0x24:  # '$'
                end = self._find_trailer(buf)
                if end < 0 or end + 3 > len(buf):
                    break  # incomplete: wait for more bytes
                raw_body = bytes(buf[1:end])
                trailer = bytes(buf[end + 1:end + 3])
                del buf[:end + 3]
                try:
                    expected = int(trailer, 16)
                except ValueError:
                    events.append(("bad", raw_body))
                    continue
                if expected != checksum(raw_body):
                    events.append(("bad", raw_body))
                    continue
                try:
                    events.append(("packet", unescape(raw_body)))
                except ProtocolError:
                    events.append(("bad", raw_body))
            elif b == 0x03:
                del buf[:1]
                events.append(("interrupt", b"\x03"))
            elif b == 0x2B:  # '+'
                del buf[:1]
                events.append(("ack", b"+"))
            elif b == 0x2D:  # '-'
                del buf[:1]
                events.append(("nak", b"-"))
            else:
                del buf[:1]
        return events

    @staticmethod
    def _find_trailer(buf: bytearray) -> int:
        """Index of the `#` that ends the packet starting at buf[0], skipping escaped bytes."""
        i = 1
        n = len(buf)
        while i < n:
            c = buf[i]
            if c == ESCAPE:
                i += 2
                continue
            if c == 0x23:  # '#'
                return i
            i += 1
        return -1


def hex_encode(data: bytes) -> bytes:
    """Bytes as lowercase hex digits, the encoding of `m`, `g` and `qXfer` hex payloads."""
    return data.hex().encode()


def hex_decode(text: bytes, what: str = "hex data") -> bytes:
    """Hex digits back to bytes; a clear ProtocolError names what was being decoded."""
    try:
        return bytes.fromhex(text.decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(f"{what} is not an even run of hex digits: {text[:40]!r}") from None


def parse_hex_int(text: bytes, what: str) -> int:
    """A hex number from a packet field; ProtocolError names the field when it is not one."""
    try:
        if not text:
            raise ValueError
        return int(text, 16)
    except ValueError:
        raise ProtocolError(f"{what} is not a hex number: {text[:40]!r}") from None
