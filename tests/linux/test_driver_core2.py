"""The driver core's second part called directly, with Python callbacks standing in for a
module's: driver_attach probing the devices already on a bus, bus notifiers told of
add/bind/unbind/del, ksets as /sys directories their kobjects join, uevents through the
kset's filter, class interfaces seeing class devices come and go, runtime PM's state in
struct dev_pm_info (usage count, disable depth, status, the parent's child count,
requests queued on pm_wq), PM QoS flags and cdev_device_add's /dev node."""
from __future__ import annotations

import pytest

import kemu
from kemu.kernel import ServiceTable
from kemu.os.linux.services.runtime_pm import (RPM_ACTIVE, RPM_ASYNC, RPM_AUTO, RPM_GET_PUT,
                                               RPM_SUSPENDED, Pm)

from .conftest import ARCHES
from .test_buses import _cstring, _zeroed

EINVAL, ENOSYS, EACCES = 22, 38, 13


@pytest.fixture(params=ARCHES)
def linux(request):
    system = kemu.boot("linux", request.param)
    system.test_calls = []
    table = ServiceTable("test_callbacks")

    @table.service("int __test_notifier(void *nb, unsigned long action, void *dev)")
    def __test_notifier(k, nb: int, action: int, dev: int) -> int:
        system.test_calls.append(("notify", action, dev))
        return 0

    @table.service("int __test_probe(void *dev)")
    def __test_probe(k, dev: int) -> int:
        system.test_calls.append(("probe", dev))
        return 0

    @table.service("int __test_match(void *dev, const void *data)")
    def __test_match(k, dev: int, data: int) -> int:
        return 1

    @table.service("int __test_add_dev(void *dev, void *intf)")
    def __test_add_dev(k, dev: int, intf: int) -> int:
        system.test_calls.append(("add_dev", dev))
        return 0

    @table.service("void __test_remove_dev(void *dev, void *intf)")
    def __test_remove_dev(k, dev: int, intf: int) -> None:
        system.test_calls.append(("remove_dev", dev))

    @table.service("int __test_filter(void *kobj)")
    def __test_filter(k, kobj: int) -> int:
        system.test_calls.append(("filter", kobj))
        return 0

    @table.service("int __test_runtime_suspend(void *dev)")
    def __test_runtime_suspend(k, dev: int) -> int:
        system.test_calls.append(("runtime_suspend", dev))
        return 0

    @table.service("int __test_runtime_resume(void *dev)")
    def __test_runtime_resume(k, dev: int) -> int:
        system.test_calls.append(("runtime_resume", dev))
        return 0

    system.kernel.install(table)
    return system


def _fn(linux, name: str) -> int:
    return linux.kernel.installed[name][1]


def _word(linux, name: str, *args: int) -> int:
    """Call a service as a module would (i386 passes a variadic one's arguments cdecl)."""
    svc = linux.kernel.installed[name][0]
    variadic = svc.prototype.variadic and linux.arch == "i386"
    return linux.machine.call(_fn(linux, name), *args, abi="cdecl" if variadic else None)


def _call(linux, name: str, *args: int) -> int:
    ret = _word(linux, name, *args) & 0xFFFFFFFF
    return ret - (1 << 32) if ret & 0x80000000 else ret


def _off(linux, struct: str, fld: str) -> int:
    return linux.layout.offset(struct, fld)


def _lines(linux) -> list[str]:
    return [line.split("] ", 1)[1] for line in linux.dmesg().splitlines() if "] " in line]


def _module_bus(linux, name: bytes) -> int:
    """A bus of the test's own, with no match rule (every driver takes every device)."""
    bus = _zeroed(linux, linux.layout.size("struct bus_type"))
    linux.machine.mem.write_ptr(bus + _off(linux, "struct bus_type", "name"), _cstring(linux, name))
    assert _call(linux, "bus_register", bus) == 0
    return bus


def _device_on(linux, bus: int, name: bytes) -> int:
    dev = _zeroed(linux, linux.layout.size("struct device"))
    linux.machine.mem.write_ptr(dev + _off(linux, "struct device", "init_name"), _cstring(linux, name))
    linux.machine.mem.write_ptr(dev + _off(linux, "struct device", "bus"), bus)
    assert _call(linux, "device_register", dev) == 0
    return dev


def _driver_on(linux, bus: int, name: bytes, probe: int = 0) -> int:
    drv = _zeroed(linux, linux.layout.size("struct device_driver"))
    mem = linux.machine.mem
    mem.write_ptr(drv + _off(linux, "struct device_driver", "name"), _cstring(linux, name))
    mem.write_ptr(drv + _off(linux, "struct device_driver", "bus"), bus)
    mem.write_ptr(drv + _off(linux, "struct device_driver", "probe"), probe)
    return drv


# --- bus walks and notifiers ------------------------------------------------------------------

def test_driver_attach_probes_the_unbound_devices_already_on_the_bus(linux):
    bus = _module_bus(linux, b"walkbus")
    dev = _device_on(linux, bus, b"walk0")
    drv = _driver_on(linux, bus, b"walker", _fn(linux, "__test_probe"))
    assert _call(linux, "driver_register", drv) == 0              # registering attaches already
    assert linux.test_calls == [("probe", dev)]
    linux.test_calls.clear()
    assert _call(linux, "driver_attach", drv) == 0                # bound devices are left alone
    assert linux.test_calls == []
    _call(linux, "device_release_driver", dev)
    assert _call(linux, "driver_attach", drv) == 0
    assert linux.test_calls == [("probe", dev)]


def test_bus_notifiers_hear_add_bind_unbind_and_del_in_order(linux):
    bus = _module_bus(linux, b"notebus")
    nb = _zeroed(linux, linux.layout.size("struct notifier_block"))
    linux.machine.mem.write_ptr(nb, _fn(linux, "__test_notifier"))
    assert _call(linux, "bus_register_notifier", bus, nb) == 0
    assert _call(linux, "bus_register_notifier", bus, nb) == -17       # -EEXIST, with a WARN
    drv = _driver_on(linux, bus, b"noted")
    assert _call(linux, "driver_register", drv) == 0
    dev = _device_on(linux, bus, b"note0")
    _call(linux, "device_unregister", dev)
    actions = [c[1] for c in linux.test_calls if c[0] == "notify"]
    assert actions == [1, 4, 5, 2, 6, 7, 3]      # ADD, BIND, BOUND, DEL, UNBIND, UNBOUND, REMOVED
    assert _call(linux, "bus_unregister_notifier", bus, nb) == 0
    assert _call(linux, "bus_unregister_notifier", bus, nb) == -2      # -ENOENT


def test_bus_find_device_returns_the_match_with_a_reference(linux):
    bus = _module_bus(linux, b"findbus")
    dev = _device_on(linux, bus, b"find0")
    kref = dev + _off(linux, "struct device", "kobj") + _off(linux, "struct kobject", "kref")
    before = linux.machine.mem.read_u32(kref)
    assert _word(linux, "bus_find_device", bus, 0, 0, _fn(linux, "__test_runtime_resume")) == 0   # answers 0
    assert linux.machine.mem.read_u32(kref) == before
    assert _word(linux, "bus_find_device", bus, 0, 0, _fn(linux, "__test_match")) == dev
    assert linux.machine.mem.read_u32(kref) == before + 1


# --- ksets and uevents ------------------------------------------------------------------------

def test_kset_create_and_add_makes_a_sys_directory_its_kobjects_join(linux):
    kernel_kobj = linux.machine.mem.read_ptr(linux.data["kernel_kobj"])
    kset = _word(linux, "kset_create_and_add", _cstring(linux, b"kemuset"), 0, kernel_kobj)
    assert kset and linux.sysfs.listing("/sys/kernel/kemuset") == []
    assert _word(linux, "kset_create_and_add", _cstring(linux, b"kemuset"), 0, kernel_kobj) == 0
    ktype = _zeroed(linux, linux.layout.size("struct kobj_type"))
    kobj = _zeroed(linux, linux.layout.size("struct kobject"))
    linux.machine.mem.write_ptr(kobj + _off(linux, "struct kobject", "kset"), kset)
    assert _call(linux, "kobject_init_and_add", kobj, ktype, 0, _cstring(linux, b"member")) == 0
    assert linux.sysfs.listing("/sys/kernel/kemuset") == ["member"]
    head = kset + _off(linux, "struct kset", "list")
    assert linux.machine.mem.read_ptr(head) == kobj + _off(linux, "struct kobject", "entry")
    _call(linux, "kobject_put", kobj)
    assert linux.machine.mem.read_ptr(head) == head
    _call(linux, "kset_unregister", kset)
    assert linux.sysfs.listing("/sys/kernel/kemuset") is None


def test_kobject_uevent_needs_a_kset_and_passes_its_filter(linux):
    kernel_kobj = linux.machine.mem.read_ptr(linux.data["kernel_kobj"])
    assert _call(linux, "kobject_uevent", kernel_kobj, 0) == -EINVAL     # no kset above it
    ops = _zeroed(linux, linux.layout.size("struct kset_uevent_ops"))
    kset = _word(linux, "kset_create_and_add", _cstring(linux, b"evset"), ops, kernel_kobj)
    kobj = _zeroed(linux, linux.layout.size("struct kobject"))
    linux.machine.mem.write_ptr(kobj + _off(linux, "struct kobject", "kset"), kset)
    _call(linux, "kobject_init_and_add", kobj, _zeroed(linux, 64), 0, _cstring(linux, b"ev0"))
    assert _call(linux, "kobject_uevent", kobj, 2) == 0
    assert linux.uevents[-1] == ("change@/kernel/evset/ev0",
                                 ["ACTION=change", "DEVPATH=/kernel/evset/ev0", "SUBSYSTEM=evset"])
    linux.machine.mem.write_ptr(ops + _off(linux, "struct kset_uevent_ops", "filter"), _fn(linux, "__test_filter"))
    count = len(linux.uevents)
    assert _call(linux, "kobject_uevent", kobj, 2) == 0
    assert len(linux.uevents) == count and ("filter", kobj) in linux.test_calls


def test_sysfs_links_and_mount_points_appear_and_go(linux):
    fs_kobj = linux.machine.mem.read_ptr(linux.data["fs_kobj"])
    kernel_kobj = linux.machine.mem.read_ptr(linux.data["kernel_kobj"])
    assert _call(linux, "sysfs_create_mount_point", fs_kobj, _cstring(linux, b"mnt")) == 0
    assert _call(linux, "sysfs_create_mount_point", fs_kobj, _cstring(linux, b"mnt")) == -17
    assert "mnt" in linux.sysfs.listing("/sys/fs")
    _call(linux, "sysfs_remove_mount_point", fs_kobj, _cstring(linux, b"mnt"))
    assert "mnt" not in linux.sysfs.listing("/sys/fs")
    assert _call(linux, "sysfs_create_link", fs_kobj, kernel_kobj, _cstring(linux, b"k")) == 0
    assert linux.sysfs.links["/sys/fs/k"] == "/sys/kernel"
    _call(linux, "sysfs_remove_link", fs_kobj, _cstring(linux, b"k"))
    assert "/sys/fs/k" not in linux.sysfs.links


# --- classes ----------------------------------------------------------------------------------

def test_a_class_interface_sees_existing_and_new_devices_and_their_removal(linux):
    cls = _word(linux, "__class_create", 0, _cstring(linux, b"kemucls"), 0)
    first = linux.chrdevs.create_device(cls, 0, 0, "one", None)
    intf = _zeroed(linux, linux.layout.size("struct class_interface"))
    mem = linux.machine.mem
    mem.write_ptr(intf + _off(linux, "struct class_interface", "class"), cls)
    mem.write_ptr(intf + _off(linux, "struct class_interface", "add_dev"), _fn(linux, "__test_add_dev"))
    mem.write_ptr(intf + _off(linux, "struct class_interface", "remove_dev"), _fn(linux, "__test_remove_dev"))
    assert _call(linux, "class_interface_register", intf) == 0
    second = linux.chrdevs.create_device(cls, 0, 0, "two", None)
    linux.chrdevs.destroy_device(cls, 0)                    # the first of number 0: "one"
    _call(linux, "class_interface_unregister", intf)
    assert linux.test_calls == [("add_dev", first), ("add_dev", second), ("remove_dev", first),
                                ("remove_dev", second)]


def test_class_interface_without_a_class_is_enodev(linux):
    intf = _zeroed(linux, linux.layout.size("struct class_interface"))
    assert _call(linux, "class_interface_register", intf) == -19


def test_class_compat_register_makes_a_directory_under_sys_class(linux):
    compat = _word(linux, "class_compat_register", _cstring(linux, b"compat_bus"))
    assert compat and linux.sysfs.listing("/sys/class/compat_bus") == []
    assert _word(linux, "class_compat_register", _cstring(linux, b"compat_bus")) == 0
    _call(linux, "class_compat_unregister", compat)
    assert linux.sysfs.listing("/sys/class/compat_bus") is None


# --- runtime PM -------------------------------------------------------------------------------

def _pm_device(linux, name: bytes, parent: int = 0) -> int:
    dev = _zeroed(linux, linux.layout.size("struct device"))
    linux.machine.mem.write_ptr(dev + _off(linux, "struct device", "init_name"), _cstring(linux, name))
    linux.machine.mem.write_ptr(dev + _off(linux, "struct device", "parent"), parent)
    assert _call(linux, "device_register", dev) == 0
    return dev


def _give_callbacks(linux, dev: int) -> None:
    ops = _zeroed(linux, linux.layout.size("struct dev_pm_ops"))
    mem = linux.machine.mem
    mem.write_ptr(ops + _off(linux, "struct dev_pm_ops", "runtime_suspend"), _fn(linux, "__test_runtime_suspend"))
    mem.write_ptr(ops + _off(linux, "struct dev_pm_ops", "runtime_resume"), _fn(linux, "__test_runtime_resume"))
    dtype = _zeroed(linux, linux.layout.size("struct device_type"))
    mem.write_ptr(dtype + _off(linux, "struct device_type", "pm"), ops)
    mem.write_ptr(dev + _off(linux, "struct device", "type"), dtype)


def test_a_new_device_has_runtime_pm_disabled_once_and_suspended(linux):
    pm = Pm(linux.kernel, _pm_device(linux, b"pm0"))
    assert (pm.disable_depth, pm.status, pm.get("usage_count"), pm.flag("runtime_auto")) == (1, RPM_SUSPENDED, 0, True)
    _call(linux, "pm_runtime_enable", pm.dev)
    assert pm.disable_depth == 0
    _call(linux, "pm_runtime_enable", pm.dev)
    assert _lines(linux)[-1].endswith("pm0: Unbalanced pm_runtime_enable!")


def test_get_sync_resumes_through_the_callback_and_put_sync_suspends(linux):
    dev = _pm_device(linux, b"pm1")
    _give_callbacks(linux, dev)
    pm = Pm(linux.kernel, dev)
    _call(linux, "pm_runtime_enable", dev)
    assert _call(linux, "__pm_runtime_resume", dev, RPM_GET_PUT) == 0          # pm_runtime_get_sync
    assert (pm.status, pm.get("usage_count")) == (RPM_ACTIVE, 1)
    assert _call(linux, "__pm_runtime_idle", dev, RPM_GET_PUT) == 0            # pm_runtime_put_sync
    assert (pm.status, pm.get("usage_count")) == (RPM_SUSPENDED, 0)
    assert [c[0] for c in linux.test_calls] == ["runtime_resume", "runtime_suspend"]
    assert _call(linux, "__pm_runtime_idle", dev, RPM_GET_PUT) == -EINVAL
    assert _lines(linux)[-1].endswith("pm1: Runtime PM usage count underflow!")


def test_suspending_without_callbacks_is_enosys_unless_declared_callbackless(linux):
    dev = _pm_device(linux, b"pm2")
    pm = Pm(linux.kernel, dev)
    assert _call(linux, "__pm_runtime_set_status", dev, RPM_ACTIVE) == 0
    _call(linux, "pm_runtime_enable", dev)
    assert _call(linux, "__pm_runtime_suspend", dev, 0) == -ENOSYS
    assert (pm.status, pm.get("runtime_error")) == (RPM_ACTIVE, -ENOSYS)
    dev = _pm_device(linux, b"pm3")
    pm = Pm(linux.kernel, dev)
    _call(linux, "pm_runtime_no_callbacks", dev)
    assert _call(linux, "__pm_runtime_set_status", dev, RPM_ACTIVE) == 0
    _call(linux, "pm_runtime_enable", dev)
    assert _call(linux, "__pm_runtime_suspend", dev, 0) == 0 and pm.status == RPM_SUSPENDED


def test_a_disabled_device_refuses_suspend_with_eacces_and_forbid_holds_it_active(linux):
    dev = _pm_device(linux, b"pm4")
    _call(linux, "pm_runtime_no_callbacks", dev)
    assert _call(linux, "__pm_runtime_resume", dev, 0) == -EACCES
    _call(linux, "pm_runtime_enable", dev)
    pm = Pm(linux.kernel, dev)
    _call(linux, "pm_runtime_forbid", dev)
    assert (pm.status, pm.get("usage_count"), pm.flag("runtime_auto")) == (RPM_ACTIVE, 1, False)
    assert _call(linux, "__pm_runtime_suspend", dev, 0) == -11               # -EAGAIN: in use
    _call(linux, "pm_runtime_allow", dev)                                     # an async idle request
    assert (pm.status, pm.get("usage_count")) == (RPM_ACTIVE, 0)
    linux.timekeeping.advance(1)
    assert pm.status == RPM_SUSPENDED


def test_an_active_child_keeps_its_parent_counted_and_awake(linux):
    parent = _pm_device(linux, b"parent")
    child = _pm_device(linux, b"child", parent)
    for dev in (parent, child):
        _call(linux, "pm_runtime_no_callbacks", dev)
    assert _call(linux, "__pm_runtime_set_status", child, RPM_ACTIVE) == -16  # -EBUSY: parent suspended
    assert "runtime PM trying to activate child device child but parent (parent) is not active" in _lines(linux)
    assert _call(linux, "__pm_runtime_set_status", parent, RPM_ACTIVE) == 0
    assert _call(linux, "__pm_runtime_set_status", child, RPM_ACTIVE) == 0
    pp = Pm(linux.kernel, parent)
    assert pp.get("child_count") == 1
    _call(linux, "pm_runtime_enable", parent)
    assert _call(linux, "__pm_runtime_suspend", parent, 0) == -16            # -EBUSY: a child is active


def test_an_async_put_is_queued_on_pm_wq_and_runs_when_time_passes(linux):
    dev = _pm_device(linux, b"pm5")
    _give_callbacks(linux, dev)
    pm = Pm(linux.kernel, dev)
    _call(linux, "pm_runtime_enable", dev)
    _call(linux, "__pm_runtime_resume", dev, RPM_GET_PUT)
    assert _call(linux, "__pm_runtime_idle", dev, RPM_GET_PUT | RPM_ASYNC) == 0   # pm_runtime_put
    assert pm.status == RPM_ACTIVE and pm.flag("request_pending")
    linux.timekeeping.advance(1)
    assert pm.status == RPM_SUSPENDED and not pm.flag("request_pending")


def test_deleting_a_device_disables_runtime_pm_and_cancels_its_request(linux):
    dev = _pm_device(linux, b"pm6")
    _give_callbacks(linux, dev)
    pm = Pm(linux.kernel, dev)
    _call(linux, "pm_runtime_enable", dev)
    _call(linux, "__pm_runtime_resume", dev, RPM_GET_PUT)
    _call(linux, "__pm_runtime_idle", dev, RPM_GET_PUT | RPM_ASYNC)
    _call(linux, "device_del", dev)
    assert pm.disable_depth == 1 and not pm.flag("request_pending")
    assert pm.status == RPM_SUSPENDED


# --- PM QoS, cdev_device_add ------------------------------------------------------------------

def test_exposed_qos_flags_are_all_set_and_freed_with_the_device(linux):
    dev = _pm_device(linux, b"qos0")
    assert _call(linux, "dev_pm_qos_flags", dev, 1) == -1                     # UNDEFINED: no constraints
    assert _call(linux, "dev_pm_qos_expose_flags", dev, 1) == 0
    assert _call(linux, "dev_pm_qos_flags", dev, 1) == 2                      # ALL
    assert _call(linux, "dev_pm_qos_expose_flags", dev, 1) == -17
    req = linux.dev_pm_qos[dev]["flags_req"]
    assert req in linux.kernel.heap
    _call(linux, "device_del", dev)
    assert req not in linux.kernel.heap and dev not in linux.dev_pm_qos


def test_a_qos_request_added_twice_is_refused(linux):
    dev = _pm_device(linux, b"qos1")
    req = _zeroed(linux, linux.layout.size("struct dev_pm_qos_request"))
    assert _call(linux, "dev_pm_qos_add_request", dev, req, 1, 0) == 1        # resume latency 0: changed
    assert _call(linux, "dev_pm_qos_add_request", dev, req, 1, 0) == -EINVAL
    _call(linux, "pm_runtime_no_callbacks", dev)
    _call(linux, "__pm_runtime_set_status", dev, RPM_ACTIVE)
    _call(linux, "pm_runtime_enable", dev)
    assert _call(linux, "__pm_runtime_suspend", dev, 0) == -1                 # -EPERM: latency 0
    assert _call(linux, "dev_pm_qos_remove_request", req) == 1
    assert _call(linux, "__pm_runtime_suspend", dev, 0) == 0


def test_cdev_device_add_makes_the_dev_node_and_cdev_device_del_removes_it(linux):
    dev = _zeroed(linux, linux.layout.size("struct device"))
    _call(linux, "device_initialize", dev)
    linux.machine.mem.write_ptr(dev + _off(linux, "struct device", "init_name"), _cstring(linux, b"kemuc0"))
    linux.machine.mem.write_u32(dev + _off(linux, "struct device", "devt"), (240 << 20) | 3)
    cdev = _zeroed(linux, linux.layout.size("struct cdev"))
    assert _call(linux, "cdev_device_add", cdev, dev) == 0
    node = linux.kernel.devfs.lookup("/dev/kemuc0")
    assert node is not None
    _call(linux, "cdev_device_del", cdev, dev)
    assert linux.kernel.devfs.lookup("/dev/kemuc0") is None


def test_an_autosuspend_waits_for_its_delay_on_the_suspend_timer(linux):
    dev = _pm_device(linux, b"pm7")
    _give_callbacks(linux, dev)
    pm = Pm(linux.kernel, dev)
    _call(linux, "pm_runtime_enable", dev)
    _call(linux, "pm_runtime_set_autosuspend_delay", dev, 100)
    _call(linux, "__pm_runtime_use_autosuspend", dev, 1)
    _call(linux, "__pm_runtime_resume", dev, RPM_GET_PUT)                      # get_sync: last_busy = now
    assert _call(linux, "__pm_runtime_suspend", dev, RPM_GET_PUT | RPM_ASYNC | RPM_AUTO) == 0   # put_autosuspend
    assert pm.status == RPM_ACTIVE
    linux.timekeeping.advance(10)                                              # 40 ms of 100
    assert pm.status == RPM_ACTIVE
    linux.timekeeping.advance(20)
    assert pm.status == RPM_SUSPENDED
    assert [c[0] for c in linux.test_calls] == ["runtime_resume", "runtime_suspend"]


def test_a_resume_before_the_delay_keeps_the_device_active(linux):
    dev = _pm_device(linux, b"pm8")
    _give_callbacks(linux, dev)
    pm = Pm(linux.kernel, dev)
    _call(linux, "pm_runtime_enable", dev)
    _call(linux, "pm_runtime_set_autosuspend_delay", dev, 100)
    _call(linux, "__pm_runtime_use_autosuspend", dev, 1)
    _call(linux, "__pm_runtime_resume", dev, RPM_GET_PUT)
    _call(linux, "__pm_runtime_suspend", dev, RPM_GET_PUT | RPM_ASYNC | RPM_AUTO)
    _call(linux, "__pm_runtime_resume", dev, RPM_GET_PUT)                      # in use again
    linux.timekeeping.advance(50)
    assert pm.status == RPM_ACTIVE and pm.get("usage_count") == 1


# --- merged groups, bin files -----------------------------------------------------------------

def _attr_group(linux, group: bytes, *names: bytes) -> int:
    word = linux.machine.word_size
    attrs = _zeroed(linux, word * (len(names) + 1))
    for i, name in enumerate(names):
        attr = _zeroed(linux, linux.layout.size("struct device_attribute"))
        linux.machine.mem.write_ptr(attr, _cstring(linux, name))
        linux.machine.mem.write_u16(attr + word, 0o444)
        linux.machine.mem.write_ptr(attrs + i * word, attr)
    grp = _zeroed(linux, linux.layout.size("struct attribute_group"))
    linux.machine.mem.write_ptr(grp + _off(linux, "struct attribute_group", "name"), _cstring(linux, group))
    linux.machine.mem.write_ptr(grp + _off(linux, "struct attribute_group", "attrs"), attrs)
    return grp


def test_a_group_merges_into_a_devices_power_directory_and_out_again(linux):
    dev = _pm_device(linux, b"merge0")
    kobj = dev + _off(linux, "struct device", "kobj")
    assert _call(linux, "sysfs_merge_group", kobj, _attr_group(linux, b"nosuch", b"x")) == -2     # -ENOENT
    grp = _attr_group(linux, b"power", b"level", b"autosuspend")
    assert _call(linux, "sysfs_merge_group", kobj, grp) == 0
    assert sorted(linux.driver_model.files[kobj]) == ["power/autosuspend", "power/level"]
    _call(linux, "sysfs_unmerge_group", kobj, grp)
    assert linux.driver_model.files[kobj] == {}


def test_a_device_bin_file_is_refused_twice_and_removed(linux):
    dev = _pm_device(linux, b"bin0")
    attr = _zeroed(linux, 16 * linux.machine.word_size)
    linux.machine.mem.write_ptr(attr, _cstring(linux, b"descriptors"))
    assert _call(linux, "device_create_bin_file", dev, attr) == 0
    assert _call(linux, "device_create_bin_file", dev, attr) == -17
    _call(linux, "device_remove_bin_file", dev, attr)
    assert _call(linux, "device_create_bin_file", dev, attr) == 0
    assert _call(linux, "device_create_bin_file", 0, attr) == -EINVAL
