"""Generic netlink families as modules see them (net/netlink/genetlink.c in Linux 6.1).

* `genl_register_family`: a name already registered is -EEXIST; multicast group names must be
  non-empty and NUL-terminated within GENL_NAMSIZ (WARN and -EINVAL otherwise); the family id
  comes from the cyclic family idr starting at GENL_START_ALLOC ("pmcraid" and "VFS_DQUOT"
  have their fixed ids), written to `family->id`; the groups get the first run of free bits in
  the multicast-group bitmap (bits 0, 1 and the three fixed families' ids are taken at boot;
  "NET_DM" shares group 1), its start written to `family->mcgrp_offset`.
* `genl_unregister_family`: -ENOENT for a family not registered; frees its id and groups.
The kernel's built-in families other than nlctrl are not modelled, so the ids a module gets
start at GENL_START_ALLOC rather than after them. A module's families go with it.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("net_genl")

GENL_ID_CTRL = 0x10          # NLMSG_MIN_TYPE
GENL_ID_VFS_DQUOT = 0x11
GENL_ID_PMCRAID = 0x12
GENL_START_ALLOC = 0x13
GENL_MAX_ID = 1023
GENL_NAMSIZ = 16
#: mc_group_start of genetlink.c: bit 0 reserved, then nlctrl's group and the fixed families'
MC_GROUPS_AT_BOOT = {0, 1, GENL_ID_CTRL, GENL_ID_VFS_DQUOT, GENL_ID_PMCRAID}


class GenlFamilies:
    """The family idr and the multicast-group bitmap."""

    def __init__(self, k) -> None:
        self.k = k
        self.by_id: dict[int, int] = {GENL_ID_CTRL: 0}      # id -> struct genl_family (0: nlctrl)
        self.names: dict[int, str] = {GENL_ID_CTRL: "nlctrl"}
        self.groups: dict[int, tuple[int, int, bool]] = {}  # family -> (first, count, owned)
        self.mc_groups = set(MC_GROUPS_AT_BOOT)
        self.next_id = GENL_START_ALLOC

    def _off(self, field: str) -> int:
        return self.k.linux.layout.offset("struct genl_family", field)

    def name_of(self, family: int) -> str:
        return self.k.machine.mem.read_cstr(family + self._off("name"), GENL_NAMSIZ).decode("latin-1")

    def _alloc_id(self, name: str) -> int | None:
        if name == "pmcraid":
            return GENL_ID_PMCRAID
        if name == "VFS_DQUOT":
            return GENL_ID_VFS_DQUOT
        for step in range(GENL_MAX_ID - GENL_START_ALLOC + 1):
            candidate = GENL_START_ALLOC + (self.next_id - GENL_START_ALLOC + step) % (GENL_MAX_ID - GENL_START_ALLOC + 1)
            if candidate not in self.by_id:
                self.next_id = candidate + 1 if candidate < GENL_MAX_ID else GENL_START_ALLOC
                return candidate
        return None

    def _assign_groups(self, family: int, name: str) -> int:
        k, mem = self.k, self.k.machine.mem
        count = mem.read_u8(family + self._off("n_mcgrps"))
        if not count:
            return 0
        grp_size = k.linux.layout.size("struct genl_multicast_group")
        grps = mem.read_ptr(family + self._off("mcgrps"))
        for i in range(count):
            raw = mem.read(grps + i * grp_size, GENL_NAMSIZ)
            if raw[0] == 0 or 0 not in raw:
                k.linux.pr(f"WARNING: genl family {name}: multicast group {i} has "
                           f"{'no name' if raw[0] == 0 else 'a name not terminated'}", 4)
                k.linux.add_taint("W")
                return -k.errno.EINVAL
        if name == "NET_DM":
            first, owned = 1, False
        elif name == "VFS_DQUOT":
            first, owned = GENL_ID_VFS_DQUOT, False
        elif name == "pmcraid":
            first, owned = GENL_ID_PMCRAID, False
        else:
            first, owned = 0, True
            while any(first + i in self.mc_groups for i in range(count)):
                first += 1
            self.mc_groups.update(range(first, first + count))
        mem.write_u32(family + self._off("mcgrp_offset"), first)
        self.groups[family] = (first, count, owned)
        return 0

    def register(self, family: int, call) -> int:
        k = self.k
        name = self.name_of(family)
        if name in self.names.values():
            return -k.errno.EEXIST
        id_ = self._alloc_id(name)
        if id_ is None:
            return -k.errno.ENOMEM
        err = self._assign_groups(family, name)
        if err:
            return err
        k.machine.mem.write_u32(family + self._off("id"), id_)
        self.by_id[id_], self.names[id_] = family, name
        module = k.loader.module_at(call.return_address) if call is not None else None
        if module is not None:
            module.on_unload(f"genl family {name}", lambda: self._drop(family))
        return 0

    def _drop(self, family: int) -> bool:
        id_ = next((i for i, f in self.by_id.items() if f == family and f), None)
        if id_ is None:
            return False
        del self.by_id[id_], self.names[id_]
        first, count, owned = self.groups.pop(family, (0, 0, False))
        if owned:
            self.mc_groups.difference_update(range(first, first + count))
        return True

    def unregister(self, family: int) -> int:
        name = self.name_of(family)
        if not self._drop(family):
            return -self.k.errno.ENOENT
        module = self.k.loader.module_at(family)
        if module is not None:
            module.forget_undo(f"genl family {name}")
        return 0


def families(k) -> GenlFamilies:
    linux = k.linux
    if "genl_families" not in linux.__dict__:
        linux.__dict__["genl_families"] = GenlFamilies(k)
    return linux.__dict__["genl_families"]


@table.service("int genl_register_family(struct genl_family *family)", needs_call=True)
def genl_register_family(k, family: int, call=None) -> int:
    """Register a generic netlink family: id and multicast groups assigned, or -EEXIST."""
    return families(k).register(family, call)


@table.service("int genl_unregister_family(const struct genl_family *family)")
def genl_unregister_family(k, family: int) -> int:
    """Unregister a family: 0, or -ENOENT if it was not registered."""
    return families(k).unregister(family)
