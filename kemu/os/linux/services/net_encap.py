"""Route encapsulation and L3 master-device lookups as modules see them
(net/core/lwtunnel.c, net/l3mdev/l3mdev.c in Linux 6.1).

* `lwtunnel_encap_add_ops(ops, num)`: lwtun_encaps[num] is set if empty: -ERANGE beyond
  LWTUNNEL_ENCAP_MAX, and -1 (the kernel's cmpxchg result, not an errno name) if the slot is
  taken. `lwtunnel_encap_del_ops(ops, num)`: -ERANGE for NONE or beyond MAX, -1 unless `ops`
  is the one there. Debian builds in the ip, ip6, bpf, seg6, seg6local, rpl and ioam6
  encaps, so those slots are taken at boot.
* `l3mdev_table_lookup_register(type, fn)`: the lookup for an L3 master type (only
  L3MDEV_TYPE_VRF): -EINVAL for another type, -EBUSY if one is set;
  `l3mdev_table_lookup_unregister` clears it if `fn` is the one set.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .net_registry import Slots, kernel_state, signed32

table = ServiceTable("net_encap")

LWTUNNEL_ENCAP_NONE, LWTUNNEL_ENCAP_MPLS, LWTUNNEL_ENCAP_IP, LWTUNNEL_ENCAP_ILA = 0, 1, 2, 3
LWTUNNEL_ENCAP_IP6, LWTUNNEL_ENCAP_SEG6, LWTUNNEL_ENCAP_BPF, LWTUNNEL_ENCAP_SEG6_LOCAL = 4, 5, 6, 7
LWTUNNEL_ENCAP_RPL, LWTUNNEL_ENCAP_IOAM6, LWTUNNEL_ENCAP_XFRM = 8, 9, 10
LWTUNNEL_ENCAP_MAX = LWTUNNEL_ENCAP_XFRM
BUILTIN_ENCAPS = (LWTUNNEL_ENCAP_IP, LWTUNNEL_ENCAP_IP6, LWTUNNEL_ENCAP_BPF, LWTUNNEL_ENCAP_SEG6,
                  LWTUNNEL_ENCAP_SEG6_LOCAL, LWTUNNEL_ENCAP_RPL, LWTUNNEL_ENCAP_IOAM6)
L3MDEV_TYPE_VRF = 1
L3MDEV_TYPE_MAX = L3MDEV_TYPE_VRF
KERNEL_OPS = -1          # stands for the kernel's own ops in a slot


class Encaps:
    def __init__(self, k) -> None:
        self.lwtun = Slots(k, "lwtunnel encap", {n: KERNEL_OPS for n in BUILTIN_ENCAPS})
        self.l3mdev = Slots(k, "l3mdev lookup")


def encaps(k) -> Encaps:
    return kernel_state(k, "net_encap", Encaps)


@table.service("int lwtunnel_encap_add_ops(const struct lwtunnel_encap_ops *ops, unsigned int num)",
               needs_call=True)
def lwtunnel_encap_add_ops(k, ops: int, num: int, call=None) -> int:
    """Claim encap type `num`: -ERANGE past the last type, -1 if it is taken."""
    if num > LWTUNNEL_ENCAP_MAX:
        return -k.errno.ERANGE
    return 0 if encaps(k).lwtun.claim(num, ops, call) else -1


@table.service("int lwtunnel_encap_del_ops(const struct lwtunnel_encap_ops *ops, unsigned int encap_type)")
def lwtunnel_encap_del_ops(k, ops: int, encap_type: int) -> int:
    """Release encap type: -ERANGE for NONE or past the last, -1 unless `ops` holds it."""
    if encap_type == LWTUNNEL_ENCAP_NONE or encap_type > LWTUNNEL_ENCAP_MAX:
        return -k.errno.ERANGE
    return 0 if encaps(k).lwtun.release(encap_type, ops) else -1


@table.service("int l3mdev_table_lookup_register(enum l3mdev_type l3type, void *fn)", needs_call=True)
def l3mdev_table_lookup_register(k, l3type: int, fn: int, call=None) -> int:
    """Set the table-id -> device lookup of an L3 master type (-EINVAL, -EBUSY)."""
    l3type = signed32(l3type)
    if not 0 < l3type <= L3MDEV_TYPE_MAX:
        return -k.errno.EINVAL
    return 0 if encaps(k).l3mdev.claim(l3type, fn, call) else -k.errno.EBUSY


@table.service("void l3mdev_table_lookup_unregister(enum l3mdev_type l3type, void *fn)")
def l3mdev_table_lookup_unregister(k, l3type: int, fn: int) -> None:
    """Clear the lookup if `fn` is the one set."""
    l3type = signed32(l3type)
    if 0 < l3type <= L3MDEV_TYPE_MAX:
        encaps(k).l3mdev.release(l3type, fn)
