"""TCP upper-layer protocols (net/ipv4/tcp_ulp.c, tcp_input.c in Linux 6.1): what kTLS and
espintcp register so `setsockopt(TCP_ULP, "tls")` can find them.

* `tcp_register_ulp(ulp)`: the ops join tcp_ulp_list (list_add_tail_rcu on ulp->list) unless
  a ULP of that name is there already: -EEXIST. The kernel's own "mptcp" subflow ULP
  (CONFIG_MPTCP=y in Debian) is on the list from boot.
* `tcp_unregister_ulp(ulp)`: off the list (an RCU grace period follows; kemu's is immediate).
  A module that goes without unregistering has its ULP dropped (nothing calls into freed code).
* `clean_acked_data_flush()`: static_key_deferred_flush of clean_acked_data_enabled: the
  decrements clean_acked_data_disable deferred (rate-limited by a HZ delay) happen now.
  `clean_acked_data_enable` / `_disable` (kTLS device offload) keep that count.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("tcp_ulp")

#: ULPs built into Debian's 6.1 kernel (net/mptcp/subflow.c registers "mptcp" at boot)
BUILTIN_ULPS = ("mptcp",)
TCP_ULP_NAME_MAX = 16


class Ulps:
    def __init__(self) -> None:
        self.registered: dict[int, str] = {}        # struct tcp_ulp_ops -> name
        self.clean_acked = 0                         # clean_acked_data_enabled's count
        self.deferred_dec = 0                        # decrements waiting for the flush


def ulps(k) -> Ulps:
    return k.linux.__dict__.setdefault("tcp_ulps", Ulps())


def _name(k, ulp: int) -> str:
    off = k.linux.layout.offset("struct tcp_ulp_ops", "name")
    return k.machine.mem.read_cstr(ulp + off, TCP_ULP_NAME_MAX).decode("latin-1")


def _list_node(k, ulp: int) -> int:
    return ulp + k.linux.layout.offset("struct tcp_ulp_ops", "list")


@table.service("int tcp_register_ulp(struct tcp_ulp_ops *ulp)", needs_call=True)
def tcp_register_ulp(k, ulp: int, call=None) -> int:
    """Add a ULP by name: 0, or -EEXIST when the name is taken."""
    if not ulp:
        k.linux.pr("BUG: kernel NULL pointer dereference: tcp_register_ulp with NULL ops", 1)
        k.linux.add_taint("D")
        return -k.errno.EINVAL
    reg, name = ulps(k), _name(k, ulp)
    if name in BUILTIN_ULPS or name in reg.registered.values():
        return -k.errno.EEXIST
    reg.registered[ulp] = name
    node = _list_node(k, ulp)
    k.machine.mem.write_ptr(node, node)             # its own list_head: tcp_ulp_list is private
    k.machine.mem.write_ptr(node + k.machine.word_size, node)
    module = k.loader.module_at(call.return_address)
    if module is not None:
        module.on_unload(f"tcp ulp {name}", lambda: reg.registered.pop(ulp, None))
    return 0


@table.service("void tcp_unregister_ulp(struct tcp_ulp_ops *ulp)")
def tcp_unregister_ulp(k, ulp: int) -> None:
    """Remove a ULP (one not registered is list debugging's list_del corruption WARN)."""
    reg = ulps(k)
    name = reg.registered.pop(ulp, None)
    if name is None:
        k.linux.pr(f"list_del corruption: tcp_ulp_ops {ulp:#x} is not on tcp_ulp_list", 4)
        k.linux.add_taint("W")
        return
    module = k.loader.module_at(ulp)
    if module is not None:
        module.forget_undo(f"tcp ulp {name}")


def registered_names(k) -> list[str]:
    """The names on tcp_ulp_list, the kernel's first (what /proc/sys/net/ipv4/tcp_available_ulp lists)."""
    return list(BUILTIN_ULPS) + list(ulps(k).registered.values())


@table.service("void clean_acked_data_enable(struct inet_connection_sock *icsk, "
               "void (*cad)(struct sock *sk, u32 ack_seq))")
def clean_acked_data_enable(k, icsk: int, cad: int) -> None:
    """Hook `cad` on the connection (icsk_clean_acked) and count one user of the
    clean_acked_data branch (static_branch_deferred_inc)."""
    lay = k.linux.layout
    k.machine.mem.write_ptr(icsk + lay.offset("struct inet_connection_sock", "icsk_clean_acked"), cad)
    ulps(k).clean_acked += 1


@table.service("void clean_acked_data_disable(struct inet_connection_sock *icsk)")
def clean_acked_data_disable(k, icsk: int) -> None:
    """Unhook the connection and give a use of the branch back; the decrement is deferred
    until the rate-limit work runs (or clean_acked_data_flush)."""
    lay = k.linux.layout
    k.machine.mem.write_ptr(icsk + lay.offset("struct inet_connection_sock", "icsk_clean_acked"), 0)
    ulps(k).deferred_dec += 1


@table.service("void clean_acked_data_flush(void)")
def clean_acked_data_flush(k) -> None:
    """Run the deferred decrements of clean_acked_data_enabled now."""
    reg = ulps(k)
    reg.clean_acked = max(reg.clean_acked - reg.deferred_dec, 0)
    reg.deferred_dec = 0
