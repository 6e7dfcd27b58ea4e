"""A module's DWARF at its linked addresses: now read in `kemu.link.dwarf_image`, shared
with the oops reports' source locator; these names stay for the debugger's code."""
from kemu.link.dwarf_image import (DwarfLoadError, check_same_object, load_dwarf,
                                   relocated_object)

__all__ = ["DwarfLoadError", "check_same_object", "load_dwarf", "relocated_object"]
