"""The service tables of the netsock work (struct sock life, netlink message helpers, TCP
ULPs, the net_device helpers left), installed together so system.py carries one line."""
from __future__ import annotations

from . import iov_kvec, net_nl_send, net_nlattr, net_nlmsg, net_sock, netdev_helpers, skb_copy, tcp_ulp

TABLES = (net_sock.table, iov_kvec.table, skb_copy.table, tcp_ulp.table, netdev_helpers.table,
          net_nlmsg.table, net_nlattr.table, net_nl_send.table)
