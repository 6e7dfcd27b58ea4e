"""Keys and keyrings (services/keys.py) through their stubs as cfg80211's
load_builtin_regdb_keys uses them: a keyring, then each X.509 certificate loaded as an
"asymmetric" key named as the kernel names it (subject, ": ", subject key id); a payload
that is not a certificate is -EBADMSG; key_put frees what it holds."""
from __future__ import annotations

import pytest

import kemu
from kemu.os.linux.services import keys as key_services

from .conftest import ARCHES

EBADMSG, ENODEV = 74, 19


def der(tag: int, body: bytes) -> bytes:
    n = len(body)
    size = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + size + body


def name(**parts: bytes) -> bytes:
    oids = {"cn": "550403", "o": "55040a", "email": "2a864886f70d010901"}
    return der(0x30, b"".join(der(0x31, der(0x30, der(0x06, bytes.fromhex(oids[k])) + der(0x0C, v)))
                              for k, v in parts.items()))


def certificate(subject: bytes, skid: bytes | None = None, serial: bytes = b"\x01\x02") -> bytes:
    alg = der(0x30, der(0x06, bytes.fromhex("2a864886f70d01010b")))
    ext = b""
    if skid is not None:
        ext = der(0xA3, der(0x30, der(0x30, der(0x06, bytes.fromhex("551d0e")) + der(0x04, der(0x04, skid)))))
    tbs = der(0x30, der(0xA0, der(0x02, b"\x02")) + der(0x02, serial) + alg + name(cn=b"issuer")
              + der(0x30, b"") + subject + der(0x30, alg + der(0x03, b"\x00")) + ext)
    return der(0x30, tbs + alg + der(0x03, b"\x00"))


@pytest.fixture(params=ARCHES)
def linux(request):
    return kemu.boot("linux", request.param)


def call(linux, name_: str, *args: int) -> int:
    return linux.machine.call(linux.kernel.installed[name_][1], *args)


def buffer(linux, data: bytes) -> int:
    addr = linux.kernel.heap.alloc(len(data) + 1, "test", zero=True)
    linux.machine.mem.write(addr, data)
    return addr


def keyring(linux) -> int:
    return call(linux, "keyring_alloc", buffer(linux, b".kemu_keys"), 0, 0, 0, 0x1F0B0000, 2, 0, 0)


def load(linux, ring: int, data: bytes, type_: bytes = b"asymmetric") -> int:
    return call(linux, "key_create_or_update", ring | 1, buffer(linux, type_), 0, buffer(linux, data),
                len(data), 0x1F010000, 2)


def description(linux, key: int) -> bytes:
    lay, mem = linux.layout, linux.machine.mem
    return mem.read_cstr(mem.read_ptr(key + lay.offset("struct key", "description")), 256)


@pytest.mark.parametrize("subject, expected", [
    (name(cn=b"sforshee"), b"sforshee"),
    (name(o=b"Example Org", cn=b"Example Org signing key"), b"Example Org signing key"),
    (name(o=b"Kemu", cn=b"regdb"), b"Kemu: regdb"),
    (name(email=b"benh@debian.org"), b"benh@debian.org"),
])
def test_certificates_are_named_by_subject_and_key_id(linux, subject, expected):
    ring = keyring(linux)
    ref = load(linux, ring, certificate(subject, skid=bytes.fromhex("577e021c")))
    assert ref & 1
    assert description(linux, ref & ~1) == expected + b": 577e021c"
    assert key_services.keys(linux.kernel).keys[ring].links == [ref & ~1]


def test_without_a_key_id_the_serial_names_it(linux):
    ref = load(linux, keyring(linux), certificate(name(cn=b"x"), serial=b"\x00\xb2\x8d"))
    assert description(linux, ref & ~1) == b"x: 00b28d"


def test_the_same_certificate_again_gives_the_same_key(linux):
    ring, cert = keyring(linux), certificate(name(cn=b"twice"), skid=b"\x01")
    assert load(linux, ring, cert) == load(linux, ring, cert)


def test_bad_payloads_and_unknown_types_are_refused(linux):
    ring, word = keyring(linux), linux.machine.word_size
    err = lambda e: (-e) & ((1 << (8 * word)) - 1)    # noqa: E731
    assert load(linux, ring, b"\x30\x82\x00\x10not a certificate") == err(EBADMSG)
    assert load(linux, ring, certificate(name(cn=b"y")), b"user") == err(ENODEV)


def test_putting_the_keyring_frees_it_and_its_keys(linux):
    before = len(linux.kernel.heap)
    ring = keyring(linux)
    ref = load(linux, ring, certificate(name(cn=b"z"), skid=b"\x02"))
    call(linux, "key_put", ref & ~1)                # the caller's reference (key_ref_put)
    call(linux, "key_put", ring)
    assert key_services.keys(linux.kernel).keys == {}
    assert len(linux.kernel.heap) == before + 3     # only the test's three buffers remain
