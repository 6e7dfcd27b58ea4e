"""The driver core's second part as one table for system.py: walks and notifiers of a bus
(bus_walks.py), ksets, uevents and sysfs links (ksets.py), class interfaces and files
(class_extras.py), the auxiliary/PNP/serdev/spi-mem buses, platform bundles and root
devices (more_buses.py), runtime PM (runtime_pm.py), PM QoS (pm_qos.py), wakeup,
components, firmware nodes, cdev_device_add (device_misc.py), merged groups and device bin
files (group_merge.py)."""
from __future__ import annotations

from kemu.kernel import ServiceTable

from . import bus_walks, class_extras, device_misc, group_merge, ksets, more_buses, pm_qos, runtime_pm

table = ServiceTable("drvcore2")
for _part in (bus_walks.table, ksets.table, class_extras.table, more_buses.table, runtime_pm.table,
              pm_qos.table, device_misc.table, group_merge.table):
    for _service in _part:
        table.add(_service)
