"""The kernel's own notifier chains (Linux 6.1) and the register/unregister calls modules use
to join them: reboot (kernel/reboot.c), PM (kernel/power/main.c), memory hotplug
(drivers/base/memory.c), IPv4/IPv6 address and address validators (net/ipv4/devinet.c,
net/ipv6/addrconf_core.c), netevent (net/core/netevent.c), netlink (net/netlink/af_netlink.c),
switchdev (net/switchdev/switchdev.c), nexthop (net/ipv4/nexthop.c, per namespace: kemu's one,
init_net), DCB events (net/dcb/dcbevent.c), the blocking LSM chain (security/security.c) and
the crypto chain (crypto/api.c); the VT keyboard and console chains
(drivers/tty/vt/keyboard.c, vt.c) and the OOM chain (mm/oom_kill.c).

Each is a real notifier chain of the head type the kernel gives it, its head in kernel memory
(the crypto chain is an exported variable, so its head is that export's storage), kept by
notifier_chains.py: priority order, -EEXIST on double registration, -ENOENT on unregistering a
stranger. `fire(linux, name, val, v)` is how the rest of kemu raises the event where it models
it (and the exported call_* functions below let modules raise the ones the kernel exports).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .notifier_chains import HEADS, chain_call, chain_register, chain_unregister, head_list

table = ServiceTable("kernel_notifiers")

#: chain -> (head type, the exported variable holding it if 6.1 exports one)
CHAINS: dict[str, tuple[str, str | None]] = {
    "reboot": ("blocking", None),                 # reboot_notifier_list
    "pm": ("blocking", None),                     # pm_chain_head
    "memory": ("blocking", None),                 # memory_chain
    "inetaddr": ("blocking", None),               # inetaddr_chain
    "inet6addr": ("atomic", None),                # inet6addr_chain
    "inetaddr_validator": ("blocking", None),     # inetaddr_validator_chain
    "inet6addr_validator": ("blocking", None),    # inet6addr_validator_chain
    "netevent": ("atomic", None),                 # netevent_notif_chain
    "netlink": ("blocking", None),                # netlink_chain
    "switchdev": ("atomic", None),                # switchdev_notif_chain
    "switchdev_blocking": ("blocking", None),     # switchdev_blocking_notif_chain
    "nexthop": ("blocking", None),                # init_net.nexthop.notifier_chain
    "dcbevent": ("atomic", None),                 # dcbevent_notif_chain
    "blocking_lsm": ("blocking", None),           # blocking_lsm_notifier_chain
    "crypto": ("blocking", "crypto_chain"),
    "keyboard": ("atomic", None),                 # keyboard_notifier_list (drivers/tty/vt/keyboard.c)
    "vt": ("atomic", None),                       # vt_notifier_list (drivers/tty/vt/vt.c)
    "oom": ("blocking", None),                    # oom_notify_list (mm/oom_kill.c)
}

# reboot chain events (include/linux/notifier.h)
SYS_DOWN = 0x0001
SYS_RESTART = SYS_DOWN
SYS_HALT = 0x0002
SYS_POWER_OFF = 0x0003


class KernelChains:
    """The heads of the kernel's chains, allocated in kernel memory on first use."""

    def __init__(self, linux) -> None:
        self.linux = linux
        self.heads: dict[str, int] = {}

    def head(self, name: str) -> int:
        """The address of chain `name`'s head (struct *_notifier_head)."""
        if name not in self.heads:
            kind, export = CHAINS[name]
            addr = self.linux.data.get(export) if export else None
            if not addr:
                lay, machine = self.linux.layout, self.linux.machine
                size = lay.size(HEADS[kind])
                addr = machine.alloc("kdata", size, 16)
                machine.mem.write(addr, bytes(size))
            self.heads[name] = addr
        return self.heads[name]

    def list_of(self, name: str) -> int:
        """The address of chain `name`'s first-block pointer."""
        return head_list(self.linux.kernel, CHAINS[name][0], self.head(name))


def chains(k) -> KernelChains:
    linux = k.linux
    if "kernel_chains" not in linux.__dict__:
        linux.__dict__["kernel_chains"] = KernelChains(linux)
    return linux.__dict__["kernel_chains"]


def blocks_on(linux, name: str) -> list[int]:
    """The notifier blocks on kernel chain `name`, in call order."""
    from .notifier_chains import blocks
    return blocks(linux.kernel, chains(linux.kernel).list_of(name))


def fire(linux, name: str, val: int, v: int = 0) -> int:
    """Raise event `val` on kernel chain `name` (what the kernel does when the event happens);
    the chain's result (NOTIFY_DONE when nobody listens)."""
    return chain_call(linux.kernel, chains(linux.kernel).list_of(name), val, v)[0]


def _register(k, name: str, nb: int, call) -> int:
    return chain_register(k, chains(k).list_of(name), nb, call)


def _unregister(k, name: str, nb: int) -> int:
    return chain_unregister(k, chains(k).list_of(name), nb)


@table.service("int register_reboot_notifier(struct notifier_block *nb)", needs_call=True)
def register_reboot_notifier(k, nb: int, call=None) -> int:
    """Be told SYS_RESTART / SYS_HALT / SYS_POWER_OFF before the machine goes down."""
    return _register(k, "reboot", nb, call)


@table.service("int unregister_reboot_notifier(struct notifier_block *nb)")
def unregister_reboot_notifier(k, nb: int) -> int:
    """Leave the reboot chain."""
    return _unregister(k, "reboot", nb)


@table.service("int register_pm_notifier(struct notifier_block *nb)", needs_call=True)
def register_pm_notifier(k, nb: int, call=None) -> int:
    """Be told PM_SUSPEND_PREPARE, PM_POST_SUSPEND and the hibernation events."""
    return _register(k, "pm", nb, call)


@table.service("int unregister_pm_notifier(struct notifier_block *nb)")
def unregister_pm_notifier(k, nb: int) -> int:
    """Leave the PM chain."""
    return _unregister(k, "pm", nb)


@table.service("int register_memory_notifier(struct notifier_block *nb)", needs_call=True)
def register_memory_notifier(k, nb: int, call=None) -> int:
    """Be told MEM_GOING_ONLINE, MEM_OFFLINE … as memory blocks change state."""
    return _register(k, "memory", nb, call)


@table.service("void unregister_memory_notifier(struct notifier_block *nb)")
def unregister_memory_notifier(k, nb: int) -> None:
    """Leave the memory hotplug chain."""
    _unregister(k, "memory", nb)


@table.service("int register_inetaddr_notifier(struct notifier_block *nb)", needs_call=True)
def register_inetaddr_notifier(k, nb: int, call=None) -> int:
    """Be told NETDEV_UP / NETDEV_DOWN with the struct in_ifaddr of each IPv4 address change."""
    return _register(k, "inetaddr", nb, call)


@table.service("int unregister_inetaddr_notifier(struct notifier_block *nb)")
def unregister_inetaddr_notifier(k, nb: int) -> int:
    """Leave the IPv4 address chain."""
    return _unregister(k, "inetaddr", nb)


@table.service("int register_inet6addr_notifier(struct notifier_block *nb)", needs_call=True)
def register_inet6addr_notifier(k, nb: int, call=None) -> int:
    """Be told of IPv6 address changes (struct inet6_ifaddr), in atomic context."""
    return _register(k, "inet6addr", nb, call)


@table.service("int unregister_inet6addr_notifier(struct notifier_block *nb)")
def unregister_inet6addr_notifier(k, nb: int) -> int:
    """Leave the IPv6 address chain."""
    return _unregister(k, "inet6addr", nb)


@table.service("int inet6addr_notifier_call_chain(unsigned long val, void *v)")
def inet6addr_notifier_call_chain(k, val: int, v: int) -> int:
    """Raise an IPv6 address event."""
    return fire(k.linux, "inet6addr", val, v)


@table.service("int register_inetaddr_validator_notifier(struct notifier_block *nb)", needs_call=True)
def register_inetaddr_validator_notifier(k, nb: int, call=None) -> int:
    """Be asked (NETDEV_UP with a struct in_validator_info) whether an IPv4 address may be added."""
    return _register(k, "inetaddr_validator", nb, call)


@table.service("int unregister_inetaddr_validator_notifier(struct notifier_block *nb)")
def unregister_inetaddr_validator_notifier(k, nb: int) -> int:
    """Leave the IPv4 validator chain."""
    return _unregister(k, "inetaddr_validator", nb)


@table.service("int register_inet6addr_validator_notifier(struct notifier_block *nb)", needs_call=True)
def register_inet6addr_validator_notifier(k, nb: int, call=None) -> int:
    """Be asked whether an IPv6 address may be added."""
    return _register(k, "inet6addr_validator", nb, call)


@table.service("int unregister_inet6addr_validator_notifier(struct notifier_block *nb)")
def unregister_inet6addr_validator_notifier(k, nb: int) -> int:
    """Leave the IPv6 validator chain."""
    return _unregister(k, "inet6addr_validator", nb)


@table.service("int inet6addr_validator_notifier_call_chain(unsigned long val, void *v)")
def inet6addr_validator_notifier_call_chain(k, val: int, v: int) -> int:
    """Ask the IPv6 validators."""
    return fire(k.linux, "inet6addr_validator", val, v)


@table.service("int register_netevent_notifier(struct notifier_block *nb)", needs_call=True)
def register_netevent_notifier(k, nb: int, call=None) -> int:
    """Be told NETEVENT_NEIGH_UPDATE, NETEVENT_REDIRECT … (atomic context)."""
    return _register(k, "netevent", nb, call)


@table.service("int unregister_netevent_notifier(struct notifier_block *nb)")
def unregister_netevent_notifier(k, nb: int) -> int:
    """Leave the netevent chain."""
    return _unregister(k, "netevent", nb)


@table.service("int call_netevent_notifiers(unsigned long val, void *v)")
def call_netevent_notifiers(k, val: int, v: int) -> int:
    """Raise a netevent."""
    return fire(k.linux, "netevent", val, v)


@table.service("int netlink_register_notifier(struct notifier_block *nb)", needs_call=True)
def netlink_register_notifier(k, nb: int, call=None) -> int:
    """Be told NETLINK_URELEASE when a netlink socket bound to a port is released."""
    return _register(k, "netlink", nb, call)


@table.service("int netlink_unregister_notifier(struct notifier_block *nb)")
def netlink_unregister_notifier(k, nb: int) -> int:
    """Leave the netlink chain."""
    return _unregister(k, "netlink", nb)


@table.service("int register_switchdev_notifier(struct notifier_block *nb)", needs_call=True)
def register_switchdev_notifier(k, nb: int, call=None) -> int:
    """Join the atomic switchdev chain (FDB events from bridges)."""
    return _register(k, "switchdev", nb, call)


@table.service("int unregister_switchdev_notifier(struct notifier_block *nb)")
def unregister_switchdev_notifier(k, nb: int) -> int:
    """Leave the atomic switchdev chain."""
    return _unregister(k, "switchdev", nb)


@table.service("int call_switchdev_notifiers(unsigned long val, struct net_device *dev, "
               "struct switchdev_notifier_info *info, struct netlink_ext_ack *extack)")
def call_switchdev_notifiers(k, val: int, dev: int, info: int, extack: int) -> int:
    """Raise a switchdev event: info->dev and info->extack are filled, then the atomic chain."""
    _fill_switchdev_info(k, info, dev, extack)
    return fire(k.linux, "switchdev", val, info)


@table.service("int register_switchdev_blocking_notifier(struct notifier_block *nb)", needs_call=True)
def register_switchdev_blocking_notifier(k, nb: int, call=None) -> int:
    """Join the blocking switchdev chain (port object and attribute events)."""
    return _register(k, "switchdev_blocking", nb, call)


@table.service("int unregister_switchdev_blocking_notifier(struct notifier_block *nb)")
def unregister_switchdev_blocking_notifier(k, nb: int) -> int:
    """Leave the blocking switchdev chain."""
    return _unregister(k, "switchdev_blocking", nb)


@table.service("int call_switchdev_blocking_notifiers(unsigned long val, struct net_device *dev, "
               "struct switchdev_notifier_info *info, struct netlink_ext_ack *extack)")
def call_switchdev_blocking_notifiers(k, val: int, dev: int, info: int, extack: int) -> int:
    """Raise a blocking switchdev event."""
    _fill_switchdev_info(k, info, dev, extack)
    return fire(k.linux, "switchdev_blocking", val, info)


def _fill_switchdev_info(k, info: int, dev: int, extack: int) -> None:
    """struct switchdev_notifier_info starts with dev then extack (include/net/switchdev.h)."""
    if info:
        word = k.machine.word_size
        k.machine.mem.write_ptr(info, dev)
        k.machine.mem.write_ptr(info + word, extack)


@table.service("int register_nexthop_notifier(struct net *net, struct notifier_block *nb, "
               "struct netlink_ext_ack *extack)", needs_call=True)
def register_nexthop_notifier(k, net: int, nb: int, extack: int, call=None) -> int:
    """Join the namespace's nexthop chain; the nexthops it already has are replayed to the new
    block first (NEXTHOP_EVENT_REPLACE): kemu's init_net has none."""
    return _register(k, "nexthop", nb, call)


@table.service("int unregister_nexthop_notifier(struct net *net, struct notifier_block *nb)")
def unregister_nexthop_notifier(k, net: int, nb: int) -> int:
    """Leave the namespace's nexthop chain."""
    return _unregister(k, "nexthop", nb)


@table.service("int register_dcbevent_notifier(struct notifier_block *nb)", needs_call=True)
def register_dcbevent_notifier(k, nb: int, call=None) -> int:
    """Be told DCB_APP_EVENT when a DCB application priority changes."""
    return _register(k, "dcbevent", nb, call)


@table.service("int unregister_dcbevent_notifier(struct notifier_block *nb)")
def unregister_dcbevent_notifier(k, nb: int) -> int:
    """Leave the DCB event chain."""
    return _unregister(k, "dcbevent", nb)


@table.service("int register_blocking_lsm_notifier(struct notifier_block *nb)", needs_call=True)
def register_blocking_lsm_notifier(k, nb: int, call=None) -> int:
    """Be told LSM_POLICY_CHANGE when a security module reloads its policy."""
    return _register(k, "blocking_lsm", nb, call)


@table.service("int unregister_blocking_lsm_notifier(struct notifier_block *nb)")
def unregister_blocking_lsm_notifier(k, nb: int) -> int:
    """Leave the LSM chain."""
    return _unregister(k, "blocking_lsm", nb)


@table.service("int call_blocking_lsm_notifier(enum lsm_event event, void *data)")
def call_blocking_lsm_notifier(k, event: int, data: int) -> int:
    """Raise an LSM event."""
    return fire(k.linux, "blocking_lsm", event, data)


@table.service("int crypto_register_notifier(struct notifier_block *nb)", needs_call=True)
def crypto_register_notifier(k, nb: int, call=None) -> int:
    """Join crypto_chain (CRYPTO_MSG_ALG_REQUEST, _REGISTER, _LOADED: cryptomgr's probes)."""
    return _register(k, "crypto", nb, call)


@table.service("int crypto_unregister_notifier(struct notifier_block *nb)")
def crypto_unregister_notifier(k, nb: int) -> int:
    """Leave crypto_chain."""
    return _unregister(k, "crypto", nb)


@table.service("int register_keyboard_notifier(struct notifier_block *nb)", needs_call=True)
def register_keyboard_notifier(k, nb: int, call=None) -> int:
    """Be told KBD_KEYCODE, KBD_KEYSYM … for each key the VT keyboard handles."""
    return _register(k, "keyboard", nb, call)


@table.service("int unregister_keyboard_notifier(struct notifier_block *nb)")
def unregister_keyboard_notifier(k, nb: int) -> int:
    """Leave the keyboard chain."""
    return _unregister(k, "keyboard", nb)


@table.service("int register_vt_notifier(struct notifier_block *nb)", needs_call=True)
def register_vt_notifier(k, nb: int, call=None) -> int:
    """Be told VT_ALLOCATE, VT_WRITE, VT_UPDATE … as virtual consoles change."""
    return _register(k, "vt", nb, call)


@table.service("int unregister_vt_notifier(struct notifier_block *nb)")
def unregister_vt_notifier(k, nb: int) -> int:
    """Leave the VT chain."""
    return _unregister(k, "vt", nb)


@table.service("int register_oom_notifier(struct notifier_block *nb)", needs_call=True)
def register_oom_notifier(k, nb: int, call=None) -> int:
    """Be asked to free memory (the unsigned long *freed in v) before the OOM killer picks a task."""
    return _register(k, "oom", nb, call)


@table.service("int unregister_oom_notifier(struct notifier_block *nb)")
def unregister_oom_notifier(k, nb: int) -> int:
    """Leave the OOM chain."""
    return _unregister(k, "oom", nb)
