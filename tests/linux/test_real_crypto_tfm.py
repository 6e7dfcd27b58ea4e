"""Debian modules that allocate crypto transforms or use scatterlists at init, run as the
corpus runs them: libcrc32c, crc-t10dif and crc64-rocksoft get their hash from the module
the kernel requests ("crypto-crc32c", ...), ppp_mppe finds
the built-in sha1, ghash-clmulni-intel registers an ahash, gcm builds its zero-buffer
scatterlist; each loads clean and calls no fallback stub."""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import assert_clean

pytestmark = pytest.mark.debian_corpus

# jitterentropy_rng (sha3-256 from sha3_generic) is clean too, but its health test hashes
# thousands of times in emulation and passes kemu's wall-clock call limit on a busy machine
CLEAN_WITH_TRANSFORMS = ["libcrc32c", "crc_t10dif", "crc64_rocksoft", "ppp_mppe", "gcm"]


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", CLEAN_WITH_TRANSFORMS)
def test_module_using_crypto_transforms_is_clean(arch, name):
    record = assert_clean(arch, name)
    for fn in ("crypto_alloc_shash", "crypto_destroy_tfm", "crypto_has_ahash", "sg_init_one"):
        assert fn not in record["fallback"]


@pytest.mark.parametrize("arch", ARCHES)
def test_libcrc32c_allocates_and_frees_its_transform(arch):
    record = assert_clean(arch, "libcrc32c")
    assert record["services"].get("crypto_alloc_shash") == 1
    assert record["services"].get("crypto_destroy_tfm") == 1
    # crc32c is a module: the lookup loaded it ("crypto-crc32c") and it registered its hash
    assert record["services"].get("crypto_register_shash") == 1


def test_ghash_clmulni_registers_its_ahash_clean():
    record = assert_clean("x86_64", "ghash_clmulni_intel")
    assert record["services"].get("crypto_register_ahash") == 1
    assert record["services"].get("crypto_unregister_ahash") == 1


def test_libchacha20poly1305_self_test_passes_through_scatterlists_on_i386():
    """Its init runs the RFC 7539 vectors, the in-place variants through sg_miter and
    scatterwalk_map_and_copy; any byte out of place is -ENODEV. (On x86_64 its SIMD
    chacha/poly1305 modules fail the same vectors before any scatterlist is involved.)"""
    record = assert_clean("i386", "libchacha20poly1305")
    for fn in ("sg_miter_next", "scatterwalk_map_and_copy", "sg_init_one"):
        assert record["services"].get(fn)


def test_tcrypt_runs_its_tests_through_alg_test_and_returns_eagain():
    """tcrypt returns -EAGAIN when every test passed (so that it never stays loaded)."""
    from .corpus_trials import corpus_record
    record = corpus_record("x86_64", "tcrypt")
    assert record["outcome"] == "init returned an error" and record["detail"] == "-EAGAIN"
    assert record["fallback"] == [] and record["services"]["alg_test"] > 100
