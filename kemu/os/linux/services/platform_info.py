"""Facts about the machine and how it was booted that modules ask the kernel for (Linux 6.1):
the kernel command line, memory, EFI, EDAC, cpufreq, vga_switcheroo and the MCE decoder chain.

The machine is a QEMU q35 guest booted by SeaBIOS (no EFI) with Debian's usual command line,
`COMMAND_LINE`; its RAM as the page allocator counts it is kemu's kernel heap.

* drm_firmware_drivers_only(): whether `nomodeset` is on the command line (drm_nomodeset.c);
* fb_get_options(name, &opt): the `video=NAME:OPTIONS` for that driver (fbmem.c), else the
  global `video=MODE`; a driver told "off" gets 1 (do not load), and `offb`-only mode does
  not exist here;
* si_meminfo / nr_free_buffer_pages: total and free pages of the heap, page-sized units, no
  highmem (every page of the emulated RAM is directly mapped), no shared or buffer pages;
* efivar_supports_writes / efivars_kobject: no efivars backend registered (BIOS boot): false
  and NULL;
* edac_get_owner(): the module name the first memory controller registered under (set by
  edac_mc_add_mc, cleared when the last goes), NULL while none is — `linux.edac_mc_owner`;
* cpufreq_get_current_driver(): the registered cpufreq driver's name: none is, NULL;
* vga_switcheroo_register_handler / vga_switcheroo_unregister_handler: the one mux handler
  slot (a second handler is -EINVAL);
* mce_register_decode_chain / mce_unregister_decode_chain: the x86 MCE decoder chain, kept in
  priority order (a priority outside MCE_PRIO_LOWEST..MCE_PRIO_HIGHEST is a WARN and not
  registered; a block registered twice is the notifier core's WARN). An unloading module's
  blocks are dropped.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from ..kernel_state import state
from .page_alloc import PAGE_SIZE

table = ServiceTable("platform_info")

COMMAND_LINE = "BOOT_IMAGE=/boot/vmlinuz-{release} root=/dev/vda1 ro quiet"
MCE_PRIO_LOWEST, MCE_PRIO_HIGHEST = 0, 7


def command_line(linux) -> list[str]:
    """The words of the kernel command line."""
    return COMMAND_LINE.format(release=linux.release).split()


def video_options(linux) -> list[str]:
    """The values of the `video=` parameters, in order."""
    return [w[len("video="):] for w in command_line(linux) if w.startswith("video=")]


def _kstring(k, text: bytes, call=None) -> int:
    addr = k.heap.alloc(len(text) + 1, "kstrdup", caller=call.return_address if call else None)
    k.machine.mem.write(addr, text + b"\0")
    return addr


@table.service("bool drm_firmware_drivers_only(void)")
def drm_firmware_drivers_only(k) -> int:
    """True when the kernel was booted with `nomodeset`."""
    return int("nomodeset" in command_line(k.linux))


@table.service("int fb_get_options(const char *name, char **option)", needs_call=True)
def fb_get_options(k, name: int, option: int, call=None) -> int:
    """`*option` = this driver's video= options (or a kstrdup of the global mode), NULL when
    there are none; 1 when the options say "off"."""
    want = k.read_str(name, 64).decode("utf-8", "replace") if name else ""
    found: bytes | None = None
    for opt in video_options(k.linux):
        if want and opt.startswith(want) and opt[len(want):len(want) + 1] == ":":
            found = opt[len(want) + 1:].encode()
    text = found
    if text is None and option:
        text = next((o.encode() for o in video_options(k.linux) if ":" not in o), None)
    ret = 1 if text is not None and text.startswith(b"off") else 0
    if option:
        k.machine.mem.write_ptr(option, _kstring(k, text, call) if text is not None else 0)
    return ret


def _heap_pages(k) -> tuple[int, int]:
    area = k.machine.layout[k.heap.area]
    total = (area.end - area.start) // PAGE_SIZE
    used = -(-k.heap.stats.live_bytes // PAGE_SIZE)
    return total, max(total - used, 0)


@table.service("void si_meminfo(struct sysinfo *val)")
def si_meminfo(k, val: int) -> None:
    """Total, free, shared, buffer and high memory in PAGE_SIZE units."""
    lay, mem = k.linux.layout, k.machine.mem
    total, free = _heap_pages(k)
    word = k.machine.word_size
    for field, value in (("totalram", total), ("freeram", free), ("sharedram", 0), ("bufferram", 0),
                         ("totalhigh", 0), ("freehigh", 0)):
        mem.write_int(val + lay.offset("struct sysinfo", field), word, value)
    mem.write_u32(val + lay.offset("struct sysinfo", "mem_unit"), PAGE_SIZE)


@table.service("unsigned long nr_free_buffer_pages(void)")
def nr_free_buffer_pages(k) -> int:
    """Free pages of the zones buffers may use (all of this machine's RAM is lowmem)."""
    return _heap_pages(k)[1]


@table.service("bool efivar_supports_writes(void)")
def efivar_supports_writes(k) -> int:
    """Whether a registered efivars backend can set variables: none is (a BIOS boot)."""
    return 0


@table.service("struct kobject *efivars_kobject(void)")
def efivars_kobject(k) -> int:
    """The registered efivars backend's /sys/firmware/efi/efivars kobject: NULL, none is."""
    return 0


@table.service("const char *edac_get_owner(void)")
def edac_get_owner(k) -> int:
    """The name of the EDAC driver owning the memory controllers, NULL while none does."""
    return getattr(k.linux, "edac_mc_owner", 0)


@table.service("const char *cpufreq_get_current_driver(void)")
def cpufreq_get_current_driver(k) -> int:
    """The registered cpufreq driver's name: no cpufreq driver is registered, NULL."""
    return 0


@table.service("int vga_switcheroo_register_handler(const struct vga_switcheroo_handler *handler, "
               "enum vga_switcheroo_handler_flags_t handler_flags)")
def vga_switcheroo_register_handler(k, handler: int, flags: int) -> int:
    """Take the mux handler slot; -EINVAL when a handler holds it."""
    if getattr(k.linux, "vga_switcheroo_handler", 0):
        return -k.errno.EINVAL
    k.linux.vga_switcheroo_handler = handler
    module = k.linux.module_at(handler)
    if module is not None:
        module.on_unload("vga_switcheroo handler", lambda: setattr(k.linux, "vga_switcheroo_handler", 0))
    return 0


@table.service("void vga_switcheroo_unregister_handler(void)")
def vga_switcheroo_unregister_handler(k) -> None:
    """Free the mux handler slot (nothing to do when it is free)."""
    handler = getattr(k.linux, "vga_switcheroo_handler", 0)
    k.linux.vga_switcheroo_handler = 0
    module = k.linux.module_at(handler) if handler else None
    if module is not None:
        module.forget_undo("vga_switcheroo handler")


def _mce_chain(k) -> list[int]:
    return state(k, "mce_decode_chain", lambda linux: [])


def _priority(k, nb: int) -> int:
    return k.machine.mem.read_int(nb + k.linux.layout.offset("struct notifier_block", "priority"), 4, signed=True)


def _warn(k, text: str) -> None:
    k.linux.pr("------------[ cut here ]------------", 4)
    k.linux.pr(f"WARNING: {text}", 4)
    k.linux.add_taint("W")


@table.service("void mce_register_decode_chain(struct notifier_block *nb)")
def mce_register_decode_chain(k, nb: int) -> None:
    """Add a decoder to the MCE chain by priority (highest first)."""
    chain, prio = _mce_chain(k), _priority(k, nb)
    if not MCE_PRIO_LOWEST <= prio <= MCE_PRIO_HIGHEST:
        _warn(k, f"mce_register_decode_chain: priority {prio} out of range")
        return
    if nb in chain:
        _warn(k, f"notifier callback {nb:#x} already registered")
        return
    at = next((i for i, other in enumerate(chain) if _priority(k, other) < prio), len(chain))
    chain.insert(at, nb)
    module = k.linux.module_at(nb)
    if module is not None:
        module.on_unload(f"mce decoder {nb:#x}", lambda: chain.remove(nb) if nb in chain else None)


@table.service("void mce_unregister_decode_chain(struct notifier_block *nb)")
def mce_unregister_decode_chain(k, nb: int) -> None:
    """Take a decoder off the MCE chain (one not on it: nothing happens)."""
    chain = _mce_chain(k)
    if nb in chain:
        chain.remove(nb)
        module = k.linux.module_at(nb)
        if module is not None:
            module.forget_undo(f"mce decoder {nb:#x}")
