"""Traffic-control actions as modules see them (net/sched/act_api.c in Linux 6.1).

* `tcf_register_action(act, ops)`: an action needs act, dump and init (-EINVAL). Its pernet
  ops are registered first (register_pernet_subsys, services/net_pernet.py: the id, the
  per-namespace tc_action_net and its init for init_net), and the ops' id joins the
  act_pernet_id_list; then act_base is searched for the same `id` or `kind` (-EEXIST, which
  unregisters the pernet ops again) and the action linked at the tail.
* `tcf_unregister_action`: -ENOENT for an action not in act_base; otherwise it is unlinked,
  its pernet ops unregistered (their exit_batch runs tc_action_net_exit) and the id dropped.
* `tcf_idrinfo_destroy`: what tc_action_net_exit calls for each namespace: the actions left in
  the idr are released and the idr destroyed. kemu has no netlink path that creates actions
  (tcf_idr_create is not a service), so the idr is empty in practice; any entries found are
  reported and dropped from it.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import idr as idr_services
from .net_pernet import pernet
from .net_registry import Fields, OpsList, kernel_state, need

table = ServiceTable("tc_actions")

IFNAMSIZ = 16


class ActBase:
    """act_base and act_pernet_id_list."""

    def __init__(self, k) -> None:
        self.k = k
        self.actions = OpsList(k, "tc_action_ops")
        self.pernet_ids: list[int] = []
        self.f = Fields(k, "struct tc_action_ops")

    def kinds(self) -> list[str]:
        return [self.f.chars(a, "kind", IFNAMSIZ) for a in self.actions]


def act_base(k) -> ActBase:
    return kernel_state(k, "tc_actions", ActBase)


def _pernet_id(k, ops: int) -> int | None:
    id_ptr = k.machine.mem.read_ptr(ops + k.linux.layout.offset("struct pernet_operations", "id"))
    return k.machine.mem.read_u32(id_ptr) if id_ptr else None


@table.service("int tcf_register_action(struct tc_action_ops *act, struct pernet_operations *ops)",
               needs_call=True)
def tcf_register_action(k, act: int, ops: int, call=None) -> int:
    """Register an action kind: pernet ops first, then act_base (-EINVAL, -EEXIST)."""
    base = act_base(k)
    f = base.f
    need(act, "tcf_register_action's act")
    if not (f.ptr(act, "act") and f.ptr(act, "dump") and f.ptr(act, "init")):
        return -k.errno.EINVAL
    err = pernet(k).register(need(ops, "tcf_register_action's pernet ops"), call)
    if err:
        return err
    id_ = _pernet_id(k, ops)
    if id_ is not None and id_ not in base.pernet_ids:
        base.pernet_ids.append(id_)
    kind, aid = f.chars(act, "kind", IFNAMSIZ), f.u32(act, "id")
    if any(f.u32(a, "id") == aid or f.chars(a, "kind", IFNAMSIZ) == kind for a in base.actions):
        if id_ is not None and id_ in base.pernet_ids:
            base.pernet_ids.remove(id_)
        pernet(k).unregister(ops)
        return -k.errno.EEXIST
    base.actions.add(act, call, f.ptr(act, "owner"))
    return 0


@table.service("int tcf_unregister_action(struct tc_action_ops *act, struct pernet_operations *ops)")
def tcf_unregister_action(k, act: int, ops: int) -> int:
    """Unlink an action kind and unregister its pernet ops (-ENOENT if not registered)."""
    base = act_base(k)
    if not base.actions.remove(act):
        return -k.errno.ENOENT
    id_ = _pernet_id(k, need(ops, "tcf_unregister_action's pernet ops"))
    pernet(k).unregister(ops)
    if id_ is not None and id_ in base.pernet_ids:
        base.pernet_ids.remove(id_)
    return 0


@table.service("void tcf_idrinfo_destroy(const struct tc_action_ops *ops, struct tcf_idrinfo *idrinfo)")
def tcf_idrinfo_destroy(k, ops: int, idrinfo: int) -> None:
    """Release the namespace's actions of this kind and destroy their idr."""
    idr = need(idrinfo, "tcf_idrinfo_destroy's idrinfo") + k.linux.layout.offset("struct tcf_idrinfo", "action_idr")
    left = k.linux.idrs.get(idr) or {}
    if left:
        k.linux.pr(f"tcf_idrinfo_destroy: {len(left)} action(s) of "
                   f"{act_base(k).f.chars(need(ops, 'ops'), 'kind', IFNAMSIZ)} dropped unreleased", 4)
    idr_services.idr_destroy(k, idr)
