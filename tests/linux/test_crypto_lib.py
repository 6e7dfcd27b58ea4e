"""The crypto library helpers (services/crypto_lib.py) compute what the kernel's C does:
ChaCha20 against RFC 7539's block vector, HChaCha20 against the XChaCha draft's subkey
vector, __crypto_memneq and __crypto_xor on guest buffers; and Debian's libcurve25519,
whose init runs its own self-test through __crypto_memneq, loads clean."""
from __future__ import annotations

import struct

import pytest

import kemu

from .conftest import ARCHES
from .corpus_trials import assert_clean

CONSTANTS = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)
KEY = bytes(range(32))
RFC7539_BLOCK = bytes.fromhex(
    "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
    "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
XCHACHA_SUBKEY = bytes.fromhex("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc")


def _buffer(system, data: bytes) -> int:
    addr = system.kernel.heap.alloc(max(len(data), 1), "test", zero=True)
    system.machine.mem.write(addr, data)
    return addr


def _state(counter_and_nonce: bytes) -> bytes:
    return struct.pack("<4I", *CONSTANTS) + KEY + counter_and_nonce


@pytest.mark.parametrize("arch", ARCHES)
def test_chacha20_block_is_rfc_7539s_and_the_counter_advances(arch):
    system = kemu.boot("linux", arch)
    state = _buffer(system, _state(struct.pack("<I", 1) + bytes.fromhex("000000090000004a00000000")))
    stream = _buffer(system, bytes(64))
    system.call("chacha_block_generic", state, stream, 20)
    assert system.machine.mem.read(stream, 64) == RFC7539_BLOCK
    assert system.machine.mem.read_u32(state + 48) == 2


@pytest.mark.parametrize("arch", ARCHES)
def test_hchacha20_gives_the_xchacha_drafts_subkey(arch):
    system = kemu.boot("linux", arch)
    state = _buffer(system, _state(bytes.fromhex("000000090000004a0000000031415927")))
    out = _buffer(system, bytes(32))
    system.call("hchacha_block_generic", state, out, 20)
    assert system.machine.mem.read(out, 32) == XCHACHA_SUBKEY


@pytest.mark.parametrize("arch", ARCHES)
def test_memneq_is_zero_only_for_equal_buffers(arch):
    system = kemu.boot("linux", arch)
    a, b = _buffer(system, b"0123456789abcdefXYZ"), _buffer(system, b"0123456789abcdefXYZ")
    assert system.call("__crypto_memneq", a, b, 19) == 0
    system.machine.mem.write(b + 18, b"z")
    assert system.call("__crypto_memneq", a, b, 19) == ord("Z") ^ ord("z")
    assert system.call("__crypto_memneq", a, b, 18) == 0


@pytest.mark.parametrize("arch", ARCHES)
def test_crypto_xor_writes_the_xor_of_both_sources(arch):
    system = kemu.boot("linux", arch)
    a, b = _buffer(system, bytes(range(1, 20))), _buffer(system, bytes([0xFF] * 19))
    system.call("__crypto_xor", a, a, b, 19)
    assert system.machine.mem.read(a, 19) == bytes(x ^ 0xFF for x in range(1, 20))


@pytest.mark.parametrize("arch", ARCHES)
def test_libcurve25519_self_test_passes(arch):
    assert_clean(arch, "libcurve25519")
