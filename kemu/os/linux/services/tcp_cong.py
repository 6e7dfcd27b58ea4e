"""TCP congestion-control algorithms as modules see them (net/ipv4/tcp_cong.c in Linux 6.1).

* `tcp_register_congestion_control(ca)`: an algorithm must have ssthresh, undo_cwnd and one
  of cong_avoid / cong_control ("%s does not implement required ops", -EINVAL). Its key is
  jhash(name, sizeof(name), strlen(name)), written to `ca->key`; a key of 0 (TCP_CA_UNSPEC) or
  one already on tcp_cong_list is "%s already registered or non-unique key", -EEXIST.
  Otherwise the algorithm joins the tail of tcp_cong_list.
* `tcp_unregister_congestion_control(ca)`: list_del and a grace period.
Debian builds cubic in (CONFIG_TCP_CONG_CUBIC=y, the default) and reno is always there, so
both names and keys are taken at boot. `available()` is what
/proc/sys/net/ipv4/tcp_available_congestion_control lists.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .net_registry import Fields, OpsList, kernel_state, list_del_corruption, need

table = ServiceTable("tcp_cong")

TCP_CA_NAME_MAX = 16
TCP_CA_UNSPEC = 0
JHASH_INITVAL = 0xDEADBEEF
BUILTIN = ("reno", "cubic")      # tcp_cong_list order at boot: reno first (tcp_init), then cubic


def _rol32(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF


def jhash(data: bytes, initval: int) -> int:
    """Bob Jenkins' lookup3 hash as include/linux/jhash.h computes it (little-endian words)."""
    m = 0xFFFFFFFF
    length = len(data)
    a = b = c = (JHASH_INITVAL + length + initval) & m
    i = 0
    while length > 12:
        a = (a + int.from_bytes(data[i:i + 4], "little")) & m
        b = (b + int.from_bytes(data[i + 4:i + 8], "little")) & m
        c = (c + int.from_bytes(data[i + 8:i + 12], "little")) & m
        for x, y, z, r in (("a", "c", "b", 4), ("b", "a", "c", 6), ("c", "b", "a", 8),
                           ("a", "c", "b", 16), ("b", "a", "c", 19), ("c", "b", "a", 4)):
            v = {"a": a, "b": b, "c": c}
            v[x] = ((v[x] - v[y]) & m) ^ _rol32(v[y], r)
            v[y] = (v[y] + v[z]) & m
            a, b, c = v["a"], v["b"], v["c"]
        length -= 12
        i += 12
    if length == 0:
        return c
    tail = data[i:i + length] + bytes(12 - length)
    a = (a + int.from_bytes(tail[0:4], "little")) & m
    b = (b + int.from_bytes(tail[4:8], "little")) & m
    c = (c + int.from_bytes(tail[8:12], "little")) & m
    for x, y, r in (("c", "b", 14), ("a", "c", 11), ("b", "a", 25), ("c", "b", 16),
                    ("a", "c", 4), ("b", "a", 14), ("c", "b", 24)):
        v = {"a": a, "b": b, "c": c}
        v[x] = ((v[x] ^ v[y]) - _rol32(v[y], r)) & m
        a, b, c = v["a"], v["b"], v["c"]
    return c


def ca_key(name: str) -> int:
    """tcp_ca_get_key's hash of a name: jhash over the whole char[TCP_CA_NAME_MAX]."""
    raw = name.encode("latin-1")[:TCP_CA_NAME_MAX]
    return jhash(raw + bytes(TCP_CA_NAME_MAX - len(raw)), len(raw))


class CongList:
    """tcp_cong_list: the built-in algorithms by name, then the modules' ops."""

    def __init__(self, k) -> None:
        self.k = k
        self.ops = OpsList(k, "tcp_congestion_ops")
        self.f = Fields(k, "struct tcp_congestion_ops")

    def name(self, ca: int) -> str:
        return self.f.chars(ca, "name", TCP_CA_NAME_MAX)

    def available(self) -> list[str]:
        return list(BUILTIN) + [self.name(ca) for ca in self.ops]

    def keys(self) -> set[int]:
        return {ca_key(n) for n in BUILTIN} | {self.f.u32(ca, "key") for ca in self.ops}


def cong_list(k) -> CongList:
    return kernel_state(k, "tcp_cong", CongList)


@table.service("int tcp_register_congestion_control(struct tcp_congestion_ops *ca)", needs_call=True)
def tcp_register_congestion_control(k, ca: int, call=None) -> int:
    """Validate the algorithm, key it by its name's hash and add it to tcp_cong_list."""
    reg = cong_list(k)
    f = reg.f
    name = reg.name(need(ca, "tcp_register_congestion_control's ca"))
    if not (f.ptr(ca, "ssthresh") and f.ptr(ca, "undo_cwnd")
            and (f.ptr(ca, "cong_avoid") or f.ptr(ca, "cong_control"))):
        k.linux.pr(f"{name} does not implement required ops", 3)
        return -k.errno.EINVAL
    key = ca_key(name)
    k.machine.mem.write_u32(ca + f.off("key"), key)
    if key == TCP_CA_UNSPEC or key in reg.keys() or ca in reg.ops:
        k.linux.pr(f"{name} already registered or non-unique key", 5)
        return -k.errno.EEXIST
    reg.ops.add(ca, call, f.ptr(ca, "owner"))
    return 0


@table.service("void tcp_unregister_congestion_control(struct tcp_congestion_ops *ca)")
def tcp_unregister_congestion_control(k, ca: int) -> None:
    """Take the algorithm off tcp_cong_list."""
    if not cong_list(k).ops.remove(ca):
        list_del_corruption(k, "tcp_congestion_ops", ca)
