"""Debian's cipher, skcipher, aead, rng, kpp, akcipher, scomp and template modules register
with the crypto API (services/crypto_algs.py): their algorithms are listed in /proc/crypto
with their type's lines while loaded and gone after rmmod, a second registration of the same
driver is refused -EEXIST, and none of them calls a fallback stub to register. (Modules whose
other kernel functions kemu lacks are loaded leniently: those are bound to fallback stubs
that registration does not call.)"""
from __future__ import annotations

import pytest

from .conftest import ARCHES
from .corpus_trials import assert_clean
from .realmods import boot_with, read_text

pytestmark = pytest.mark.debian_corpus

REGISTERING = ["des_generic", "lz4", "aegis128", "ansi_cprng", "curve25519_generic", "ecrdsa_generic",
               "ccm", "cryptd", "cast5_generic", "xts"]


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", REGISTERING)
def test_crypto_registering_module_is_clean_without_fallbacks(arch, name):
    assert_clean(arch, name)


@pytest.mark.parametrize("arch", ARCHES)
def test_des_ciphers_are_listed_with_their_key_sizes_and_go_at_unload(arch):
    system = boot_with(arch, "libdes", "des_generic")
    text = read_text(system, "/proc/crypto")
    assert "name         : des\ndriver       : des-generic\nmodule       : des_generic\n" in text
    assert "type         : cipher\nblocksize    : 8\nmin keysize  : 24\nmax keysize  : 24\n" in text
    assert {a.driver for a in system.crypto.algorithms if a.module is not None} == {"des-generic", "des3_ede-generic"}
    system.rmmod("des_generic")
    assert [a for a in system.crypto.algorithms if a.module is not None] == []   # the built-ins stay
    assert "des" not in read_text(system, "/proc/crypto")


@pytest.mark.parametrize("arch", ARCHES)
def test_lz4_registers_a_compressor_and_an_scomp_each_with_its_type(arch):
    system = boot_with(arch, "lz4_compress", "lz4", lenient=True)
    kinds = sorted((a.driver, a.kind) for a in system.crypto.algorithms if a.module is not None)
    assert kinds == [("lz4-generic", "compression"), ("lz4-scomp", "scomp")]
    assert "type         : compression\n" in read_text(system, "/proc/crypto")


@pytest.mark.parametrize("arch", ARCHES)
def test_aead_skcipher_rng_kpp_akcipher_show_their_type_lines(arch):
    system = boot_with(arch, "aegis128", "ansi_cprng", "libcurve25519-generic", "curve25519_generic", "ecc",
                       "ecrdsa_generic", lenient=True)
    text = read_text(system, "/proc/crypto")
    assert "driver       : aegis128-generic\n" in text
    assert "type         : aead\nasync        : no\nblocksize    : 1\nivsize       : 16\nmaxauthsize  : 16\n" in text
    assert "type         : rng\nseedsize     : 48\n" in text
    assert "driver       : curve25519-generic\n" in text and "type         : kpp\n" in text
    assert "driver       : ecrdsa-generic\n" in text and "type         : akcipher\n" in text


@pytest.mark.parametrize("arch", ARCHES)
def test_a_second_registration_of_a_driver_name_is_eexist(arch):
    system = boot_with(arch, "cast_common", "cast5_generic")
    alg = system.crypto.find("cast5")
    ret = system.call("crypto_register_alg", alg.base) & 0xFFFFFFFF
    assert ret - (1 << 32) == -system.errno.EEXIST
    assert len([a for a in system.crypto.algorithms if a.module is not None]) == 1


@pytest.mark.parametrize("arch", ARCHES)
def test_templates_are_on_the_template_list_while_loaded(arch):
    system = boot_with(arch, "ccm", "xts", lenient=True)
    assert {name for _, name, _ in system.crypto.templates} == {"cbcmac", "ccm_base", "rfc4309", "ccm", "xts"}
    tmpl = system.crypto.template("xts")
    ret = system.call("crypto_register_template", tmpl) & 0xFFFFFFFF
    assert ret - (1 << 32) == -system.errno.EEXIST
    system.rmmod("ccm")
    assert {name for _, name, _ in system.crypto.templates} == {"xts"}


@pytest.mark.parametrize("arch", ARCHES)
def test_akcipher_without_sign_gets_the_enosys_default(arch):
    system = boot_with(arch, "ecc", "ecrdsa_generic", lenient=True)
    alg = system.crypto.find("ecrdsa")
    sign = system.machine.mem.read_ptr(alg.addr + system.layout.offset("struct akcipher_alg", "sign"))
    assert sign == system.kernel.installed["__kemu_akcipher_default_op"][1]
