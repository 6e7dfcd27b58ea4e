"""Small block and filesystem registries (placeholder, filled below)."""
from __future__ import annotations

from kemu.kernel import ServiceTable

table = ServiceTable("blk_registries")
