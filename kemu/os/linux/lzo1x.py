"""LZO1X streams (lib/lzo in Linux; the format of Markus Oberhumer's LZO), for the kernel's
built-in "lzo" compressor (services/crypto_comp.py).

`decompress` reads any LZO1X stream as lzo1x_decompress_safe does: literal runs, the M1-M4
back-references, the end marker (an M4 of distance 0), and the optional version header of
newer kernels (a first byte 17 followed by a bitstream version). `compress` writes a valid
LZO1X stream that is one literal run and the end marker: the format allows it and every
decoder reads it, it is just not smaller than the input (kemu has no use for the ratio).
"""
from __future__ import annotations


class LzoError(Exception):
    """A malformed stream, or output past the room given."""


def compress(data: bytes) -> bytes:
    """One literal run and the end marker (17 0 0)."""
    n = len(data)
    if n == 0:
        head = b""
    elif n <= 238:
        head = bytes([17 + n])
    else:
        rest = n - 18                      # t = 0: 15 + 3 + 255 per zero byte + the last byte
        zeros = (rest - 1) // 255
        head = b"\0" + b"\0" * zeros + bytes([rest - 255 * zeros])
    return head + data + b"\x11\x00\x00"


def decompress(src: bytes, room: int) -> bytes:
    """The decoded bytes; LzoError for a malformed stream or more than `room` bytes."""
    try:
        return _decode(src, room)
    except IndexError:
        raise LzoError("input overrun") from None


def _extend(src: bytes, ip: int, base: int) -> tuple[int, int]:
    """A run length's extension: each zero byte adds 255, then the last byte plus `base`."""
    add = 0
    while src[ip] == 0:
        add += 255
        ip += 1
    return add + base + src[ip], ip + 1


def _decode(src: bytes, room: int) -> bytes:
    out, ip, state = bytearray(), 0, 0
    if len(src) >= 5 and src[0] == 17:   # the bitstream version header
        ip = 2
    if src[ip] > 17:
        t = src[ip] - 17
        ip += 1
        out += src[ip:ip + t]
        ip += t
        state = t if t < 4 else 4
    while True:
        t = src[ip]
        ip += 1
        if t < 16:
            if state == 0:                 # a literal run
                if t == 0:
                    t, ip = _extend(src, ip, 15)
                t += 3
                if ip + t > len(src):
                    raise LzoError("input overrun")
                out += src[ip:ip + t]
                ip += t
                state = 4
                _room(out, room)
                continue
            dist = (t >> 2) + (src[ip] << 2) + (1 if state != 4 else 2049)
            length, nxt = (2 if state != 4 else 3), t & 3
            ip += 1
        elif t >= 64:                      # M2
            dist, length, nxt = ((t >> 2) & 7) + (src[ip] << 3) + 1, (t >> 5) + 1, t & 3
            ip += 1
        elif t >= 32:                      # M3
            length = t & 31
            if length == 0:
                length, ip = _extend(src, ip, 31)
            length += 2
            v = src[ip] | src[ip + 1] << 8
            ip += 2
            dist, nxt = (v >> 2) + 1, v & 3
        else:                              # M4, or the end marker
            length = t & 7
            if length == 0:
                length, ip = _extend(src, ip, 7)
            length += 2
            v = src[ip] | src[ip + 1] << 8
            ip += 2
            dist, nxt = ((t & 8) << 11) + (v >> 2), v & 3
            if dist == 0:
                if length != 3:
                    raise LzoError("bad end marker")
                if ip != len(src):
                    raise LzoError("input not consumed")
                return bytes(out)
            dist += 0x4000
        if dist > len(out):
            raise LzoError("lookbehind overrun")
        for _ in range(length):
            out.append(out[-dist])
        if ip + nxt > len(src):
            raise LzoError("input overrun")
        out += src[ip:ip + nxt]
        ip += nxt
        state = nxt
        _room(out, room)


def _room(out: bytearray, room: int) -> None:
    if len(out) > room:
        raise LzoError("output overrun")
