"""kemu's pytest plugin (kemu/testing/plugin.py), run the way its users run it: a test file of
their own, with kemu_system / kemu_load / kemu_open, in a pytest of its own (pytester)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "netbsd-lkm"
POSTINSTALL = ROOT / "guest" / "netbsd-lkm" / "fibo" / "fibo_postinstall.sh"


def run(pytester, body: str, *args: str):
    pytester.makepyfile(test_module=f"import struct\nimport pytest\nFIX = {str(FIXTURES)!r}\n"
                                    f"POST = {str(POSTINSTALL)!r}\n{body}")
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_a_module_test_loads_opens_and_reads_a_device(pytester):
    result = run(pytester, '''
def test_fibo(kemu_system, kemu_load, kemu_open):
    module = kemu_load(FIX + "/i386/gcc/fibo.o", postinstall=POST)
    assert module.name == "fibo"
    fd = kemu_open("/dev/fibo0")
    assert struct.unpack("<5I", kemu_system.read(fd, 20)) == (1, 1, 2, 3, 5)
''')
    result.assert_outcomes(passed=1)


def test_a_module_that_leaks_fails_the_test_naming_the_blocks(pytester):
    result = run(pytester, '''
def test_leaky(kemu_load):
    kemu_load(FIX + "/i386/gcc/leaky.o")
''')
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*module leaky leaked 2 block(s): 100 bytes of devbuf allocated by leaky_*"])


def test_allow_leaks_accepts_a_leaking_module(pytester):
    result = run(pytester, '''
@pytest.mark.kemu(allow_leaks=True)
def test_leaky(kemu_load):
    kemu_load(FIX + "/i386/gcc/leaky.o")
''')
    result.assert_outcomes(passed=1)


def test_a_module_that_refuses_to_unload_fails_the_test(pytester):
    result = run(pytester, '''
def test_busy(kemu_load):
    kemu_load(FIX + "/i386/gcc/busy.o")
''')
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*module busy refused to unload: Device busy*"])


def test_the_marker_chooses_the_arch(pytester):
    result = run(pytester, '''
@pytest.mark.kemu(os="netbsd-lkm", arch="x86_64")
def test_arch(kemu_system, kemu_load):
    assert kemu_system.arch == "x86_64"
    assert kemu_load(FIX + "/x86_64/clang/fibo.o").base >= 0xffffffff80000000
''')
    result.assert_outcomes(passed=1)


def test_the_command_line_chooses_the_arch(pytester):
    result = run(pytester, '''
def test_arch(kemu_system):
    assert kemu_system.arch == "x86_64"
''', "--kemu-arch", "x86_64")
    result.assert_outcomes(passed=1)


def test_each_test_gets_a_fresh_kernel(pytester):
    result = run(pytester, '''
def test_first(kemu_system, kemu_load):
    kemu_load(FIX + "/i386/gcc/fibo.o")
    assert len(kemu_system.modstat()) == 1

def test_second(kemu_system):
    assert kemu_system.modstat() == []
''')
    result.assert_outcomes(passed=2)


def test_a_failed_load_raises_the_systems_error_in_the_test(pytester):
    result = run(pytester, '''
from kemu.kernel import SyscallError

def test_missing(kemu_load):
    with pytest.raises(SyscallError) as failure:
        kemu_load(FIX + "/i386/gcc/missingsym.o")
    assert failure.value.status == 1
''')
    result.assert_outcomes(passed=1)


def test_the_readme_example_test_file_passes(pytester):
    readme = (ROOT / "README.md").read_text()
    start = readme.index("# test_fibo.py")
    example = readme[start:readme.index("```", start)]
    example = example.replace('"fixtures/', f'"{ROOT}/fixtures/').replace('"guest/', f'"{ROOT}/guest/')
    pytester.makepyfile(test_fibo=example)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)
