"""The service tables of the netdev work (net_device, the inet/inet6/xfrm registries, skbs,
line disciplines), installed together so system.py carries one line for them."""
from __future__ import annotations

from . import net_device, net_device_register, net_gro, net_inet_hash, net_ipv6_addr, net_kernel_sock, net_inet_protos, net_xfrm, skbuff, tty_ldisc

TABLES = (net_device.table, net_device_register.table, net_gro.table, net_ipv6_addr.table, net_kernel_sock.table, net_inet_protos.table, net_inet_hash.table, net_xfrm.table, skbuff.table, tty_ldisc.table)
