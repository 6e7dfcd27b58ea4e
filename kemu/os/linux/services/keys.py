"""Kernel keys and keyrings (security/keys/, crypto/asymmetric_keys/x509_*; 6.1), as far as a
module uses them to hold certificates: cfg80211 makes a ".builtin_regdb_keys" keyring at
init and loads its compiled-in X.509 certificates into it with key_create_or_update.

Keys are `struct key` in guest memory (usage, serial, uid/gid, perm, state, type,
description) with the measured layout; their types are the kernel's own `key_type_keyring`
and `key_type_asymmetric` objects (named at first use). keyring_alloc makes a keyring;
key_create_or_update of type "asymmetric" parses the payload as an X.509 certificate in DER
the way x509_cert_parser does, and names the key as x509_key_preparse does: the subject
(CN, or "O: CN" unless CN starts with O, else O, else the e-mail address), ": ", then the
subject key identifier in hex (the serial number without one); a payload that is not a
certificate is -EBADMSG, a type kemu does not have -ENODEV, a non-keyring target -ENOTDIR.
A key with the same type and description in the keyring is updated (the same key comes
back). The keyring holds a reference on each key it links; the last key_put frees a key and
a keyring drops its links. The result is a key_ref_t: the pointer with the "possessed" bit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kemu.kernel import ServiceTable

table = ServiceTable("keys")

ENODEV, ENOTDIR, EBADMSG, EKEYREVOKED = 19, 20, 74, 128
KEY_IS_POSITIVE = 1                     # enum key_state
POSSESSED = 1                           # the key_ref_t bit
MAX_ERRNO = 4095
OID_CN, OID_O, OID_EMAIL = bytes.fromhex("550403"), bytes.fromhex("55040a"), bytes.fromhex("2a864886f70d010901")
OID_SKID = bytes.fromhex("551d0e")


class X509Error(ValueError):
    """The payload is not a DER certificate kemu can read."""


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the DER element at pos."""
    if pos + 2 > len(data):
        raise X509Error("truncated")
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        if not 0 < n <= 4 or pos + n > len(data):
            raise X509Error("bad length")
        length = int.from_bytes(data[pos:pos + n], "big")
        pos += n
    if pos + length > len(data):
        raise X509Error("truncated")
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out, pos = [], start
    while pos < end:
        tag, s, e = _tlv(data, pos)
        out.append((tag, s, e))
        pos = e
    return out


def _name_parts(data: bytes, start: int, end: int) -> dict[bytes, bytes]:
    """The last CN, O and e-mail values of a Name (as x509_extract_name_segment keeps them)."""
    parts: dict[bytes, bytes] = {}
    for _, rs, re_ in _children(data, start, end):                 # RelativeDistinguishedName (SET)
        for _, as_, ae in _children(data, rs, re_):                # AttributeTypeAndValue (SEQUENCE)
            items = _children(data, as_, ae)
            if len(items) >= 2 and items[0][0] == 0x06:
                parts[data[items[0][1]:items[0][2]]] = data[items[1][1]:items[1][2]]
    return parts


def _subject(parts: dict[bytes, bytes]) -> bytes:
    """x509_fabricate_name."""
    cn, o, email = parts.get(OID_CN, b""), parts.get(OID_O, b""), parts.get(OID_EMAIL, b"")
    if cn and o:
        if len(cn) >= len(o) and cn.startswith(o):
            return cn
        if len(cn) >= 7 and len(o) >= 7 and cn[:7] == o[:7]:
            return cn
        return o + b": " + cn
    return cn or o or email


def x509_description(data: bytes) -> str:
    """The description x509_key_preparse gives a certificate's key."""
    tag, s, e = _tlv(data, 0)
    if tag != 0x30:
        raise X509Error("not a SEQUENCE")
    tbs = _children(data, s, e)
    if not tbs or tbs[0][0] != 0x30:
        raise X509Error("no tbsCertificate")
    fields = _children(data, tbs[0][1], tbs[0][2])
    if fields and fields[0][0] == 0xA0:                            # [0] version
        fields = fields[1:]
    if len(fields) < 6 or fields[0][0] != 0x02 or fields[4][0] != 0x30:
        raise X509Error("bad tbsCertificate")
    serial = data[fields[0][1]:fields[0][2]]
    subject = _subject(_name_parts(data, fields[4][1], fields[4][2]))
    skid = None
    for tag, fs, fe in fields[6:]:
        if tag != 0xA3:                                            # [3] extensions
            continue
        for _, xs, xe in _children(data, *_tlv(data, fs)[1:]):
            items = _children(data, xs, xe)
            if items and data[items[0][1]:items[0][2]] == OID_SKID:
                _, os_, oe = items[-1]
                inner = _tlv(data, os_)
                skid = data[inner[1]:inner[2]]
    return (subject + b": ").decode("latin-1") + (skid if skid is not None else serial).hex()


@dataclass
class Key:
    addr: int
    type_name: str
    description: str
    links: list = field(default_factory=list)        # a keyring's linked keys (struct key addresses)
    text: int = 0                                     # the description string block


class Keys:
    """All keys by address; serial numbers; the two key types' objects."""

    def __init__(self, k) -> None:
        self.k = k
        self.keys: dict[int, Key] = {}
        self.serial = 0x10000000
        self.types: dict[str, int] = {}
        for name in ("keyring", "asymmetric"):
            addr = k.linux.data.get(f"key_type_{name}")
            if addr is None:
                continue
            text = k.machine.alloc("kdata", len(name) + 1, 8)
            k.machine.mem.write(text, name.encode() + b"\0")
            k.machine.mem.write_ptr(addr + k.linux.layout.offset("struct key_type", "name"), text)
            self.types[name] = addr

    def make(self, type_name: str, description: str, uid: int, gid: int, perm: int, caller) -> Key:
        k, lay, mem = self.k, self.k.linux.layout, self.k.machine.mem
        addr = k.heap.alloc(lay.size("struct key"), "key", zero=True, caller=caller)
        text = k.heap.alloc(len(description) + 1, "key", zero=True, caller=caller)
        mem.write(text, description.encode("latin-1") + b"\0")
        self.serial += 1
        put = lambda f, size, v: mem.write_int(addr + lay.offset("struct key", f), size, v)   # noqa: E731
        put("usage", 4, 1)
        put("serial", 4, self.serial)
        put("uid", 4, uid)
        put("gid", 4, gid)
        put("perm", 4, perm)
        put("state", 2, KEY_IS_POSITIVE)
        mem.write_ptr(addr + lay.offset("struct key", "type"), self.types.get(type_name, 0))
        mem.write_ptr(addr + lay.offset("struct key", "description"), text)
        key = self.keys[addr] = Key(addr, type_name, description, text=text)
        return key

    def get(self, addr: int) -> None:
        at = addr + self.k.linux.layout.offset("struct key", "usage")
        self.k.machine.mem.write_u32(at, self.k.machine.mem.read_u32(at) + 1)

    def put(self, addr: int) -> None:
        key = self.keys.get(addr)
        if key is None:
            return
        mem, at = self.k.machine.mem, addr + self.k.linux.layout.offset("struct key", "usage")
        usage = mem.read_u32(at) - 1
        mem.write_u32(at, usage)
        if usage:
            return
        del self.keys[addr]
        for linked in key.links:
            self.put(linked)
        self.k.heap.free(key.text)
        self.k.heap.free(addr)


def keys(k) -> Keys:
    reg = k.linux.__dict__.get("keys")
    if reg is None:
        reg = k.linux.__dict__["keys"] = Keys(k)
    return reg


def _err_ptr(k, errno: int) -> int:
    return (-errno) & ((1 << (8 * k.machine.word_size)) - 1)


@table.service("struct key *keyring_alloc(const char *description, unsigned int uid, unsigned int gid, "
               "const struct cred *cred, unsigned int perm, unsigned long flags, "
               "struct key_restriction *restrict_link, struct key *dest)", needs_call=True)
def keyring_alloc(k, description: int, uid: int, gid: int, cred: int, perm: int, flags: int,
                  restrict_link: int, dest: int, call=None) -> int:
    """A new empty keyring named `description` (linked into dest if given)."""
    reg = keys(k)
    ring = reg.make("keyring", k.read_str(description, 4096).decode("latin-1"), uid, gid, perm,
                    call.return_address)
    target = reg.keys.get(dest)
    if target is not None:
        reg.get(ring.addr)
        target.links.append(ring.addr)
    return ring.addr


@table.service("void *key_create_or_update(void *keyring, const char *type, const char *description, "
               "const void *payload, size_t plen, unsigned int perm, unsigned long flags)", needs_call=True)
def key_create_or_update(k, keyring: int, type: int, description: int, payload: int, plen: int, perm: int,
                         flags: int, call=None) -> int:
    """Instantiate a key of `type` from the payload and link it into the keyring; the
    keyring's existing key of that type and description if there is one."""
    reg = keys(k)
    ring = reg.keys.get(keyring & ~POSSESSED)
    type_name = k.read_str(type, 64).decode("latin-1")
    if ring is None or ring.type_name != "keyring":
        return _err_ptr(k, ENOTDIR)
    if type_name != "asymmetric":
        return _err_ptr(k, ENODEV)
    data = k.machine.mem.read(payload, plen) if plen else b""
    try:
        name = k.read_str(description, 4096).decode("latin-1") if description else x509_description(data)
    except X509Error:
        return _err_ptr(k, EBADMSG)
    for linked in ring.links:
        other = reg.keys[linked]
        if other.type_name == type_name and other.description == name:
            reg.get(linked)
            return linked | (keyring & POSSESSED)
    key = reg.make(type_name, name, 0, 0, perm, call.return_address)
    k.machine.mem.write_int(key.addr + k.linux.layout.offset("struct key", "datalen"), 2, min(plen, 0xFFFF))
    reg.get(key.addr)                        # the keyring's link
    ring.links.append(key.addr)
    return key.addr | (keyring & POSSESSED)


@table.service("void key_put(struct key *key)")
def key_put(k, key: int) -> None:
    """Drop a reference; the last frees the key (a keyring drops its links)."""
    if key and key < (1 << (8 * k.machine.word_size)) - MAX_ERRNO:
        keys(k).put(key)


KEY_FLAG_REVOKED = 1


@table.service("void key_revoke(struct key *key)")
def key_revoke(k, key: int) -> None:
    """Mark the key revoked (KEY_FLAG_REVOKED, once); a revoked keyring is cleared, dropping
    its references on the keys it linked, as keyring_revoke does. The key itself stays until
    its last reference goes."""
    reg = keys(k)
    entry = reg.keys.get(key)
    if entry is None:
        k.linux.pr(f"kernel BUG at security/keys/key.c: key_revoke: {key:#x} is not a key", 0)
        return
    mem, word = k.machine.mem, k.machine.word_size
    at = key + k.linux.layout.offset("struct key", "flags")
    flags = mem.read_int(at, word)
    if flags & (1 << KEY_FLAG_REVOKED):
        return
    mem.write_int(at, word, flags | (1 << KEY_FLAG_REVOKED))
    if entry.type_name == "keyring":
        links, entry.links = entry.links, []
        for linked in links:
            reg.put(linked)
