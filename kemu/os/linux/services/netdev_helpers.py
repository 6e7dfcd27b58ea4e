"""The net_device helpers drivers call around registration (net/core/dev.c, link_watch.c,
net-sysfs.c, flow_dissector.c, net/xfrm/xfrm_state.c in Linux 6.1).

* `netdev_printk` / `netdev_emerg` … `netdev_info`: with a parent device, 6.1 prints
  "<driver> <parent> <name><state>: <message>"; without, "<name><state>: <message>"; for NULL
  "(NULL net_device): <message>". <name> is "(unnamed net_device)" while the name is empty or
  still a %d template, <state> " (uninitialized)", "" (registered), " (unregistering)" …
* `netif_carrier_off` / `netif_carrier_on`: set / clear __LINK_STATE_NOCARRIER; a change on
  a device past NETREG_UNINITIALIZED counts in carrier_down/up_count and fires a link-watch
  event. kemu runs the link-watch work at once (the kernel within a second): operstate
  becomes IF_OPER_DOWN / IF_OPER_UP and, for a device that is up, NETDEV_CHANGE goes down the
  netdevice notifier chain.
* `dev_close`: for a device that is up, NETDEV_GOING_DOWN, __LINK_STATE_START cleared,
  ndo_stop, IFF_UP cleared, NETDEV_DOWN; a device that is down is left alone.
* `netdev_class_create_file_ns` / `netdev_class_remove_file_ns`: a class attribute in
  /sys/class/net (bonding's bonding_masters); a name already there is sysfs's duplicate-name
  WARN and -EEXIST. The files are kept in `net_class_files` (not yet readable through /sys).
* `netdev_lower_get_next_private`: the next lower device's private pointer on
  dev->adj_list.lower. kemu links no upper/lower devices (netdev_upper_dev_link is not
  modelled), so the list is empty and the walk ends at once: NULL. An iterator that is not the
  list head is reported (it cannot have come from a list kemu made).
* `skb_flow_dissector_init`: the dissector zeroed, then each key's bit in used_keys and its
  offset; an offset past USHRT_MAX, a key given twice, or a missing CONTROL or BASIC key is a
  BUG in 6.1 (reported, taint D).
* `xfrm_dev_state_flush`: delete the SAs offloaded to the device: kemu keeps no SAs (see
  net_xfrm.py), so none matches: -ESRCH, as 6.1 returns then.
* `wireless_nlevent_flush`: send the queued wireless-extension events to rtnetlink: kemu
  queues none (no driver event is modelled), so the queue is empty and nothing is sent.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .dev_printk import dev_driver_string, dev_name, KERN_ALERT, KERN_CRIT, KERN_EMERG, KERN_ERR, \
    KERN_INFO, KERN_NOTICE, KERN_WARNING
from .net_device import IFNAMSIZ, fld_read, fld_write, off, read_name
from .net_device_register import IFF_UP, NETDEV_DOWN, NETDEV_GOING_DOWN, call_notifiers
from .printk import split_level

table = ServiceTable("netdev_helpers")

#: enum netdev_state_t
LINK_STATE_START, LINK_STATE_NOCARRIER = 0, 2
#: enum netdev_reg_state: the suffix netdev_reg_state() prints for each
REG_STATE_SUFFIX = {0: " (uninitialized)", 1: "", 2: " (unregistering)", 3: " (unregistered)",
                    4: " (released)", 5: " (dummy)"}
NETDEV_CHANGE = 4
IF_OPER_DOWN, IF_OPER_UP = 2, 6
FLOW_DISSECTOR_KEY_CONTROL, FLOW_DISSECTOR_KEY_BASIC = 0, 1
USHRT_MAX = 0xFFFF


# --- netdev_printk ---------------------------------------------------------------------------------
def netdev_name(k, dev: int) -> str:
    """netdev_name(): the name, or "(unnamed net_device)" while empty or a template."""
    name = read_name(k, dev)
    return "(unnamed net_device)" if not name or "%" in name else name


def netdev_reg_state(k, dev: int) -> str:
    state = fld_read(k, dev, "reg_state")
    if state not in REG_STATE_SUFFIX:
        k.linux.pr(f"WARNING: {read_name(k, dev)}: unknown reg_state {state}", 4)
        k.linux.add_taint("W")
        return " (unknown)"
    return REG_STATE_SUFFIX[state]


def emit(k, level: int, dev: int, fmt: int, args) -> None:
    """__netdev_printk: the message prefixed as 6.1 prefixes it."""
    msg_level, _, text = split_level(k.linux.format(fmt, args))
    message = text.decode("utf-8", "replace")
    if not dev:
        line = f"(NULL net_device): {message}"
    else:
        lay = k.linux.layout
        parent = k.machine.mem.read_ptr(dev + off(k, "dev") + lay.offset("struct device", "parent"))
        who = f"{netdev_name(k, dev)}{netdev_reg_state(k, dev)}"
        line = f"{dev_driver_string(k, parent)} {dev_name(k, parent)} {who}: {message}" if parent \
            else f"{who}: {message}"
    k.linux.log(line if line.endswith("\n") else line + "\n", level if msg_level is None else msg_level)


def _level_service(name: str, level: int):
    @table.service(f"void {name}(const struct net_device *dev, const char *fmt, ...)")
    def service(k, dev: int, fmt: int, args) -> None:
        emit(k, level, dev, fmt, args)
    service.__doc__ = f"{name}(): a net_device message at level {level}."
    return service


for _name, _level in (("netdev_emerg", KERN_EMERG), ("netdev_alert", KERN_ALERT), ("netdev_crit", KERN_CRIT),
                      ("netdev_err", KERN_ERR), ("netdev_warn", KERN_WARNING), ("netdev_notice", KERN_NOTICE),
                      ("netdev_info", KERN_INFO)):
    _level_service(_name, _level)


@table.service("void netdev_printk(const char *level, const struct net_device *dev, const char *format, ...)")
def netdev_printk(k, level: int, dev: int, fmt: int, args) -> None:
    """netdev_printk(KERN_x, dev, ...): the level is a KERN_SOH string."""
    lvl, _, _ = split_level(k.read_str(level)) if level else (None, False, b"")
    emit(k, KERN_WARNING if lvl is None else lvl, dev, fmt, args)


# --- carrier and link watch ------------------------------------------------------------------------
def _state_bit(k, dev: int, bit: int, value: bool) -> bool:
    """test_and_set_bit / test_and_clear_bit on dev->state: the old value."""
    state = fld_read(k, dev, "state")
    fld_write(k, dev, "state", state | (1 << bit) if value else state & ~(1 << bit))
    return bool(state & (1 << bit))


def _bump(k, dev: int, field: str) -> None:
    fld_write(k, dev, field, (fld_read(k, dev, field) + 1) & 0xFFFFFFFF)


def linkwatch_run(k, dev: int) -> None:
    """linkwatch_do_dev, run at once: operstate from the carrier, NETDEV_CHANGE if up."""
    carrier = not fld_read(k, dev, "state") & (1 << LINK_STATE_NOCARRIER)
    fld_write(k, dev, "operstate", IF_OPER_UP if carrier else IF_OPER_DOWN)
    if fld_read(k, dev, "flags") & IFF_UP:
        call_notifiers(k, NETDEV_CHANGE, dev)


def _need_dev(k, dev: int, fn: str) -> bool:
    if dev:
        return True
    k.linux.pr(f"BUG: kernel NULL pointer dereference: {fn} with a NULL net_device", 1)
    k.linux.add_taint("D")
    return False


@table.service("void netif_carrier_off(struct net_device *dev)")
def netif_carrier_off(k, dev: int) -> None:
    """The device lost its link."""
    if not _need_dev(k, dev, "netif_carrier_off"):
        return
    if not _state_bit(k, dev, LINK_STATE_NOCARRIER, True) and fld_read(k, dev, "reg_state"):
        _bump(k, dev, "carrier_down_count")
        linkwatch_run(k, dev)


@table.service("void netif_carrier_on(struct net_device *dev)")
def netif_carrier_on(k, dev: int) -> None:
    """The device has a link."""
    if not _need_dev(k, dev, "netif_carrier_on"):
        return
    if _state_bit(k, dev, LINK_STATE_NOCARRIER, False) and fld_read(k, dev, "reg_state"):
        _bump(k, dev, "carrier_up_count")
        linkwatch_run(k, dev)


@table.service("void dev_close(struct net_device *dev)")
def dev_close(k, dev: int) -> None:
    """Bring an up device down (ndo_stop, NETDEV_GOING_DOWN then NETDEV_DOWN)."""
    if not _need_dev(k, dev, "dev_close") or not fld_read(k, dev, "flags") & IFF_UP:
        return
    call_notifiers(k, NETDEV_GOING_DOWN, dev)
    _state_bit(k, dev, LINK_STATE_START, False)
    ops = fld_read(k, dev, "netdev_ops")
    stop = k.machine.mem.read_ptr(ops + k.linux.layout.offset("struct net_device_ops", "ndo_stop")) if ops else 0
    if stop:
        k.linux.call_kernel_pointer(stop, dev, what="ndo_stop")
    fld_write(k, dev, "flags", fld_read(k, dev, "flags") & ~IFF_UP)
    call_notifiers(k, NETDEV_DOWN, dev)


# --- /sys/class/net attributes ---------------------------------------------------------------------
def net_class_files(k) -> dict[str, int]:
    """name -> struct class_attribute of the files modules added to /sys/class/net."""
    return k.linux.__dict__.setdefault("net_class_files", {})


def _class_attr_name(k, attr: int) -> str:
    lay = k.linux.layout
    name = k.machine.mem.read_ptr(attr + lay.offset("struct class_attribute", "attr") +
                                  lay.offset("struct attribute", "name"))
    return k.read_str(name, 256).decode("utf-8", "replace") if name else ""


@table.service("int netdev_class_create_file_ns(const struct class_attribute *class_attr, const void *ns)",
               needs_call=True)
def netdev_class_create_file_ns(k, attr: int, ns: int, call=None) -> int:
    """Add /sys/class/net/<attr name>: 0, or -EEXIST for a name already there."""
    if not attr:
        return -k.errno.EINVAL
    files, name = net_class_files(k), _class_attr_name(k, attr)
    if name in files or f"/sys/class/net/{name}" in k.linux.sysfs.dirs:
        k.linux.pr(f"sysfs: cannot create duplicate filename '/class/net/{name}'", 4)
        k.linux.add_taint("W")
        return -k.errno.EEXIST
    files[name] = attr
    module = k.loader.module_at(call.return_address)
    if module is not None:
        module.on_unload(f"net class file {name}", lambda: files.pop(name, None))
    return 0


@table.service("void netdev_class_remove_file_ns(const struct class_attribute *class_attr, const void *ns)")
def netdev_class_remove_file_ns(k, attr: int, ns: int) -> None:
    """Remove /sys/class/net/<attr name> (silently if it is not there)."""
    if not attr:
        return
    name = _class_attr_name(k, attr)
    if net_class_files(k).pop(name, None) is not None:
        module = k.loader.module_at(attr)
        if module is not None:
            module.forget_undo(f"net class file {name}")


# --- adjacency lists -------------------------------------------------------------------------------
@table.service("void *netdev_lower_get_next_private(struct net_device *dev, struct list_head **iter)")
def netdev_lower_get_next_private(k, dev: int, iter_: int) -> int:
    """The next lower device's private data; NULL at the end of dev->adj_list.lower."""
    if not _need_dev(k, dev, "netdev_lower_get_next_private"):
        return 0
    pos = k.machine.mem.read_ptr(iter_)
    if pos == dev + off(k, "adj_list.lower"):
        return 0
    k.linux.pr(f"kemu: netdev_lower_get_next_private: {read_name(k, dev)[:IFNAMSIZ]} iterator {pos:#x} "
               f"is not on a lower list kemu made (no upper/lower links are modelled)", 3)
    k.linux.add_taint("W")
    return 0


# --- flow dissector --------------------------------------------------------------------------------
@table.service("void skb_flow_dissector_init(struct flow_dissector *flow_dissector, "
               "const struct flow_dissector_key *key, unsigned int key_count)")
def skb_flow_dissector_init(k, fd: int, key: int, key_count: int) -> None:
    """Record which keys the dissector fills and where in the target they go."""
    lay, mem = k.linux.layout, k.machine.mem
    used_off = lay.offset("struct flow_dissector", "used_keys")
    used_size = lay.field_size("struct flow_dissector", "used_keys")
    offsets = fd + lay.offset("struct flow_dissector", "offset")
    n_keys = lay.field_size("struct flow_dissector", "offset") // 2
    ksize = lay.size("struct flow_dissector_key")
    mem.write(fd, bytes(lay.size("struct flow_dissector")))
    used = 0

    def bug(what: str) -> None:
        k.linux.pr(f"kernel BUG at net/core/flow_dissector.c: skb_flow_dissector_init: {what}", 0)
        k.linux.add_taint("D")
    for i in range(key_count):
        entry = key + i * ksize
        key_id = mem.read_u32(entry + lay.offset("struct flow_dissector_key", "key_id"))
        offset = mem.read_u32(entry + lay.offset("struct flow_dissector_key", "offset"))
        if offset > USHRT_MAX:
            return bug(f"key {key_id} offset {offset} past USHRT_MAX")
        if key_id >= n_keys or used & (1 << key_id):
            return bug(f"key {key_id} given twice or unknown")
        used |= 1 << key_id
        mem.write_int(fd + used_off, used_size, used)
        mem.write_u16(offsets + 2 * key_id, offset)
    for needed, name in ((FLOW_DISSECTOR_KEY_CONTROL, "CONTROL"), (FLOW_DISSECTOR_KEY_BASIC, "BASIC")):
        if not used & (1 << needed):
            return bug(f"no FLOW_DISSECTOR_KEY_{name}")


# --- flushes of queues kemu keeps empty ------------------------------------------------------------
@table.service("int xfrm_dev_state_flush(struct net *net, struct net_device *dev, bool task_valid)")
def xfrm_dev_state_flush(k, net: int, dev: int, task_valid: int) -> int:
    """Delete the SAs offloaded to dev: kemu's SA table is always empty, so none: -ESRCH."""
    return -k.errno.ESRCH


@table.service("void wireless_nlevent_flush(void)")
def wireless_nlevent_flush(k) -> None:
    """Send each namespace's queued wireless events: kemu queues none, the queue stays empty."""
    queue = k.linux.__dict__.setdefault("wext_nlevents", [])
    queue.clear()
