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

from .net_registry import kernel_state, signed32
from .owner import owning_module

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
        self.lwtun: dict[int, int] = {n: KERNEL_OPS for n in BUILTIN_ENCAPS}
        self.l3mdev: dict[int, int] = {}


def encaps(k) -> Encaps:
    return kernel_state(k, "net_encap", Encaps)


@table.service("int lwtunnel_encap_add_ops(const struct lwtunnel_encap_ops *ops, unsigned int num)",
               needs_call=True)
def lwtunnel_encap_add_ops(k, ops: int, num: int, call=None) -> int:
    """Claim encap type `num`: -ERANGE past the last type, -1 if it is taken."""
    reg = encaps(k)
    if num > LWTUNNEL_ENCAP_MAX:
        return -k.errno.ERANGE
    if num in reg.lwtun:
        return -1
    reg.lwtun[num] = ops
    module = owning_module(k, call)
    if module is not None:
        module.on_unload(f"lwtunnel encap {num}", lambda: reg.lwtun.pop(num, None)
                         if reg.lwtun.get(num) == ops else None)
    return 0


@table.service("int lwtunnel_encap_del_ops(const struct lwtunnel_encap_ops *ops, unsigned int encap_type)")
def lwtunnel_encap_del_ops(k, ops: int, encap_type: int) -> int:
    """Release encap type: -ERANGE for NONE or past the last, -1 unless `ops` holds it."""
    reg = encaps(k)
    if encap_type == LWTUNNEL_ENCAP_NONE or encap_type > LWTUNNEL_ENCAP_MAX:
        return -k.errno.ERANGE
    if reg.lwtun.get(encap_type) != ops:
        return -1
    del reg.lwtun[encap_type]
    module = k.loader.module_at(ops)
    if module is not None:
        module.forget_undo(f"lwtunnel encap {encap_type}")
    return 0


@table.service("int l3mdev_table_lookup_register(enum l3mdev_type l3type, void *fn)", needs_call=True)
def l3mdev_table_lookup_register(k, l3type: int, fn: int, call=None) -> int:
    """Set the table-id -> device lookup of an L3 master type (-EINVAL, -EBUSY)."""
    reg = encaps(k)
    l3type = signed32(l3type)
    if not 0 < l3type <= L3MDEV_TYPE_MAX:
        return -k.errno.EINVAL
    if reg.l3mdev.get(l3type):
        return -k.errno.EBUSY
    reg.l3mdev[l3type] = fn
    module = owning_module(k, call)
    if module is not None:
        module.on_unload(f"l3mdev lookup {l3type}", lambda: reg.l3mdev.pop(l3type, None)
                         if reg.l3mdev.get(l3type) == fn else None)
    return 0


@table.service("void l3mdev_table_lookup_unregister(enum l3mdev_type l3type, void *fn)")
def l3mdev_table_lookup_unregister(k, l3type: int, fn: int) -> None:
    """Clear the lookup if `fn` is the one set."""
    reg = encaps(k)
    l3type = signed32(l3type)
    if 0 < l3type <= L3MDEV_TYPE_MAX and reg.l3mdev.get(l3type) == fn:
        del reg.l3mdev[l3type]
        module = k.loader.module_at(fn)
        if module is not None:
            module.forget_undo(f"l3mdev lookup {l3type}")
