"""Debian's cfg80211 ships the regulatory database's signing certificates
(shipped_regdb_certs); loaded through key_create_or_update (services/keys.py) they get the
names Debian's kernel logs for them at boot."""
from __future__ import annotations

import pytest
from elftools.elf.elffile import ELFFile

import kemu

from .conftest import ARCHES
from .realmods import debian_module

pytestmark = pytest.mark.debian_corpus

DEBIAN_REGDB_KEYS = ["benh@debian.org: 577e021cb980e0e820821ba7b54b4961b8b4fadf",
                     "romain.perier@gmail.com: 3abbc6ec146e09d1b6016ab9d6cf71dd233f0328",
                     "sforshee: 00b28ddf47aef9cea7",
                     "wens: 61c038651aabdcf94bd0ac7ff06c7248db18c600"]


def shipped_certs(path: str) -> list[bytes]:
    """The DER certificates of cfg80211's shipped_regdb_certs (back to back, as it walks them)."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        syms = {s.name: s for s in elf.get_section_by_name(".symtab").iter_symbols()}
        sym = syms["shipped_regdb_certs"]
        sec = elf.get_section(sym["st_shndx"])
        blob = sec.data()[sym["st_value"]:sym["st_value"] + sym["st_size"]]
    certs = []
    while len(blob) > 4 and blob[0] == 0x30 and blob[1] == 0x82:
        n = 4 + int.from_bytes(blob[2:4], "big")
        certs.append(blob[:n])
        blob = blob[n:]
    return certs


@pytest.mark.parametrize("arch", ARCHES)
def test_cfg80211_regdb_certificates_get_debians_names(arch):
    certs = shipped_certs(debian_module("cfg80211", arch))
    linux = kemu.boot("linux", arch)
    call = lambda n, *a: linux.machine.call(linux.kernel.installed[n][1], *a)    # noqa: E731
    text = lambda s: (lambda a: (linux.machine.mem.write(a, s + b"\0"), a)[1])(linux.kernel.heap.alloc(len(s) + 1, "t"))  # noqa: E731
    ring = call("keyring_alloc", text(b".builtin_regdb_keys"), 0, 0, 0, 0x1F0B0000, 2, 0, 0)
    names = []
    for cert in certs:
        buf = linux.kernel.heap.alloc(len(cert), "t")
        linux.machine.mem.write(buf, cert)
        ref = call("key_create_or_update", ring | 1, text(b"asymmetric"), 0, buf, len(cert), 0x1F010000, 2)
        key = ref & ~1
        desc = linux.machine.mem.read_ptr(key + linux.layout.offset("struct key", "description"))
        names.append(linux.machine.mem.read_cstr(desc, 256).decode())
    assert names == DEBIAN_REGDB_KEYS
