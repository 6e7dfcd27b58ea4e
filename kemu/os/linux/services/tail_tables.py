"""The small services of the "long tail" (lib/parser, NMI handlers, ISA DMA channels, ...),
gathered so system.py installs them with one line."""
from __future__ import annotations

from . import lib_parser

TABLES = [lib_parser.table]
