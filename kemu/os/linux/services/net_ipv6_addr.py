"""IPv6 address classification (net/ipv6/addrconf_core.c in Linux 6.1): `__ipv6_addr_type`,
which ipv6_addr_type() and the IPv6 tunnels use to tell a unicast, multicast, link-local,
site-local, loopback, v4-compatible or v4-mapped address and its scope (bits 16 and up)."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("net_ipv6_addr")

ANY, UNICAST, MULTICAST, LOOPBACK = 0x0000, 0x0001, 0x0002, 0x0010
LINKLOCAL, SITELOCAL, COMPATV4, MAPPED = 0x0020, 0x0040, 0x0080, 0x1000
SCOPE_NODELOCAL, SCOPE_LINKLOCAL, SCOPE_SITELOCAL, SCOPE_GLOBAL = 0x01, 0x02, 0x05, 0x0e


def _scope(scope: int) -> int:
    return scope << 16


def _scope2type(scope: int) -> int:
    """ipv6_addr_scope2type: a multicast scope with the matching unicast-class bit."""
    extra = {SCOPE_NODELOCAL: LOOPBACK, SCOPE_LINKLOCAL: LINKLOCAL, SCOPE_SITELOCAL: SITELOCAL}
    return _scope(scope) | extra.get(scope, 0)


def addr_type(addr: bytes) -> int:
    """The class and scope of a 16-byte IPv6 address, as 6.1 decides them."""
    w = [int.from_bytes(addr[i:i + 4], "big") for i in range(0, 16, 4)]
    top3 = w[0] & 0xE0000000
    if top3 not in (0, 0xE0000000):
        return UNICAST | _scope(SCOPE_GLOBAL)
    if w[0] & 0xFF000000 == 0xFF000000:
        return MULTICAST | _scope2type(addr[1] & 0x0F)
    if w[0] & 0xFFC00000 == 0xFE800000:
        return LINKLOCAL | UNICAST | _scope(SCOPE_LINKLOCAL)
    if w[0] & 0xFFC00000 == 0xFEC00000:
        return SITELOCAL | UNICAST | _scope(SCOPE_SITELOCAL)
    if w[0] & 0xFE000000 == 0xFC000000:
        return UNICAST | _scope(SCOPE_GLOBAL)                     # unique local (RFC 4193)
    if w[0] == 0 and w[1] == 0:
        if w[2] == 0:
            if w[3] == 0:
                return ANY
            if w[3] == 1:
                return LOOPBACK | UNICAST | _scope(SCOPE_LINKLOCAL)
            return COMPATV4 | UNICAST | _scope(SCOPE_GLOBAL)
        if w[2] == 0x0000FFFF:
            return MAPPED | _scope(SCOPE_GLOBAL)
    return UNICAST | _scope(SCOPE_GLOBAL)


@table.service("int __ipv6_addr_type(const struct in6_addr *addr)")
def __ipv6_addr_type(k, addr: int) -> int:
    """Classify the IPv6 address at addr."""
    return addr_type(k.machine.mem.read(addr, 16))
