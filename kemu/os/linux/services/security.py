"""Privilege checks (kernel/capability.c, security/security.c) for kemu's one task, the root
user running insmod and the console's commands, under Debian's default of no lockdown."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("security")

CAP_LAST_CAP = 40


@table.service("bool capable(int cap)")
def capable(k, cap: int) -> int:
    """Root holds every capability; a number beyond CAP_LAST_CAP is a bug the kernel reports
    ("capable() called with invalid cap") and answers false."""
    cap = cap - (1 << 32) if cap >> 31 else cap
    if not 0 <= cap <= CAP_LAST_CAP:
        k.linux.pr(f"capable() called with invalid cap={cap}", 3)
        return 0
    return 1


@table.service("bool ns_capable(struct user_namespace *ns, int cap)")
def ns_capable(k, ns: int, cap: int) -> int:
    """capable() in a user namespace: root in the initial namespace holds it everywhere."""
    return 1 if 0 <= (cap - (1 << 32) if cap >> 31 else cap) <= CAP_LAST_CAP else 0


@table.service("int security_locked_down(enum lockdown_reason what)")
def security_locked_down(k, what: int) -> int:
    """0: the kernel is not locked down (no lockdown= on the command line, no Secure Boot)."""
    return 0
