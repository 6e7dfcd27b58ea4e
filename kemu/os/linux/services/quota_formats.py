"""Quota formats (fs/quota/dquot.c, 6.1): register_quota_format / unregister_quota_format.

The kernel keeps the formats as a singly linked list through `qf_next`, newest first, headed
by the static `quota_formats`. Registering pushes the format on the front (no duplicate
check: the kernel has none, it always answers 0); unregistering unlinks it where it is
found and does nothing for one that is not there. kemu keeps that head in kernel data and
walks the guest's own qf_next links, so a format is found by id (find_quota_format) the way
quotaon would find it. A module that goes without unregistering is unlinked at unload.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("quota_formats")

QF = "struct quota_format_type"


def _head(k) -> int:
    head = k.linux.__dict__.get("quota_formats_head")
    if head is None:
        head = k.linux.__dict__["quota_formats_head"] = k.machine.alloc("kdata", k.machine.word_size, 16)
        k.machine.mem.write_ptr(head, 0)
    return head


def _next_slot(k, fmt: int) -> int:
    return fmt + k.linux.layout.offset(QF, "qf_next")


def registered(k) -> list[int]:
    """The formats on the list, front to back."""
    mem, found = k.machine.mem, []
    fmt = mem.read_ptr(_head(k))
    while fmt and fmt not in found:
        found.append(fmt)
        fmt = mem.read_ptr(_next_slot(k, fmt))
    return found


def find_quota_format(k, fmt_id: int) -> int:
    """The first registered format with that qf_fmt_id, or 0."""
    for fmt in registered(k):
        if k.machine.mem.read_u32(fmt + k.linux.layout.offset(QF, "qf_fmt_id")) == fmt_id & 0xFFFFFFFF:
            return fmt
    return 0


def _unlink(k, fmt: int) -> bool:
    mem = k.machine.mem
    slot = _head(k)
    while (cur := mem.read_ptr(slot)) and cur != fmt:
        slot = _next_slot(k, cur)
    if not cur:
        return False
    mem.write_ptr(slot, mem.read_ptr(_next_slot(k, fmt)))
    return True


@table.service("int register_quota_format(struct quota_format_type *fmt)", needs_call=True)
def register_quota_format(k, fmt: int, call=None) -> int:
    """Push the format on the front of the list; 0."""
    mem = k.machine.mem
    mem.write_ptr(_next_slot(k, fmt), mem.read_ptr(_head(k)))
    mem.write_ptr(_head(k), fmt)
    module = k.loader.module_at(call.return_address)
    if module is not None:
        module.on_unload(f"quota format {fmt:#x}", lambda: _unlink(k, fmt))
    return 0


@table.service("void unregister_quota_format(struct quota_format_type *fmt)")
def unregister_quota_format(k, fmt: int) -> None:
    """Unlink the format if it is on the list."""
    if _unlink(k, fmt):
        for m in k.loader.modules:
            m.forget_undo(f"quota format {fmt:#x}")
