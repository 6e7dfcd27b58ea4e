"""The NetBSD 1.6 command table: every command resolves to its run function on first use."""
from kemu.os.netbsd_lkm.commands import COMMANDS, WHERE
from kemu.userland.fileutils import FILE_TOOLS


def test_the_table_names_modload_modunload_modstat_and_every_dev_file_tool():
    assert set(COMMANDS) == {"modload", "modunload", "modstat"} | set(FILE_TOOLS)
    assert len(COMMANDS) == len(WHERE)


def test_each_command_resolves_to_a_callable_from_its_module():
    for name in COMMANDS:
        assert callable(COMMANDS[name])
    assert COMMANDS["modstat"].__module__ == "kemu.os.netbsd_lkm.commands.modstat"
    assert COMMANDS.get("nosuch") is None
