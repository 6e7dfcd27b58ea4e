"""Interrupt lines (kernel/irq/manage.c, proc.c in Linux 6.1) of a q35 machine's IO-APIC.

The table has a line for each of the IO-APIC's 24 pins (irq 0-23; MSI vectors are allocated
only for devices kemu does not emulate, so no other irq has a descriptor). At boot the
kernel's own users hold theirs, as on a q35 guest: 0 timer, 1 and 12 i8042 (shared), 8 rtc0,
9 acpi (shared).

* request_threaded_irq(irq, handler, thread_fn, flags, name, dev_id): IRQ_NOTCONNECTED is
  -ENOTCONN; a shared request without dev_id, contradictory flags, an irq without a
  descriptor, or neither handler nor thread_fn is -EINVAL (a thread_fn alone gets the default
  primary handler); a line already held is shared only when both sides say IRQF_SHARED with
  the same trigger type and per-CPU-ness, else "Flags mismatch irq N. …" and -EBUSY. The
  irqaction is a kernel heap block charged to the caller, so an action never freed shows as a
  leak; a module that goes with one still requested has it taken off the line (nothing may
  call its freed handler).
* free_irq(irq, dev_id): the action with that dev_id goes and its name is returned; none is
  "Trying to free already-free IRQ N" (a WARN) and NULL.
* devm_request_threaded_irq: the same, freed with the device's managed resources.
* /proc/interrupts lists the lines with actions (no interrupt is ever delivered: counts 0).
"""
from __future__ import annotations

from dataclasses import dataclass

from kemu.kernel import ServiceTable

from ..kernel_state import state
from . import devres

table = ServiceTable("irq_table", {"irq_handler_t": (4, 8, False, True)})

IOAPIC_PINS = 24
IRQ_NOTCONNECTED = 1 << 31
IRQF_TRIGGER_MASK = 0x0F
IRQF_SHARED, IRQF_PROBE_SHARED, IRQF_PERCPU = 0x80, 0x100, 0x400
IRQF_NO_SUSPEND, IRQF_COND_SUSPEND, IRQF_NO_AUTOEN = 0x4000, 0x40000, 0x80000
IRQF_TIMER = 0x200 | IRQF_NO_SUSPEND | 0x10000
IRQACTION_SIZE = 128
LEVEL_LINES = frozenset({9})     # the ACPI SCI is level-triggered (fasteoi); the ISA lines are edge
DEVM_RELEASE = "__kemu_devm_irq_release"


@dataclass(eq=False)
class Action:
    handler: int
    thread_fn: int
    flags: int
    name: str
    name_ptr: int
    dev_id: int
    block: int = 0                # the irqaction on the kernel heap (0 for the kernel's own)


class IrqTable:
    """irq -> its actions, in request order."""

    def __init__(self, linux) -> None:
        self.linux = linux
        self.lines: dict[int, list[Action]] = {irq: [] for irq in range(IOAPIC_PINS)}
        for irq, name, flags in ((0, "timer", IRQF_TIMER), (1, "i8042", IRQF_SHARED), (8, "rtc0", 0),
                                 (9, "acpi", IRQF_SHARED), (12, "i8042", IRQF_SHARED)):
            self.lines[irq].append(Action(0, 0, flags, name, 0, 0))

    def request(self, irq: int, handler: int, thread_fn: int, flags: int, name_ptr: int, dev_id: int,
                caller: int | None) -> int:
        k, e = self.linux.kernel, self.linux.errno
        if irq == IRQ_NOTCONNECTED:
            return -e.ENOTCONN
        shared = bool(flags & IRQF_SHARED)
        if (shared and not dev_id) or (shared and flags & IRQF_NO_AUTOEN) \
                or (not shared and flags & IRQF_COND_SUSPEND) \
                or (flags & IRQF_NO_SUSPEND and flags & IRQF_COND_SUSPEND):
            return -e.EINVAL
        if irq not in self.lines or (not handler and not thread_fn):
            return -e.EINVAL
        name = k.read_str(name_ptr, 64).decode("utf-8", "replace") if name_ptr else ""
        actions = self.lines[irq]
        if actions:
            old = actions[0]
            if not (old.flags & flags & IRQF_SHARED) or (old.flags ^ flags) & IRQF_TRIGGER_MASK \
                    or (old.flags ^ flags) & IRQF_PERCPU:
                if not flags & IRQF_PROBE_SHARED:
                    self.linux.pr(f"genirq: Flags mismatch irq {irq}. {flags:08x} ({name}) vs. "
                                  f"{old.flags:08x} ({old.name})", 3)
                return -e.EBUSY
        block = k.heap.alloc(IRQACTION_SIZE, "irqaction", zero=True, caller=caller)
        action = Action(handler, thread_fn, flags, name, name_ptr, dev_id, block)
        actions.append(action)
        module = self.linux.module_at(handler or thread_fn)
        if module is not None:
            module.on_unload(self._undo(irq, action), lambda: self._drop(irq, action))
        return 0

    @staticmethod
    def _undo(irq: int, action: Action) -> str:
        return f"irq {irq} action {id(action):#x}"

    def _drop(self, irq: int, action: Action) -> None:
        if action in self.lines[irq]:
            self.lines[irq].remove(action)

    def free(self, irq: int, dev_id: int) -> int:
        action = next((a for a in self.lines.get(irq, []) if a.block and a.dev_id == dev_id), None)
        if action is None:
            self.linux.pr("------------[ cut here ]------------", 4)
            self.linux.pr(f"Trying to free already-free IRQ {irq}", 4)
            self.linux.add_taint("W")
            return 0
        self.lines[irq].remove(action)
        module = self.linux.module_at(action.handler or action.thread_fn)
        if module is not None:
            module.forget_undo(self._undo(irq, action))
        self.linux.kernel.heap.free(action.block)
        return action.name_ptr

    def proc_interrupts(self) -> str:
        """/proc/interrupts: the lines that have actions (prec 3: nr_irqs has 3 digits)."""
        out = [" " * 11 + "CPU0       "]
        for irq, actions in self.lines.items():
            if actions:
                pin = 2 if irq == 0 else irq
                kind = "fasteoi" if irq in LEVEL_LINES else "edge"
                out.append(f"{irq:>3}: {0:>10}   IO-APIC {pin:>3}-{kind:<8}  "
                           + ", ".join(a.name for a in actions))
        return "\n".join(out) + "\n"


def irqs(k) -> IrqTable:
    return state(k, "irq_table", IrqTable)


def proc_interrupts(system) -> str:
    return irqs(system.kernel).proc_interrupts()


@table.service("int request_threaded_irq(unsigned int irq, irq_handler_t handler, irq_handler_t thread_fn, "
               "unsigned long irqflags, const char *devname, void *dev_id)", needs_call=True)
def request_threaded_irq(k, irq: int, handler: int, thread_fn: int, flags: int, devname: int, dev_id: int,
                         call=None) -> int:
    """Add an action to an interrupt line (see the module docstring for the refusals)."""
    return irqs(k).request(irq, handler, thread_fn, flags, devname, dev_id,
                           call.return_address if call is not None else None)


@table.service("const void *free_irq(unsigned int irq, void *dev_id)")
def free_irq(k, irq: int, dev_id: int) -> int:
    """Remove the action with `dev_id` from the line; its devname, or NULL if there was none."""
    return irqs(k).free(irq, dev_id)


@table.service("int devm_request_threaded_irq(struct device *dev, unsigned int irq, irq_handler_t handler, "
               "irq_handler_t thread_fn, unsigned long irqflags, const char *devname, void *dev_id)",
               needs_call=True)
def devm_request_threaded_irq(k, dev: int, irq: int, handler: int, thread_fn: int, flags: int, devname: int,
                              dev_id: int, call=None) -> int:
    """request_threaded_irq, freed when the device's managed resources are released."""
    word = k.machine.word_size
    record = devres._new(k, 2 * word, devres.GFP_ZERO, k.installed[DEVM_RELEASE][1], "devm_irq_release", call)
    ret = irqs(k).request(irq, handler, thread_fn, flags, devname, dev_id,
                          call.return_address if call is not None else None)
    if ret:
        devres.devres_free(k, record)
        return ret
    k.machine.mem.write_ptr(record, irq)
    k.machine.mem.write_ptr(record + word, dev_id)
    devres.devres_add(k, dev, record)
    return 0


@table.service(f"void {DEVM_RELEASE}(struct device *dev, void *res)")
def __kemu_devm_irq_release(k, dev: int, res: int) -> None:
    """devm_irq_release: free_irq(irq, dev_id) as the managed resource recorded them."""
    word = k.machine.word_size
    irqs(k).free(k.machine.mem.read_ptr(res), k.machine.mem.read_ptr(res + word))
