"""LED trigger events (drivers/leds/led-triggers.c, 6.1) and the MTD activity trigger
(drivers/leds/trigger/ledtrig-mtd.c, built into Debian's kernel).

led_trigger_event sets the brightness of every LED attached to the trigger, walking its
led_cdevs list; kemu has no LED class devices, so the list is empty and nothing changes
(services/registries.py keeps the triggers). ledtrig_mtd_activity blinks the "mtd"
trigger's LEDs once (30 ms on/off); the kernel registers that trigger at boot, kemu on first
use, so it shows among the registered triggers from then on.
"""
from __future__ import annotations

from kemu.kernel import ServiceTable

from .registries import _register_trigger, _registry, led_trigger_blink_oneshot

table = ServiceTable("led_events")

MTD_BLINK_DELAY = 30       # ms, ledtrig-mtd.c's mtd_blink_delay


def attached_leds(k, trig: int) -> list[int]:
    """The led_classdev list entries on a trigger's led_cdevs (always none in kemu)."""
    head = trig + k.linux.layout.offset("struct led_trigger", "led_cdevs")
    mem, found, node = k.machine.mem, [], k.machine.mem.read_ptr(head)
    while node not in (head, 0) and len(found) < 1024:
        found.append(node)
        node = mem.read_ptr(node)
    return found


@table.service("void led_trigger_event(struct led_trigger *trig, enum led_brightness brightness)")
def led_trigger_event(k, trig: int, brightness: int) -> None:
    """Set every attached LED to brightness (NULL trigger: nothing)."""
    if trig and attached_leds(k, trig):
        k.linux.pr_once("led_event", "kemu: LED trigger has LEDs attached, but kemu has no LED class devices", 4)


def mtd_trigger(k) -> int:
    """The built-in "mtd" trigger (ledtrig_mtd_init's led_trigger_register_simple)."""
    trig = k.linux.__dict__.get("ledtrig_mtd")
    if trig is None:
        size = k.linux.layout.size("struct led_trigger")
        trig = k.machine.alloc("kdata", size + 8, 16)
        k.machine.mem.write(trig, bytes(size) + b"mtd\0\0\0\0\0")
        k.machine.mem.write_ptr(trig + k.linux.layout.offset("struct led_trigger", "name"), trig + size)
        if _register_trigger(k, trig, None) < 0:      # a module took the name first
            trig = _registry(k, "led_triggers").find("mtd") or 0
        k.linux.ledtrig_mtd = trig
    return trig


@table.service("void ledtrig_mtd_activity(void)")
def ledtrig_mtd_activity(k) -> None:
    """Blink the LEDs on the "mtd" trigger once."""
    trig = mtd_trigger(k)
    if trig:
        led_trigger_blink_oneshot(k, trig, 0, 0, 0)
