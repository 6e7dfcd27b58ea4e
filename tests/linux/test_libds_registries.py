"""Registries and small kernel objects of the libds services: textsearch algorithms, /proc
entry attributes, per-CPU counters, DO_ONCE, timer shutdown and rounding, bitmap
allocations, init_user_ns ids. Both arches."""
from __future__ import annotations

from .libds_helpers import call, cstring, icall, zeroed

EINVAL, ENOENT, EEXIST = 22, 2, 17
HZ = 250


def ts_ops(linux, name: bytes, *, find: int = 0x1000) -> int:
    lay, mem = linux.layout, linux.machine.mem
    ops = zeroed(linux, lay.size("struct ts_ops"))
    for field, value in (("name", cstring(linux, name)), ("init", 0x1000), ("find", find),
                         ("get_pattern", 0x1000), ("get_pattern_len", 0x1000)):
        mem.write_ptr(ops + lay.offset("struct ts_ops", field), value)
    return ops


def test_textsearch_register_refuses_missing_operations_and_taken_names(linux):
    kmp = ts_ops(linux, b"kmp")
    assert icall(linux, "textsearch_register", kmp) == 0
    assert icall(linux, "textsearch_register", ts_ops(linux, b"kmp")) == -EEXIST
    assert icall(linux, "textsearch_register", ts_ops(linux, b"bm", find=0)) == -EINVAL
    assert icall(linux, "textsearch_unregister", kmp) == 0
    assert icall(linux, "textsearch_unregister", kmp) == -ENOENT


def test_textsearch_prepare_of_an_unknown_algorithm_is_enoent(linux):
    got = call(linux, "textsearch_prepare", cstring(linux, b"fsm"), cstring(linux, b"x"), 1, 0, 0)
    assert got == -ENOENT & ((1 << (8 * linux.machine.word_size)) - 1)


def test_proc_attributes_land_on_the_entry_and_subtrees_go_at_once(linux):
    d = call(linux, "proc_mkdir", cstring(linux, b"asound"), 0)
    f = call(linux, "proc_create", cstring(linux, b"cards"), 0o444, d, 0)
    call(linux, "proc_set_size", f, 4096)
    call(linux, "proc_set_user", f, 7, 8)
    link = call(linux, "proc_symlink", cstring(linux, b"sound"), 0, cstring(linux, b"asound"))
    entries = linux.proc_entries.entries
    assert (entries["/proc/asound/cards"].size, entries["/proc/asound/cards"].uid) == (4096, 7)
    assert link and entries["/proc/sound"].target == "asound"
    assert icall(linux, "remove_proc_subtree", cstring(linux, b"asound"), 0) == 0
    assert "/proc/asound/cards" not in entries and "/proc/asound" not in entries
    assert icall(linux, "remove_proc_subtree", cstring(linux, b"asound"), 0) == -ENOENT


def test_percpu_counter_folds_a_cpu_share_at_the_batch_and_destroy_frees_it(linux):
    lay, mem = linux.layout, linux.machine.mem
    fbc = zeroed(linux, lay.size("struct percpu_counter"))
    if linux.arch == "x86_64":
        assert icall(linux, "__percpu_counter_init", fbc, 5, 0xCC0, 0) == 0
    else:                                              # s64 amount in edx:ecx, gfp and key on the stack
        assert icall(linux, "__percpu_counter_init", fbc, 5, 0, 0xCC0, 0) == 0
    count = fbc + lay.offset("struct percpu_counter", "count")
    assert mem.read_u64(count) == 5
    assert mem.read_ptr(fbc + lay.offset("struct percpu_counter", "counters"))
    call(linux, "percpu_counter_destroy", fbc)
    assert mem.read_ptr(fbc + lay.offset("struct percpu_counter", "counters")) == 0


def test_do_once_lets_only_the_first_caller_run(linux):
    done, flags = zeroed(linux, 8), zeroed(linux, 8)
    assert call(linux, "__do_once_start", done, flags) & 0xFF == 1
    call(linux, "__do_once_done", done, 0, flags, 0)
    assert call(linux, "__do_once_start", done, flags) & 0xFF == 0


def test_round_jiffies_rounds_to_a_whole_second_in_the_future(linux):
    now = linux.timekeeping.jiffies
    j = call(linux, "round_jiffies", now + 3 * HZ + 10)
    assert j % HZ == 0 and j - now > 0


def test_timer_shutdown_sync_disarms_and_clears_the_function(linux):
    lay, mem = linux.layout, linux.machine.mem
    timer = zeroed(linux, lay.size("struct timer_list"))
    mem.write_ptr(timer + lay.offset("struct timer_list", "function"), 0x1000)
    linux.timekeeping.arm(timer, linux.timekeeping.jiffies + 100, None)
    assert icall(linux, "timer_shutdown_sync", timer) == 1
    assert timer not in linux.timekeeping.timers
    assert mem.read_ptr(timer + lay.offset("struct timer_list", "function")) == 0


def test_bitmap_allocations_are_whole_longs(linux):
    bits = call(linux, "bitmap_zalloc", 65, 0)
    assert linux.kernel.heap.size_of(bits) == (16 if linux.arch == "x86_64" else 12)
    call(linux, "bitmap_free", bits)


def test_init_user_ns_maps_ids_to_themselves(linux):
    assert call(linux, "make_kuid", 0, 1000) & 0xFFFFFFFF == 1000
    assert call(linux, "make_kgid", 0, 0xFFFFFFFF) & 0xFFFFFFFF == 0xFFFFFFFF


def test_percpu_counter_add_batch_moves_the_share_into_count_at_the_batch(linux):
    lay, mem = linux.layout, linux.machine.mem
    fbc = zeroed(linux, lay.size("struct percpu_counter"))
    s64 = (lambda v: (v,)) if linux.arch == "x86_64" else (lambda v: (v & 0xFFFFFFFF, v >> 32 & 0xFFFFFFFF))
    icall(linux, "__percpu_counter_init", fbc, *s64(0), 0xCC0, 0)
    count = fbc + lay.offset("struct percpu_counter", "count")
    call(linux, "percpu_counter_add_batch", fbc, *s64(3), 4)
    assert mem.read_u64(count) == 0                     # still CPU 0's share
    call(linux, "percpu_counter_add_batch", fbc, *s64(-10), 4)
    assert mem.read_u64(count) == (-7) % (1 << 64)      # folded: 3 - 10
    sum_ = call(linux, "__percpu_counter_sum", fbc) if linux.arch == "x86_64" else None
    assert sum_ in (None, (-7) % (1 << 64))
    call(linux, "percpu_counter_destroy", fbc)
