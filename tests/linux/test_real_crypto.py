"""Debian's crypto/md4.ko, crypto/michael_mic.ko and crypto/crc32_generic.ko register their
shash algorithms; hashing through the kernel crypto API from Python (system.crypto.digest)
runs the modules' own code and gives the RFC vectors / a Python implementation's answers."""
from __future__ import annotations

import random
import zlib

import pytest

from kemu.os.linux.crypto import CryptoError

from .conftest import ARCHES
from .realmods import boot_with

pytestmark = pytest.mark.debian_corpus

#: RFC 1320, appendix A.5
MD4_VECTORS = {
    b"": "31d6cfe0d16ae931b73c59d7e0c089c0",
    b"a": "bde52cb31de33e46245e05fbdbd6fb24",
    b"abc": "a448017aaf21d8525fc10ae87aa6729d",
    b"message digest": "d9130a8164549fe818874806e1c7014b",
    b"abcdefghijklmnopqrstuvwxyz": "d79e1c308aa5bbcdeea8ed63df412da9",
    b"12345678901234567890123456789012345678901234567890123456789012345678901234567890":
        "e33b4ddc9c38f2199c3e7b164fcc0536",
}


def _rol(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF


def michael(key: bytes, message: bytes) -> bytes:
    """The Michael MIC of IEEE 802.11i (TKIP), from its definition."""
    left, right = int.from_bytes(key[:4], "little"), int.from_bytes(key[4:8], "little")
    padded = message + b"\x5a" + bytes(4)
    padded += bytes(-len(padded) % 4)
    for i in range(0, len(padded), 4):
        left ^= int.from_bytes(padded[i:i + 4], "little")
        right ^= _rol(left, 17)
        left = (left + right) & 0xFFFFFFFF
        right ^= ((left & 0xFF00FF00) >> 8) | ((left & 0x00FF00FF) << 8)
        left = (left + right) & 0xFFFFFFFF
        right ^= _rol(left, 3)
        left = (left + right) & 0xFFFFFFFF
        right ^= _rol(left, 30)
        left = (left + right) & 0xFFFFFFFF
    return left.to_bytes(4, "little") + right.to_bytes(4, "little")


@pytest.mark.parametrize("arch", ARCHES)
def test_md4_through_the_registered_shash_gives_the_rfc_1320_digests(arch):
    system = boot_with(arch, "md4")
    for message, digest in MD4_VECTORS.items():
        assert system.crypto.digest("md4", message).hex() == digest
    assert system.crypto.digest("md4-generic", b"abc").hex() == MD4_VECTORS[b"abc"]


@pytest.mark.parametrize("arch", ARCHES)
def test_michael_mic_is_keyed_and_matches_the_definition(arch):
    system = boot_with(arch, "michael_mic")
    assert system.crypto.digest("michael_mic", b"", key=bytes(8)).hex() == "82925c1ca1d130b8"
    rng = random.Random(11)
    for _ in range(6):
        key, message = rng.randbytes(8), rng.randbytes(rng.randrange(0, 100))
        assert system.crypto.digest("michael_mic", message, key=key) == michael(key, message)
    with pytest.raises(CryptoError, match="needs a key") as refused:
        system.crypto.digest("michael_mic", b"abc")
    assert refused.value.errno == -system.errno.ENOKEY
    with pytest.raises(CryptoError, match="setkey returned -22 .EINVAL."):
        system.crypto.digest("michael_mic", b"abc", key=bytes(7))         # its own key length check


@pytest.mark.parametrize("arch", ARCHES)
def test_crc32_shash_runs_the_module_over_the_kernels_crc32_le(arch):
    system = boot_with(arch, "crc32_generic")
    data = b"123456789"
    # the kernel's "crc32" is crc32_le without inversions; seeded with ~0 it is zlib's, inverted
    raw = ~zlib.crc32(data, 0xFFFFFFFF) & 0xFFFFFFFF
    assert system.crypto.digest("crc32", data) == raw.to_bytes(4, "little")
    seeded = system.crypto.digest("crc32", data, key=(0xFFFFFFFF).to_bytes(4, "little"))
    assert ~int.from_bytes(seeded, "little") & 0xFFFFFFFF == zlib.crc32(data) == 0xCBF43926


@pytest.mark.parametrize("arch", ARCHES)
def test_proc_crypto_lists_an_algorithm_while_its_module_is_loaded(arch):
    system = boot_with(arch, "md4")
    fd = system.open("/proc/crypto")
    text = system.read(fd, 4096).decode()
    system.close(fd)
    assert text.startswith("name         : md4\ndriver       : md4-generic\nmodule       : md4\n")
    assert "type         : shash\nblocksize    : 64\ndigestsize   : 16\n" in text
    system.rmmod("md4")
    assert [a for a in system.crypto.algorithms if a.module is not None] == []   # the built-ins stay
    with pytest.raises(CryptoError, match="no algorithm 'md4'"):
        system.crypto.digest("md4", b"abc")
