"""The small subsystem registries modules put their operations on (Linux 6.1): LED triggers
(drivers/leds/led-triggers.c), cpufreq governors (drivers/cpufreq/cpufreq.c), zpool drivers
(mm/zpool.c), binary formats (fs/exec.c), input handlers (drivers/input/input.c),
asymmetric key parsers (crypto/asymmetric_keys/asymmetric_type.c) and key types
(security/keys/key.c).

Each is a list_head in kernel memory with the registered structs linked on it in the
kernel's order (kemu/os/linux/registry.py); each refuses what its subsystem refuses:
  * an LED trigger whose name is taken (by a trigger of the same or no hw type): -EEXIST;
    the simple form allocates the trigger, and gives NULL with the kernel's warning when it
    cannot register it. kemu has no LED class devices, so no LED is ever attached to a
    trigger: its led_cdevs list stays empty and an event or blink has nobody to reach;
  * a governor whose name is taken (compared case-blind): -EBUSY; NULL: -EINVAL;
  * a zpool driver still in use (refcount above 0) cannot be unregistered: -EBUSY;
  * an asymmetric key parser or key type whose name is taken: -EEXIST (with the kernel's
    messages);
  * binary formats and input handlers take anything (a handler is offered every registered
    input device; kemu has none yet).
Unregistering takes the struct off its list; what a module leaves registered is taken off
when it goes (and reported as left behind).
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..registry import Registry, inline_name, pointed_name
from .owner import owning_module

table = ServiceTable("registries")


def _registry(k, key: str) -> Registry:
    """This kernel's registry `key` (made on first use)."""
    regs = k.linux.__dict__.setdefault("registries", {})
    reg = regs.get(key)
    if reg is None:
        reg = regs[key] = MAKERS[key](k)
    return reg


MAKERS = {
    "led_triggers": lambda k: Registry(k, "LED trigger", "struct led_trigger", "next_trig",
                                       pointed_name(k, "struct led_trigger", "name")),
    "cpufreq_governors": lambda k: Registry(k, "cpufreq governor", "struct cpufreq_governor", "governor_list",
                                            inline_name(k, "struct cpufreq_governor", "name")),
    "zpool_drivers": lambda k: Registry(k, "zpool driver", "struct zpool_driver", "list",
                                        pointed_name(k, "struct zpool_driver", "type")),
    "binfmts": lambda k: Registry(k, "binary format", "struct linux_binfmt", "lh",
                                  lambda addr: f"{addr:#x}"),
    "input_handlers": lambda k: Registry(k, "input handler", "struct input_handler", "node",
                                         pointed_name(k, "struct input_handler", "name")),
    "asymmetric_key_parsers": lambda k: Registry(k, "asymmetric key parser", "struct asymmetric_key_parser",
                                                 "link", pointed_name(k, "struct asymmetric_key_parser", "name")),
    "key_types": lambda k: Registry(k, "key type", "struct key_type", "link",
                                    pointed_name(k, "struct key_type", "name")),
}


def _off(k, struct: str, field: str) -> int:
    return k.linux.layout.offset(struct, field)


def _owner(k, call, struct: str, field: str, addr: int):
    return owning_module(k, call, k.machine.mem.read_ptr(addr + _off(k, struct, field)))


def _init_list(k, at: int) -> None:
    from ..list_head import init_list
    init_list(k, at)


# --- LED triggers ------------------------------------------------------------------------------
def _register_trigger(k, trig: int, module) -> int:
    """led_trigger_register: its LED list made empty; -EEXIST if a trigger of that name is
    registered and either has no hw trigger type or both have the same one."""
    mem, lt = k.machine.mem, "struct led_trigger"
    reg = _registry(k, "led_triggers")
    mem.write_u32(trig + _off(k, lt, "leddev_list_lock"), 0)
    _init_list(k, trig + _off(k, lt, "led_cdevs"))
    name, hw = reg.name(trig), mem.read_ptr(trig + _off(k, lt, "trigger_type"))
    for other in reg.entries:
        other_hw = mem.read_ptr(other + _off(k, lt, "trigger_type"))
        if reg.name(other) == name and (hw == other_hw or not hw or not other_hw):
            return -k.linux.errno.EEXIST
    reg.add(trig, module)
    return 0


@table.service("int led_trigger_register(struct led_trigger *trig)", needs_call=True)
def led_trigger_register(k, trig: int, call=None) -> int:
    """Onto the trigger list (see _register_trigger)."""
    return _register_trigger(k, trig, owning_module(k, call))


@table.service("void led_trigger_unregister(struct led_trigger *trig)")
def led_trigger_unregister(k, trig: int) -> None:
    """Off the trigger list (nothing for one never registered); the LEDs it drove would be
    set to no trigger — kemu has none."""
    _registry(k, "led_triggers").remove(trig)


@table.service("void led_trigger_register_simple(const char *name, struct led_trigger **tp)", needs_call=True)
def led_trigger_register_simple(k, name: int, tp: int, call=None) -> None:
    """A zeroed trigger named `name`, registered, stored in *tp; on failure it is freed, *tp is
    NULL and the kernel warns."""
    size = k.linux.layout.size("struct led_trigger")
    trig = k.heap.alloc(size, "led_trigger", zero=True, caller=call.return_address)
    k.machine.mem.write_ptr(trig + _off(k, "struct led_trigger", "name"), name)
    err = _register_trigger(k, trig, owning_module(k, call))
    if err < 0:
        k.heap.free(trig)
        trig = 0
        text = k.read_str(name, 128).decode("latin-1") if name else "(null)"
        k.linux.pr(f"LED trigger {text} failed to register ({err})", 4)
    k.machine.mem.write_ptr(tp, trig)


@table.service("void led_trigger_unregister_simple(struct led_trigger *trig)")
def led_trigger_unregister_simple(k, trig: int) -> None:
    """Unregister and free a trigger led_trigger_register_simple made (NULL: nothing)."""
    if trig:
        _registry(k, "led_triggers").remove(trig)
        k.heap.free(trig)


@table.service("void led_trigger_blink_oneshot(struct led_trigger *trig, unsigned long *delay_on, "
               "unsigned long *delay_off, int invert)")
def led_trigger_blink_oneshot(k, trig: int, delay_on: int, delay_off: int, invert: int) -> None:
    """Blink every LED on the trigger once. The trigger's LED list is walked as the kernel
    walks it; in kemu it is always empty (no LED class devices), so nothing blinks."""
    if not trig:
        return
    head = trig + _off(k, "struct led_trigger", "led_cdevs")
    if k.machine.mem.read_ptr(head) not in (head, 0):
        k.linux.pr_once("led_blink", "kemu: LED trigger has LEDs attached, but kemu has no LED class devices "
                        "to blink", 4)


# --- cpufreq governors -------------------------------------------------------------------------
@table.service("int cpufreq_register_governor(struct cpufreq_governor *governor)", needs_call=True)
def cpufreq_register_governor(k, governor: int, call=None) -> int:
    """Onto the front of the governor list; -EINVAL for NULL, -EBUSY for a name already there
    (compared case-blind, as find_governor does)."""
    if not governor:
        return -k.linux.errno.EINVAL
    reg = _registry(k, "cpufreq_governors")
    if reg.find(reg.name(governor), fold_case=True) is not None:
        return -k.linux.errno.EBUSY
    reg.add(governor, _owner(k, call, "struct cpufreq_governor", "owner", governor), first=True)
    return 0


@table.service("void cpufreq_unregister_governor(struct cpufreq_governor *governor)")
def cpufreq_unregister_governor(k, governor: int) -> None:
    """Off the governor list (no policy uses it: kemu has no cpufreq driver)."""
    if governor:
        _registry(k, "cpufreq_governors").remove(governor)


# --- zpool drivers -----------------------------------------------------------------------------
@table.service("void zpool_register_driver(struct zpool_driver *driver)", needs_call=True)
def zpool_register_driver(k, driver: int, call=None) -> None:
    """Its refcount set to 0, onto the front of the driver list."""
    k.machine.mem.write_u32(driver + _off(k, "struct zpool_driver", "refcount"), 0)
    _registry(k, "zpool_drivers").add(driver, _owner(k, call, "struct zpool_driver", "owner", driver), first=True)


@table.service("int zpool_unregister_driver(struct zpool_driver *driver)")
def zpool_unregister_driver(k, driver: int) -> int:
    """-EBUSY while a pool uses the driver (refcount above 0), else off the list."""
    refcount = k.machine.mem.read_u32(driver + _off(k, "struct zpool_driver", "refcount"))
    if refcount & 0x80000000:
        k.linux.pr("WARNING: zpool_unregister_driver: negative refcount", 4)
    elif refcount:
        return -k.linux.errno.EBUSY
    _registry(k, "zpool_drivers").remove(driver)
    return 0


# --- binary formats ----------------------------------------------------------------------------
@table.service("void __register_binfmt(struct linux_binfmt *fmt, int insert)", needs_call=True)
def __register_binfmt(k, fmt: int, insert: int, call=None) -> None:
    """Onto the formats list: first when `insert`, else last."""
    _registry(k, "binfmts").add(fmt, _owner(k, call, "struct linux_binfmt", "module", fmt), first=bool(insert))


@table.service("void unregister_binfmt(struct linux_binfmt *fmt)")
def unregister_binfmt(k, fmt: int) -> None:
    _registry(k, "binfmts").remove(fmt)


# --- input handlers ----------------------------------------------------------------------------
@table.service("int input_register_handler(struct input_handler *handler)", needs_call=True)
def input_register_handler(k, handler: int, call=None) -> int:
    """Its handle list made empty, onto the end of the handler list, then offered each
    registered input device (kemu has none yet, so none is connected)."""
    _init_list(k, handler + _off(k, "struct input_handler", "h_list"))
    _registry(k, "input_handlers").add(handler, owning_module(k, call))
    return 0


@table.service("void input_unregister_handler(struct input_handler *handler)")
def input_unregister_handler(k, handler: int) -> None:
    """Disconnect its handles (none: no input devices), then off the handler list."""
    _registry(k, "input_handlers").remove(handler)


def proc_input_handlers(system) -> str:
    """/proc/bus/input/handlers: `N: Number=i Name=name[ Minor=m]`, in registration order."""
    reg = _registry(system.kernel, "input_handlers")
    mem, ih = system.machine.mem, "struct input_handler"
    lines = []
    for i, h in enumerate(reg.entries):
        minor = ""
        if mem.read_u8(h + system.layout.offset(ih, "legacy_minors")):
            minor = f" Minor={mem.read_u32(h + system.layout.offset(ih, 'minor'))}"
        lines.append(f"N: Number={i} Name={reg.name(h)}{minor}\n")
    return "".join(lines)


# --- asymmetric key parsers and key types ------------------------------------------------------
@table.service("int register_asymmetric_key_parser(struct asymmetric_key_parser *parser)", needs_call=True)
def register_asymmetric_key_parser(k, parser: int, call=None) -> int:
    """Onto the end of the parser list; -EEXIST (and the kernel's error) for a name taken."""
    reg = _registry(k, "asymmetric_key_parsers")
    name = reg.name(parser)
    if reg.find(name) is not None:
        k.linux.pr(f"Asymmetric key parser '{name}' already registered", 3)
        return -k.linux.errno.EEXIST
    reg.add(parser, _owner(k, call, "struct asymmetric_key_parser", "owner", parser))
    k.linux.pr(f"Asymmetric key parser '{name}' registered", 5)
    return 0


@table.service("void unregister_asymmetric_key_parser(struct asymmetric_key_parser *parser)")
def unregister_asymmetric_key_parser(k, parser: int) -> None:
    reg = _registry(k, "asymmetric_key_parsers")
    if reg.remove(parser):
        k.linux.pr(f"Asymmetric key parser '{reg.name(parser)}' unregistered", 5)


@table.service("int register_key_type(struct key_type *ktype)", needs_call=True)
def register_key_type(k, ktype: int, call=None) -> int:
    """Onto the front of the key type list; -EEXIST for a name taken (the kernel's own types,
    "keyring" and "asymmetric", included)."""
    from .keys import keys
    reg = _registry(k, "key_types")
    name = reg.name(ktype)
    if reg.find(name) is not None or name in keys(k).types:
        return -k.linux.errno.EEXIST
    reg.add(ktype, owning_module(k, call), first=True)
    k.linux.pr(f"Key type {name} registered", 5)
    return 0


@table.service("void unregister_key_type(struct key_type *ktype)")
def unregister_key_type(k, ktype: int) -> None:
    """Off the list (its keys would be garbage-collected: kemu's keys are only keyrings and
    certificates, never of a module's type)."""
    reg = _registry(k, "key_types")
    if reg.remove(ktype):
        k.linux.pr(f"Key type {reg.name(ktype)} unregistered", 5)
