"""input_allocate_device / input_free_device (services/input_dev.py): an initialized, named
input device with one reference, freed with its buffers by the last put; serial_ir, which
allocates one for its receiver, loads and unloads clean."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES
from .corpus_trials import corpus_record


@pytest.mark.parametrize("arch", ARCHES)
def test_input_devices_are_named_in_order_and_initialized(arch):
    system = kemu.boot("linux", arch)
    first, second = system.call("input_allocate_device"), system.call("input_allocate_device")
    lay, mem = system.layout, system.machine.mem
    dev = lambda d: d + lay.offset("struct input_dev", "dev")                 # noqa: E731
    name = lambda d: system.kernel.read_str(mem.read_ptr(dev(d) + lay.offset("struct device", "kobj")  # noqa: E731
                                                         + lay.offset("struct kobject", "name")))
    assert (name(first), name(second)) == (b"input0", b"input1")
    kref = dev(first) + lay.offset("struct device", "kobj") + lay.offset("struct kobject", "kref")
    assert mem.read_u32(kref) == 1
    h_list = first + lay.offset("struct input_dev", "h_list")
    assert mem.read_ptr(h_list) == h_list


@pytest.mark.parametrize("arch", ARCHES)
def test_freeing_releases_the_device_and_its_buffers(arch):
    system = kemu.boot("linux", arch)
    dev = system.call("input_allocate_device")
    vals = system.kernel.heap.alloc(64, "kmalloc")
    system.machine.mem.write_ptr(dev + system.layout.offset("struct input_dev", "vals"), vals)
    system.call("input_free_device", dev)
    assert dev not in system.kernel.heap and vals not in system.kernel.heap
    system.call("input_free_device", 0)


@pytest.mark.parametrize("arch", ARCHES)
def test_serial_ir_no_longer_calls_input_allocation_fallbacks(arch):
    record = corpus_record(arch, "serial_ir")
    assert record["outcome"] == "init returned 0, clean unload"
    assert not {"input_allocate_device", "input_free_device"} & set(record["fallback"])
