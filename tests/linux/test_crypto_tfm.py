"""Transforms (services/crypto_tfm.py, crypto_lookup.py, crypto_builtin.py): a module's
crypto_alloc_* finds an algorithm by name with the kernel's type matching, the built-in
hashes and compressors are there from boot, a missing one is ERR_PTR(-ENOENT), and a
transform holds a reference on its algorithm until crypto_destroy_tfm."""
from __future__ import annotations

import hashlib
import zlib

import pytest

import kemu
from kemu.os.linux.lzo1x import compress, decompress

from .conftest import ARCHES

CRYPTO_ALG_ASYNC = 0x80
CRYPTO_ALG_TYPE_COMPRESS, CRYPTO_ALG_TYPE_MASK = 0x2, 0xF


def _heap(system, data: bytes) -> int:
    addr = system.kernel.heap.alloc(max(len(data), 1), "test", zero=True)
    system.machine.mem.write(addr, data)
    return addr


def _err(system, ptr: int) -> int:
    """The errno of an ERR_PTR (0 for a real pointer)."""
    top = 1 << (8 * system.machine.word_size)
    return top - ptr if ptr >= top - 4095 else 0


def _refcnt(system, driver: str) -> int:
    alg = next(a for a in system.crypto.algorithms if a.driver == driver)
    return system.machine.mem.read_u32(system.crypto.cra(alg.base, "cra_refcnt"))


@pytest.mark.parametrize("arch", ARCHES)
def test_builtin_sha256_digests_as_hashlib_and_destroy_drops_the_reference(arch):
    system = kemu.boot("linux", arch)
    hash_ = system.call("crypto_alloc_shash", b"sha256\0", 0, 0)
    assert _err(system, hash_) == 0
    assert _refcnt(system, "sha256-generic") == 2
    data = b"the quick brown fox" * 10
    src, out = _heap(system, data), _heap(system, bytes(32))
    assert system.call("crypto_shash_tfm_digest", hash_, src, len(data), out) == 0
    assert system.machine.mem.read(out, 32) == hashlib.sha256(data).digest()
    system.call("crypto_destroy_tfm", hash_, hash_ + system.layout.offset("struct crypto_shash", "base"))
    assert _refcnt(system, "sha256-generic") == 1
    assert hash_ not in system.crypto.tfms


@pytest.mark.parametrize("arch", ARCHES)
def test_shash_update_and_final_on_a_descriptor(arch):
    system = kemu.boot("linux", arch)
    hash_ = system.call("crypto_alloc_shash", b"sha1-generic\0", 0, 0)
    lay, mem = system.layout, system.machine.mem
    desc = _heap(system, bytes(lay.size("struct shash_desc") + mem.read_u32(hash_)))
    mem.write_ptr(desc + lay.offset("struct shash_desc", "tfm"), hash_)
    init = mem.read_ptr(system.crypto.tfms[hash_][0].addr + lay.offset("struct shash_alg", "init"))
    assert system.call_kernel_pointer(init, desc, what="sha1 init") == 0                 # crypto_shash_init is inline
    for part in (b"abc", b"def"):
        assert system.call("crypto_shash_update", desc, _heap(system, part), 3) == 0
    out = _heap(system, bytes(20))
    assert system.call("crypto_shash_final", desc, out) == 0
    assert mem.read(out, 20) == hashlib.sha1(b"abcdef").digest()


@pytest.mark.parametrize("arch", ARCHES)
def test_an_unknown_algorithm_is_enoent_and_has_is_false(arch):
    system = kemu.boot("linux", arch)
    assert _err(system, system.call("crypto_alloc_shash", b"no-such-hash\0", 0, 0)) == system.errno.ENOENT
    assert system.call("crypto_has_ahash", b"no-such-hash\0", 0, CRYPTO_ALG_ASYNC) & 0xFFFFFFFF == 0
    assert system.call("crypto_has_ahash", b"sha1\0", 0, CRYPTO_ALG_ASYNC) & 0xFFFFFFFF == 1


@pytest.mark.parametrize("arch", ARCHES)
def test_a_template_name_is_enoent_with_the_reason_logged(arch):
    system = kemu.boot("linux", arch)
    tfm = system.call("crypto_alloc_sync_skcipher", b"pcbc(fcrypt)\0", 0, 0)
    assert _err(system, tfm) == system.errno.ENOENT
    assert "pcbc(fcrypt): kemu does not instantiate templates" in system.dmesg()


@pytest.mark.parametrize("arch", ARCHES)
def test_a_hash_is_not_found_as_a_compressor(arch):
    system = kemu.boot("linux", arch)
    tfm = system.call("crypto_alloc_base", b"sha1\0", CRYPTO_ALG_TYPE_COMPRESS, CRYPTO_ALG_TYPE_MASK)
    assert _err(system, tfm) == system.errno.ENOENT


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["deflate", "lzo"])
def test_builtin_compressors_round_trip_through_crypto_comp(arch, name):
    system = kemu.boot("linux", arch)
    comp = system.call("crypto_alloc_base", name.encode() + b"\0", CRYPTO_ALG_TYPE_COMPRESS, CRYPTO_ALG_TYPE_MASK)
    assert _err(system, comp) == 0
    data = b"kemu " * 300
    src, packed, dlen = _heap(system, data), _heap(system, bytes(4096)), _heap(system, (4096).to_bytes(4, "little"))
    mem = system.machine.mem
    assert system.call("crypto_comp_compress", comp, src, len(data), packed, dlen) == 0
    size = mem.read_u32(dlen)
    stream = mem.read(packed, size)
    if name == "deflate":
        assert zlib.decompress(stream, -11) == data
    unpacked = _heap(system, bytes(4096))
    mem.write_u32(dlen, 4096)
    assert system.call("crypto_comp_decompress", comp, packed, size, unpacked, dlen) == 0
    assert mem.read(unpacked, mem.read_u32(dlen)) == data
    mem.write_u32(dlen, 10)                                  # too little room: -EINVAL
    assert system.call("crypto_comp_decompress", comp, packed, size, unpacked, dlen) & 0xFFFFFFFF == \
        (-system.errno.EINVAL) & 0xFFFFFFFF
    system.call("crypto_destroy_tfm", comp, comp)


def test_lzo1x_reads_back_references_and_round_trips_long_literal_runs():
    # "abcd" as the first literal run, then an M2 match of 3 bytes at distance 4, then the end
    assert decompress(bytes([21]) + b"abcd" + bytes([76, 0]) + b"\x11\x00\x00", 100) == b"abcdabc"
    for n in (0, 3, 238, 239, 1000, 70000):
        data = bytes((7 * i) % 251 for i in range(n))
        assert decompress(compress(data), n) == data


@pytest.mark.parametrize("arch", ARCHES)
def test_alg_test_checks_a_known_hash_and_passes_a_missing_algorithm(arch):
    system = kemu.boot("linux", arch)
    assert system.call("alg_test", b"sha256-generic\0", b"sha256\0", 0, 0) & 0xFFFFFFFF == 0
    assert system.call("alg_test", b"no-such-alg\0", b"no-such-alg\0", 0, 0) & 0xFFFFFFFF == 0
    assert system.call("alg_test", b"lzo-generic\0", b"lzo\0", 0, 0) & 0xFFFFFFFF == 0
    assert "alg: kemu has no test vectors for lzo (lzo-generic)" in system.dmesg()
    assert "sha256" not in system.dmesg()                  # tested, and passed quietly


@pytest.mark.parametrize("arch", ARCHES)
def test_alg_test_refuses_a_hash_giving_the_wrong_digest(arch):
    system = kemu.boot("linux", arch)
    system.call("alg_test", b"sha256-generic\0", b"sha256\0", 0, 0)   # registers the built-ins
    system.crypto.builtin_hashes["sha256-generic"] = "sha3_256"         # a broken implementation
    ret = system.call("alg_test", b"sha256-generic\0", b"sha256\0", 0, 0) & 0xFFFFFFFF
    assert ret == (-system.errno.EINVAL) & 0xFFFFFFFF
    assert "alg: shash: sha256-generic test failed (wrong result) on test vector 1" in system.dmesg()
