"""Netlink attributes put into a message (lib/nlattr.c in Linux 6.1).

* `nla_reserve(skb, type, len)`: -EMSGSIZE / NULL when the skb's tailroom is below
  nla_total_size(len), else a struct nlattr {nla_len = NLA_HDRLEN + len, nla_type} and len
  bytes at the tail, the NLA_ALIGN padding zeroed; `nla_put` copies `data` into it (a NULL
  data with len 0 is what nla_nest_start does). The `_64bit` forms take a pad attribute for
  arches without efficient unaligned access: x86 has it, so they are the plain forms.
* `nla_put_nohdr` / `nla_reserve_nohdr`: the payload without a header.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .net_nlmsg import tailroom
from .skbuff import skb_put

table = ServiceTable("net_nlattr")

NLA_ALIGNTO = 4
NLA_HDRLEN = 4                                # NLA_ALIGN(sizeof(struct nlattr)): u16 len, u16 type


def nla_align(n: int) -> int:
    return (n + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1)


def _signed(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def reserve(k, skb: int, type_: int, length: int) -> int:
    """__nla_reserve after the tailroom check: the attribute, or 0 when there is no room."""
    total = nla_align(NLA_HDRLEN + length)
    if length < 0 or tailroom(k, skb) < total:
        return 0
    nla = skb_put(k, skb, total)
    if not nla:
        return 0
    mem = k.machine.mem
    mem.write_u16(nla, NLA_HDRLEN + length)
    mem.write_u16(nla + 2, type_ & 0xFFFF)
    mem.write(nla + NLA_HDRLEN + length, bytes(total - NLA_HDRLEN - length))
    return nla


def put(k, skb: int, type_: int, length: int, data: int) -> int:
    nla = reserve(k, skb, type_, _signed(length))
    if not nla:
        return -k.errno.EMSGSIZE
    if length and data:
        k.machine.mem.write(nla + NLA_HDRLEN, k.machine.mem.read(data, length))
    return 0


@table.service("struct nlattr *nla_reserve(struct sk_buff *skb, int attrtype, int attrlen)")
def nla_reserve(k, skb: int, type_: int, length: int) -> int:
    """Room for an attribute of attrlen bytes (uninitialised payload), or NULL."""
    return reserve(k, skb, type_, _signed(length))


@table.service("struct nlattr *nla_reserve_64bit(struct sk_buff *skb, int attrtype, int attrlen, int padattr)")
def nla_reserve_64bit(k, skb: int, type_: int, length: int, padattr: int) -> int:
    """nla_reserve (x86 needs no 64-bit alignment pad)."""
    return reserve(k, skb, type_, _signed(length))


@table.service("int nla_put(struct sk_buff *skb, int attrtype, int attrlen, const void *data)")
def nla_put(k, skb: int, type_: int, length: int, data: int) -> int:
    """Add an attribute: 0, or -EMSGSIZE when the skb has no room."""
    return put(k, skb, type_, length, data)


@table.service("int nla_put_64bit(struct sk_buff *skb, int attrtype, int attrlen, const void *data, int padattr)")
def nla_put_64bit(k, skb: int, type_: int, length: int, data: int, padattr: int) -> int:
    """nla_put (x86 needs no 64-bit alignment pad)."""
    return put(k, skb, type_, length, data)


@table.service("void *nla_reserve_nohdr(struct sk_buff *skb, int attrlen)")
def nla_reserve_nohdr(k, skb: int, length: int) -> int:
    """Room for NLA_ALIGN(attrlen) payload bytes without a header, or NULL."""
    length = _signed(length)
    total = nla_align(length)
    if length < 0 or tailroom(k, skb) < total:
        return 0
    start = skb_put(k, skb, total)
    if start:
        k.machine.mem.write(start + length, bytes(total - length))
    return start


@table.service("int nla_put_nohdr(struct sk_buff *skb, int attrlen, const void *data)")
def nla_put_nohdr(k, skb: int, length: int, data: int) -> int:
    """Add payload without a header: 0, or -EMSGSIZE."""
    start = nla_reserve_nohdr(k, skb, length)
    if not start:
        return -k.errno.EMSGSIZE
    if length and data:
        k.machine.mem.write(start, k.machine.mem.read(data, _signed(length)))
    return 0
