"""The corpus classifier on synthetic facts: each outcome class, its detail, its blockers."""
from __future__ import annotations

from kemu.os.linux.corpus.outcome import (DEPENDENCY_FAILED, EXIT_OOPS, INIT_ERROR, INIT_OK, INIT_OK_PERMANENT,
                                          LEAKED, LINK_FAILED, OOPS, REFUSED, TIMEOUT, WORKER_LOST, Trial,
                                          blockers, classify, fallback_kind)

OOPS_TEXT = ("kemu oops: NULL pointer dereference (read) at 0x1a4\n"
             "  at 0xffffffffa000146a <speakup_init+0x3f>: mov rax, qword ptr [rdi + 0x1a4]\n")


def test_unknown_symbols_are_a_link_failure_naming_them_and_blocking_on_them():
    t = Trial(error="ENOENT", messages=["[    0.000000] fat: Unknown symbol new_inode (err -2)",
                                        "[    0.000000] fat: Unknown symbol iput (err -2)"])
    assert classify(t) == (LINK_FAILED, "unresolved: new_inode iput")
    assert blockers(LINK_FAILED, t) == ["new_inode", "iput"]


def test_a_relocation_the_linker_refused_is_a_link_failure_with_its_message():
    t = Trial(error="ENOEXEC", messages=["[    0.000000] kemu: bad.ko: relocation R_X86_64_32S out of range"])
    assert classify(t) == (LINK_FAILED, "kemu: bad.ko: relocation R_X86_64_32S out of range")


def test_vermagic_and_modversions_refusals():
    vermagic = Trial(error="ENOEXEC", messages=["[    0.000000] m: version magic '5.10 SMP' should be '6.1 SMP'"])
    crc = Trial(error="EINVAL", messages=["[    0.000000] m: disagrees about version of symbol kmalloc",
                                          "[    0.000000] m: Unknown symbol kmalloc (err -22)"])
    assert classify(vermagic)[0] == REFUSED
    assert classify(crc) == (REFUSED, "m: disagrees about version of symbol kmalloc")


def test_init_error_names_the_errno():
    t = Trial(error="ENODEV", linked=True, last_service="pci_get_device")
    assert classify(t) == (INIT_ERROR, "-ENODEV")
    assert blockers(INIT_ERROR, t) == ["pci_get_device"]


def test_oops_names_where_and_what():
    t = Trial(error="EFAULT", linked=True, crash=OOPS_TEXT, last_service="param_free_charp")
    assert classify(t) == (OOPS, "speakup_init+0x3f: NULL pointer dereference (read) at 0x1a4")
    assert blockers(OOPS, t) == ["param_free_charp"]


def test_a_stopped_init_is_time_exhausted():
    t = Trial(error="ETIMEDOUT", linked=True, crash="kemu oops: timeout\n  at 0xffffffffa0000010 <spin+0x4>: jmp 0x10\n")
    assert classify(t) == (TIMEOUT, "init stopped at spin+0x4: timeout")


def test_fallback_stubs_called_are_the_blockers_of_a_failure():
    t = Trial(error="ENOMEM", linked=True, fallback=["__class_register", "bdi_alloc"], last_service="kfree")
    assert blockers(INIT_ERROR, t) == ["__class_register", "bdi_alloc"]


def test_clean_permanent_leaking_and_exit_oops():
    assert classify(Trial()) == (INIT_OK, "")
    assert classify(Trial(has_exit=False)) == (INIT_OK_PERMANENT, "")
    assert classify(Trial(leaks=2)) == (LEAKED, "2 allocations")
    assert classify(Trial(exit_crash=OOPS_TEXT))[0] == EXIT_OOPS


def test_a_failed_dependency_blocks_with_its_own_blockers():
    t = Trial(dependency="libcrc32c", dependency_outcome="link failed (unresolved: crypto_alloc_shash)",
              dependency_blockers=["crypto_alloc_shash"])
    assert classify(t) == (DEPENDENCY_FAILED, "libcrc32c: link failed (unresolved: crypto_alloc_shash)")
    assert blockers(DEPENDENCY_FAILED, t) == ["crypto_alloc_shash"]


def test_a_killed_or_dead_worker():
    assert classify(Trial(worker_lost="killed after the 60 s timeout"))[0] == TIMEOUT
    assert classify(Trial(worker_lost="worker process died (exit status -11)"))[0] == WORKER_LOST


def test_fallback_kind_of_a_record():
    assert fallback_kind({"fallback": [], "stubbed": []}) == "real"
    assert fallback_kind({"fallback": [], "stubbed": ["kasprintf"]}) == "bound"
    assert fallback_kind({"fallback": ["kasprintf"], "stubbed": ["kasprintf"]}) == "called"
