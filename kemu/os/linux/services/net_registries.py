"""The networking registries of the traffic-control and link layers, as one table for the
Linux personality to install: qdiscs, classifiers and ematches (net_sched.py), tc actions
(tc_actions.py), TCP congestion control (tcp_cong.py), rtnetlink (rtnl.py), sock_diag
(sock_diag.py), lwtunnel and l3mdev (net_encap.py), the connector (connector.py), netfilter's
sockopt/log/queue/hook registries (netfilter_regs.py), the vlan and bridge ioctl hooks
(net_ioctl_hooks.py) and BPF kfunc sets (btf_kfunc.py)."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import btf_kfunc, connector, net_encap, net_ioctl_hooks, net_sched, netfilter_regs, rtnl, \
    sock_diag, tc_actions, tcp_cong

table = ServiceTable("net_registries")
for _part in (net_sched, tc_actions, tcp_cong, rtnl, sock_diag, net_encap, connector, netfilter_regs,
              net_ioctl_hooks, btf_kfunc):
    for _svc in _part.table:
        table.add(_svc)
