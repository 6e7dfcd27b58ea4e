"""The linker-set records in the fixture klds are what kern_linker.c reads: the modules,
dependencies and versions each guest module declares, and SYSINITs that sort into the
order FreeBSD runs them. Decoded straight from the .ko bytes on both arches and compilers."""
from __future__ import annotations

import pytest

from .conftest import ARCHES, COMPILERS, FREEBSD_VERSION, MDT_DEPEND, MDT_MODULE, MDT_VERSION, Metadata

KERNEL_DEPEND = Metadata(MDT_DEPEND, "kernel", (FREEBSD_VERSION, FREEBSD_VERSION, 1499999))
SI_SUB_TUNABLES, SI_SUB_KMEM, SI_SUB_KLD, SI_SUB_DRIVERS, SI_SUB_PSEUDO, SI_SUB_LAST = (
    0x0700000, 0x1800000, 0x2000000, 0x3100000, 0x7000000, 0xfffffff)
SI_ORDER_FIRST, SI_ORDER_SECOND, SI_ORDER_THIRD, SI_ORDER_MIDDLE, SI_ORDER_ANY = (
    0, 1, 2, 0x1000000, 0xfffffff)

BUILDS = [(arch, compiler) for arch in ARCHES for compiler in COMPILERS]


def module(name: str) -> Metadata:
    return Metadata(MDT_MODULE, name, (), module_name=name)


def version(name: str, number: int) -> Metadata:
    return Metadata(MDT_VERSION, name, (number,))


@pytest.mark.parametrize("arch,compiler", BUILDS)
def test_fibo_declares_module_fibo_version_1_depending_on_the_14_3_kernel(open_kld, arch, compiler):
    assert set(open_kld(arch, compiler, "fibo").metadata()) == {KERNEL_DEPEND, module("fibo"), version("fibo", 1)}


@pytest.mark.parametrize("arch,compiler", BUILDS)
def test_depuser_depends_on_depbase_versions_1_to_3_preferring_2(open_kld, arch, compiler):
    records = set(open_kld(arch, compiler, "depuser").metadata())
    assert records == {KERNEL_DEPEND, Metadata(MDT_DEPEND, "depbase", (1, 2, 3)),
                       module("depuser"), version("depuser", 1)}


@pytest.mark.parametrize("arch,compiler", BUILDS)
def test_depbase_provides_version_2(open_kld, arch, compiler):
    assert version("depbase", 2) in open_kld(arch, compiler, "depbase").metadata()


@pytest.mark.parametrize("arch,compiler", BUILDS)
def test_depnewer_asks_for_a_depbase_newer_than_the_one_provided(open_kld, arch, compiler):
    assert Metadata(MDT_DEPEND, "depbase", (3, 3, 4)) in open_kld(arch, compiler, "depnewer").metadata()


@pytest.mark.parametrize("arch,compiler", BUILDS)
def test_multi_declares_three_modules_each_with_its_version(open_kld, arch, compiler):
    records = open_kld(arch, compiler, "multi").metadata()
    assert {r.module_name for r in records if r.type == MDT_MODULE} == {"multi_first", "multi_second", "multi_third"}
    assert {version("multi_first", 1), version("multi_second", 2), version("multi_third", 3)} <= set(records)
    assert [r for r in records if r.type == MDT_DEPEND] == [KERNEL_DEPEND] * 3


@pytest.mark.parametrize("arch,compiler", BUILDS)
def test_multi_registers_its_modules_first_second_third_whatever_the_source_order(open_kld, arch, compiler):
    assert sorted(open_kld(arch, compiler, "multi").sysinits()) == [
        (SI_SUB_DRIVERS, SI_ORDER_FIRST), (SI_SUB_DRIVERS, SI_ORDER_SECOND), (SI_SUB_DRIVERS, SI_ORDER_THIRD)]


@pytest.mark.parametrize("arch,compiler", BUILDS)
def test_sysinits_declares_init_and_uninit_entries_at_their_subsystems(open_kld, arch, compiler):
    image = open_kld(arch, compiler, "sysinits")
    assert sorted(image.sysinits()) == [
        (SI_SUB_TUNABLES, SI_ORDER_ANY), (SI_SUB_KMEM, SI_ORDER_THIRD), (SI_SUB_KLD, SI_ORDER_FIRST),
        (SI_SUB_DRIVERS, SI_ORDER_MIDDLE), (SI_SUB_PSEUDO, SI_ORDER_FIRST), (SI_SUB_LAST, SI_ORDER_ANY)]
    assert sorted(image.sysinits("sysuninit_set")) == [
        (SI_SUB_KMEM, SI_ORDER_ANY), (SI_SUB_KLD, SI_ORDER_FIRST), (SI_SUB_PSEUDO, SI_ORDER_FIRST),
        (SI_SUB_LAST, SI_ORDER_ANY)]


@pytest.mark.parametrize("arch,compiler", BUILDS)
def test_sysctlmod_puts_five_oids_in_sysctl_set(open_kld, arch, compiler):
    image = open_kld(arch, compiler, "sysctlmod")
    oids = image.linker_set("sysctl_set")
    name_at = 28 + 12 if arch == "i386" else 64    # oid_name offset (layouts.json)
    assert sorted(image.string(image.word(p + name_at)) for p in oids) == [
        "answer", "doubled", "greeting", "kemu", "version"]


@pytest.mark.parametrize("arch,compiler", BUILDS)
@pytest.mark.parametrize("name", ["evlog", "loadfail", "noquiesce", "echo", "cdev", "sysctlmod", "sysinits"])
def test_every_single_module_kld_declares_exactly_itself(open_kld, arch, compiler, name):
    records = open_kld(arch, compiler, name).metadata()
    assert [r.module_name for r in records if r.type == MDT_MODULE] == [name]
    assert KERNEL_DEPEND in records
