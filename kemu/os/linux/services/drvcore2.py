"""The driver core's second part as one table for system.py: walks and notifiers of a bus
(bus_walks.py), ksets, uevents and sysfs links (ksets.py)."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import bus_walks, ksets

table = ServiceTable("drvcore2")
for _part in (bus_walks.table, ksets.table):
    for _service in _part:
        table.add(_service)
