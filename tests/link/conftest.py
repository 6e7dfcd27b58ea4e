"""Shared helpers for the linker's tests: tool checks and the relocation fixtures."""
from __future__ import annotations

import shutil

import pytest


def require(*tools: str) -> None:
    """Skip the calling test unless every external program is installed."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (not installed)")
