"""The crypto library's generic helpers (lib/crypto/chacha.c, crypto/memneq.c,
crypto/algapi.c; 6.1): the ChaCha block and HChaCha functions, constant-time inequality and
XOR of buffers. They compute on guest memory exactly what the kernel's C computes, so the
libraries built on them (libchacha20poly1305, libcurve25519, wireguard) pass their own
self-tests.
"""
from __future__ import annotations

import struct

from kemu.kernel import ServiceTable

table = ServiceTable("crypto_lib")

MASK32 = 0xFFFFFFFF


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & MASK32


def _quarter(x: list[int], a: int, b: int, c: int, d: int) -> None:
    x[a] = (x[a] + x[b]) & MASK32
    x[d] = _rotl(x[d] ^ x[a], 16)
    x[c] = (x[c] + x[d]) & MASK32
    x[b] = _rotl(x[b] ^ x[c], 12)
    x[a] = (x[a] + x[b]) & MASK32
    x[d] = _rotl(x[d] ^ x[a], 8)
    x[c] = (x[c] + x[d]) & MASK32
    x[b] = _rotl(x[b] ^ x[c], 7)


def chacha_permute(state: list[int], nrounds: int) -> list[int]:
    """chacha_permute: `nrounds` rounds (column then diagonal quarter-rounds) on a copy."""
    x = list(state)
    for _ in range(0, nrounds, 2):
        _quarter(x, 0, 4, 8, 12)
        _quarter(x, 1, 5, 9, 13)
        _quarter(x, 2, 6, 10, 14)
        _quarter(x, 3, 7, 11, 15)
        _quarter(x, 0, 5, 10, 15)
        _quarter(x, 1, 6, 11, 12)
        _quarter(x, 2, 7, 8, 13)
        _quarter(x, 3, 4, 9, 14)
    return x


def chacha_block(state: list[int], nrounds: int) -> bytes:
    """One 64-byte ChaCha key-stream block: the permuted state plus the input, little-endian."""
    x = chacha_permute(state, nrounds)
    return struct.pack("<16I", *((a + b) & MASK32 for a, b in zip(x, state)))


def _check_rounds(k, nrounds: int, caller: str) -> None:
    if nrounds not in (20, 12):                        # WARN_ON_ONCE in chacha_permute
        k.linux.pr_once(f"chacha_rounds_{caller}", f"WARNING: {caller}: nrounds {nrounds} is neither 20 nor 12", 4)
        k.linux.add_taint("W")


@table.service("void chacha_block_generic(u32 *state, u8 *stream, int nrounds)")
def chacha_block_generic(k, state: int, stream: int, nrounds: int) -> None:
    """The next key-stream block into stream[64]; the block counter (state[12]) advances."""
    _check_rounds(k, nrounds, "chacha_block_generic")
    mem = k.machine.mem
    words = list(struct.unpack("<16I", mem.read(state, 64)))
    mem.write(stream, chacha_block(words, nrounds))
    mem.write_u32(state + 48, (words[12] + 1) & MASK32)


@table.service("void hchacha_block_generic(const u32 *state, u32 *stream, int nrounds)")
def hchacha_block_generic(k, state: int, stream: int, nrounds: int) -> None:
    """HChaCha: the permuted state's words 0-3 and 12-15 (no feed-forward), for XChaCha's
    subkey."""
    _check_rounds(k, nrounds, "hchacha_block_generic")
    mem = k.machine.mem
    x = chacha_permute(list(struct.unpack("<16I", mem.read(state, 64))), nrounds)
    mem.write(stream, struct.pack("<8I", *(x[0:4] + x[12:16])))


@table.service("unsigned long __crypto_memneq(const void *a, const void *b, size_t size)")
def __crypto_memneq(k, a: int, b: int, size: int) -> int:
    """0 when the buffers are equal, else the OR of the words' (then bytes') differences, as
    __crypto_memneq_generic accumulates it (its time does not depend on where they differ)."""
    mem, word = k.machine.mem, k.machine.word_size
    left, right = mem.read(a, size), mem.read(b, size)
    neq, i = 0, 0
    while size - i >= word:
        neq |= int.from_bytes(left[i:i + word], "little") ^ int.from_bytes(right[i:i + word], "little")
        i += word
    while i < size:
        neq |= left[i] ^ right[i]
        i += 1
    return neq


@table.service("void __crypto_xor(u8 *dst, const u8 *src1, const u8 *src2, unsigned int len)")
def __crypto_xor(k, dst: int, src1: int, src2: int, length: int) -> None:
    """dst = src1 XOR src2 over `len` bytes (dst may be either source)."""
    mem = k.machine.mem
    x = int.from_bytes(mem.read(src1, length), "little") ^ int.from_bytes(mem.read(src2, length), "little")
    mem.write(dst, x.to_bytes(length, "little"))
