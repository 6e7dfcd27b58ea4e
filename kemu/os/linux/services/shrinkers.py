"""Shrinkers (mm/vmscan.c in Linux 6.1): caches a module can be asked to give memory back from.

* register_shrinker(shrinker, fmt, ...) prepares the shrinker as prealloc_shrinker does (a
  memcg-aware one gets the lowest free id of the shrinker idr in `shrinker->id`; any other
  gets its zeroed `nr_deferred` counters, one per node), links `shrinker->list` at the tail of
  the kernel's shrinker_list (a list_head in kernel memory) and sets SHRINKER_REGISTERED.
* unregister_shrinker undoes that (nothing for a shrinker not registered, as in the kernel)
  and frees `nr_deferred`.
* `drop_slab(linux)` is what writing 2 to /proc/sys/vm/drop_caches does: every shrinker on
  the list, in order, is asked `count_objects` and then `scan_objects` in batches
  (`shrinker->batch`, else SHRINK_BATCH) for at most twice what it counted, with the scan
  sized by `seeks` at priority 0, until it says SHRINK_STOP; rounds repeat while they still
  free more than a little, as drop_slab's loop does. The number freed is returned.

A module unloading with a shrinker still registered would have the next reclaim call freed
code: kemu takes it off the list and the unload lists it among what the module left behind.
"""
from __future__ import annotations

from kemu.kernel import GuestCrash, ServiceTable

from ..list_head import init_list, list_add_tail, list_del_init
from .kernel_pointer import kernel_struct
from .owner import owning_module

table = ServiceTable("shrinkers")

SHRINKER_REGISTERED = 1 << 0
SHRINKER_NUMA_AWARE = 1 << 1
SHRINKER_MEMCG_AWARE = 1 << 2
SHRINK_BATCH = 128
DEFAULT_SEEKS = 2
GFP_KERNEL = 0xCC0
NR_NODE_IDS = 1
MAX_ROUNDS = 64


def _off(k, field: str) -> int:
    return k.linux.layout.offset("struct shrinker", field)


class Shrinkers:
    """shrinker_list (in guest memory), the ids of memcg-aware shrinkers, the owners."""

    def __init__(self, linux) -> None:
        self.linux = linux
        k = linux.kernel
        word = linux.machine.word_size
        self.list = linux.machine.alloc("kdata", 2 * word, 16)
        init_list(k, self.list)
        self.ids: dict[int, int] = {}          # id -> shrinker
        self.registered: list[int] = []

    def register(self, shrinker: int, call) -> int:
        k, mem = self.linux.kernel, self.linux.machine.mem
        flags = mem.read_u32(shrinker + _off(k, "flags"))
        if flags & SHRINKER_MEMCG_AWARE:
            id_ = next(i for i in range(len(self.ids) + 1) if i not in self.ids)
            self.ids[id_] = shrinker
            mem.write_u32(shrinker + _off(k, "id"), id_)
        else:
            size = k.machine.word_size * (NR_NODE_IDS if flags & SHRINKER_NUMA_AWARE else 1)
            deferred = k.heap.alloc(size, "shrinker nr_deferred", zero=True)
            mem.write_ptr(shrinker + _off(k, "nr_deferred"), deferred)
        list_add_tail(k, shrinker + _off(k, "list"), self.list)
        mem.write_u32(shrinker + _off(k, "flags"), flags | SHRINKER_REGISTERED)
        self.registered.append(shrinker)
        module = owning_module(k, call)
        if module is not None:
            module.on_unload(self._what(shrinker), lambda: self._left_registered(module, shrinker))
        return 0

    def _left_registered(self, module, shrinker: int) -> None:
        """The module went with its shrinker on the list: say so, and unregister it."""
        self.linux.pr(f"kemu: {module.name} went with shrinker {shrinker:#x} still registered: removed "
                      "(the next reclaim would call freed code)", 4)
        self.unregister(shrinker)

    def _what(self, shrinker: int) -> str:
        return f"shrinker {shrinker:#x}"

    def unregister(self, shrinker: int) -> None:
        k, mem = self.linux.kernel, self.linux.machine.mem
        flags = mem.read_u32(shrinker + _off(k, "flags"))
        if not flags & SHRINKER_REGISTERED or shrinker not in self.registered:
            return
        list_del_init(k, shrinker + _off(k, "list"))
        mem.write_u32(shrinker + _off(k, "flags"), flags & ~SHRINKER_REGISTERED)
        self.registered.remove(shrinker)
        if flags & SHRINKER_MEMCG_AWARE:
            self.ids.pop(mem.read_u32(shrinker + _off(k, "id")), None)
        deferred = mem.read_ptr(shrinker + _off(k, "nr_deferred"))
        if deferred and deferred in k.heap:
            k.heap.free(deferred)
        mem.write_ptr(shrinker + _off(k, "nr_deferred"), 0)
        for m in k.loader.modules:
            m.forget_undo(self._what(shrinker))

    def in_order(self) -> list[int]:
        """The registered shrinkers as shrinker_list holds them."""
        k, mem = self.linux.kernel, self.linux.machine.mem
        out, node = [], mem.read_ptr(self.list)
        while node != self.list and len(out) < 100000:
            out.append(node - _off(k, "list"))
            node = mem.read_ptr(node)
        return out

    def shrink_one(self, shrinker: int, sc: int) -> int:
        """do_shrink_slab at priority 0: what scan_objects reported freed."""
        linux, mem, word = self.linux, self.linux.machine.mem, self.linux.machine.word_size
        k = linux.kernel
        full = (1 << (8 * word)) - 1
        shrink_stop, shrink_empty = full, full - 1
        count = mem.read_ptr(shrinker + _off(k, "count_objects"))
        scan = mem.read_ptr(shrinker + _off(k, "scan_objects"))
        freeable = linux.call_kernel_word(count, shrinker, sc, what="shrinker count_objects") & full
        if freeable in (0, shrink_empty):
            return 0
        seeks = mem.read_u32(shrinker + _off(k, "seeks"))
        delta = freeable * 4 // seeks if seeks else freeable // 2
        total = min(delta, 2 * freeable)
        batch = mem.read_ptr(shrinker + _off(k, "batch")) or SHRINK_BATCH
        freed = 0
        sc_field = linux.layout.offset
        while total >= batch or total >= freeable:
            n = min(batch, total)
            mem.write_ptr(sc + sc_field("struct shrink_control", "nr_to_scan"), n)
            mem.write_ptr(sc + sc_field("struct shrink_control", "nr_scanned"), n)
            ret = linux.call_kernel_word(scan, shrinker, sc, what="shrinker scan_objects") & full
            if ret == shrink_stop:
                break
            freed += ret
            scanned = mem.read_ptr(sc + sc_field("struct shrink_control", "nr_scanned"))
            if not scanned:
                break
            total = max(total - scanned, 0)
            if total == 0:
                break
        return freed

    def drop_slab(self) -> int:
        """drop_slab: shrink every shrinker until a round frees (almost) nothing."""
        linux = self.linux
        lay = linux.layout
        size = lay.size("struct shrink_control")
        sc = linux.kernel.heap.alloc(size, "shrink_control", zero=True)
        total, shift = 0, 0
        try:
            for _ in range(MAX_ROUNDS):
                freed = 0
                for shrinker in self.in_order():
                    linux.machine.mem.write(sc, bytes(size))
                    linux.machine.mem.write_u32(sc + lay.offset("struct shrink_control", "gfp_mask"), GFP_KERNEL)
                    try:
                        freed += self.shrink_one(shrinker, sc)
                    except GuestCrash:
                        pass                         # reported as an oops; reclaim goes on
                total += freed
                if (freed >> shift) <= 1:
                    break
                shift += 1
        finally:
            linux.kernel.heap.free(sc)
        return total


def shrinkers(k) -> Shrinkers:
    linux = k.linux
    if "shrinkers" not in linux.__dict__:
        linux.__dict__["shrinkers"] = Shrinkers(linux)
    return linux.__dict__["shrinkers"]


def drop_slab(linux) -> int:
    """echo 2 > /proc/sys/vm/drop_caches: ask every shrinker to free what it can."""
    return shrinkers(linux.kernel).drop_slab()


@table.service("int register_shrinker(struct shrinker *shrinker, const char *fmt, ...)", needs_call=True)
def register_shrinker(k, shrinker: int, fmt: int, args, call=None) -> int:
    """Make the cache reclaimable: join shrinker_list (0; -ENOMEM if its counters cannot be had)."""
    kernel_struct(k, shrinker, "struct shrinker", "the shrinker registered")
    return shrinkers(k).register(shrinker, call)


@table.service("void unregister_shrinker(struct shrinker *shrinker)")
def unregister_shrinker(k, shrinker: int) -> None:
    """Leave shrinker_list (a shrinker never registered is ignored, as in the kernel)."""
    if shrinker:
        shrinkers(k).unregister(shrinker)


@table.service("void synchronize_shrinkers(void)")
def synchronize_shrinkers(k) -> None:
    """Wait for running shrinkers to finish: none runs between guest calls on one CPU."""
