"""Static keys (services/static_keys.py) count and switch as kernel/jump_label.c does, and the
kernel's own locks modules take (services/kernel_locks.py). Both arches."""
from __future__ import annotations

import pytest

from kemu.kernel import KernelPanic

from .notifier_helpers import call, kdata


def key(linux) -> int:
    return kdata(linux, linux.layout.size("struct static_key"))


def test_enable_and_disable_switch_the_count_between_zero_and_one(linux):
    k = key(linux)
    call(linux, "static_key_enable", k)
    call(linux, "static_key_enable", k)
    assert call(linux, "static_key_count", k) == 1
    call(linux, "static_key_disable", k)
    assert call(linux, "static_key_count", k) == 0


def test_slow_inc_and_dec_count_users(linux):
    k = key(linux)
    call(linux, "static_key_slow_inc", k)
    call(linux, "static_key_slow_inc", k)
    assert call(linux, "static_key_count", k) == 2
    call(linux, "static_key_slow_dec", k)
    assert call(linux, "static_key_count", k) == 1
    assert call(linux, "static_key_fast_inc_not_disabled", k) == 1


def test_decrementing_below_zero_is_the_negative_count_warning(linux):
    k = key(linux)
    call(linux, "static_key_slow_dec", k)
    assert "jump label: negative count!" in linux.dmesg()
    assert call(linux, "static_key_count", k) == 0


def test_fast_inc_refuses_a_disabled_key(linux):
    k = key(linux)
    assert call(linux, "static_key_fast_inc_not_disabled", k) == 0
    assert call(linux, "static_key_count", k) == 0


def test_the_hotplug_read_lock_nests_and_an_extra_unlock_warns(linux):
    call(linux, "cpus_read_lock")
    call(linux, "cpus_read_lock")
    call(linux, "cpus_read_unlock")
    call(linux, "cpus_read_unlock")
    assert "W" not in linux.taints
    call(linux, "cpus_read_unlock")
    assert "cpu_hotplug_lock (read) released but not held" in linux.dmesg()


def test_genl_lock_retaken_by_its_holder_hangs(linux):
    call(linux, "genl_lock")
    with pytest.raises(KernelPanic, match="genl_mutex taken again"):
        call(linux, "genl_lock")
    assert "blocked for more than 120 seconds" in linux.dmesg()
    call(linux, "genl_unlock")
    call(linux, "genl_lock")                             # free again after the unlock


def test_kernel_param_lock_is_per_module_and_global_for_null(linux):
    call(linux, "kernel_param_lock", 0)
    mod = kdata(linux, 64)
    call(linux, "kernel_param_lock", mod)                # a different mutex
    call(linux, "kernel_param_unlock", mod)
    call(linux, "kernel_param_unlock", 0)
    assert "W" not in linux.taints
