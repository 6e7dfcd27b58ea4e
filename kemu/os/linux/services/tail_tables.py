"""The small services of the "long tail" (lib/parser, NMI handlers, ISA DMA channels, ...),
gathered so system.py installs them with one line."""
from __future__ import annotations

from . import (device_randomness, mdio_boardinfo, isa_dma, kobject_path, led_events, lib_parser, nls_default, nmi_handlers,
               powercap, radix_tree, reciprocal_div)

TABLES = [lib_parser.table, nmi_handlers.table, radix_tree.table, isa_dma.table, nls_default.table,
          reciprocal_div.table, device_randomness.table, led_events.table, kobject_path.table,
          powercap.table, mdio_boardinfo.table]
