"""Reading an skb's bytes out (net/core/skbuff.c skb_copy_bits in Linux 6.1).

`skb_copy_bits(skb, offset, to, len)`: -EFAULT when offset + len runs past skb->len, else the
bytes copied from the linear area (head). Paged fragments and the frag_list are not modelled
by kemu's skbs (skbuff.py): a copy reaching into them is reported and is -EFAULT.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .skbuff import Skb

table = ServiceTable("skb_copy")


@table.service("int skb_copy_bits(const struct sk_buff *skb, int offset, void *to, int len)")
def skb_copy_bits(k, skb: int, offset: int, to: int, length: int) -> int:
    """Copy len bytes at offset of the skb's data into `to`: 0, or -EFAULT."""
    offset = offset - (1 << 32) if offset & 0x80000000 else offset
    length = length - (1 << 32) if length & 0x80000000 else length
    s = Skb(k, skb)
    if offset < 0 or length < 0 or offset > s.get("len") - length:
        return -k.errno.EFAULT
    headlen = s.get("len") - s.get("data_len")
    if offset + length > headlen:
        k.linux.pr(f"kemu: skb_copy_bits: sk_buff {skb:#x} bytes past its linear area are not modelled", 4)
        return -k.errno.EFAULT
    if length:
        k.machine.mem.write(to, k.machine.mem.read(s.get("data") + offset, length))
    return 0
