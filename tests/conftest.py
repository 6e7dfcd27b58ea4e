"""Shared by every test directory: pytester, for testing kemu's own pytest plugin."""
pytest_plugins = ["pytester"]
