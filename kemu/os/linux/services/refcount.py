"""refcount_warn_saturate (lib/refcount.c): the out-of-line half of refcount_t's inline
operations, called when an increment overflowed, an increment found zero, or a decrement
underflowed or hit zero where the caller said it must not. The kernel pins the counter at
REFCOUNT_SATURATED (INT_MIN / 2), so the object leaks rather than being freed under its
users, and WARNs once with the event's text and taints the kernel W."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("refcount")

#: REFCOUNT_SATURATED as the 32-bit pattern stored in refcount_t's atomic_t
REFCOUNT_SATURATED = (-(1 << 31) // 2) & 0xFFFFFFFF
#: enum refcount_saturation_type (include/linux/refcount.h), in declaration order
EVENTS = ("saturated; leaking memory",          # REFCOUNT_ADD_NOT_ZERO_OVF
          "saturated; leaking memory",          # REFCOUNT_ADD_OVF
          "addition on 0; use-after-free",      # REFCOUNT_ADD_UAF
          "underflow; use-after-free",          # REFCOUNT_SUB_UAF
          "decrement hit 0; leaking memory")    # REFCOUNT_DEC_LEAK


@table.service("void refcount_warn_saturate(void *r, int t)")
def refcount_warn_saturate(k, r: int, t: int) -> None:
    """Saturate the counter (refcount_t *r; t is enum refcount_saturation_type) and WARN_ONCE (each event is its own WARN site) with what went wrong."""
    k.machine.mem.write(r, REFCOUNT_SATURATED.to_bytes(4, "little"))
    text = EVENTS[t] if 0 <= t < len(EVENTS) else "unknown saturation event!?"
    site = t if 0 <= t < len(EVENTS) else len(EVENTS)
    warned = k.__dict__.setdefault("_refcount_warned", set())
    if site in warned:
        return
    warned.add(site)
    k.linux.pr("------------[ cut here ]------------", 4)
    k.linux.pr(f"refcount_t: {text}.", 4)
    k.linux.add_taint("W")
