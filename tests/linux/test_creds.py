"""prepare_kernel_cred / __put_cred (services/creds.py) and key_revoke (services/keys.py):
a kernel cred is a root copy of init_cred with one reference, freed with the keyrings it
holds when put; Debian's dns_resolver, which keeps a keyring in such a cred, and cifs on
top of it now load and unload clean."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES
from .corpus_trials import assert_clean


@pytest.mark.parametrize("arch", ARCHES)
def test_a_kernel_cred_is_roots_with_full_capabilities(arch):
    system = kemu.boot("linux", arch)
    cred = system.call("prepare_kernel_cred", 0)
    lay, mem = system.layout, system.machine.mem
    at = lambda f: cred + lay.offset("struct cred", f)              # noqa: E731
    assert mem.read_int(at("usage"), system.machine.word_size) == 1
    assert mem.read_u32(at("euid")) == 0 and mem.read_u32(at("fsgid")) == 0
    assert (mem.read_u32(at("cap_effective")), mem.read_u32(at("cap_effective") + 4)) == (0xFFFFFFFF, 0x1FF)
    assert mem.read_u32(at("cap_inheritable")) == 0
    assert mem.read_ptr(at("user_ns")) == system.data["init_user_ns"]
    assert mem.read_u8(at("jit_keyring")) == 1


@pytest.mark.parametrize("arch", ARCHES)
def test_putting_the_last_reference_frees_the_cred_and_its_keyring(arch):
    system = kemu.boot("linux", arch)
    cred = system.call("prepare_kernel_cred", 0)
    ring = system.call("keyring_alloc", b".test\0", 0, 0, cred, 0x3F030000, 0, 0, 0)
    lay, mem, word = system.layout, system.machine.mem, system.machine.word_size
    mem.write_ptr(cred + lay.offset("struct cred", "thread_keyring"), ring)
    system.call("key_revoke", ring)
    assert mem.read_int(ring + lay.offset("struct key", "flags"), word) & 2
    mem.write_int(cred + lay.offset("struct cred", "usage"), word, 0)       # the inline put_cred
    system.call("__put_cred", cred)
    assert cred not in system.kernel.heap and ring not in system.kernel.heap


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("name", ["dns_resolver"])
def test_dns_resolver_is_clean_without_fallbacks(arch, name):
    assert_clean(arch, name)
