"""backlight_device_unregister (services/backlight.py): NULL is nothing, as drivers' error
paths expect; a pointer kemu never registered is refused with a warning."""
from __future__ import annotations

import pytest

import kemu

from .conftest import ARCHES


@pytest.mark.parametrize("arch", ARCHES)
def test_unregistering_null_does_nothing_and_garbage_is_warned_about(arch):
    system = kemu.boot("linux", arch)
    system.call("backlight_device_unregister", 0)
    assert "backlight" not in system.dmesg()
    system.call("backlight_device_unregister", 0x1000)
    assert "0x1000 is not a registered backlight device" in system.dmesg()
