/*
 * exporter -- plain kernel code that defines functions and data for another
 * module to use; no module-system glue at all.
 *
 * Job: the shared module loader (kemu/kernel/loader.py) on its own.  The
 * kernel-layer tests load it with the loader directly, publish its symbols
 * as exports, load importer.o against them and check the bindings, the
 * "used by" records, a guarded crash (exporter_crash) and leak accounting
 * (exporter_alloc keeps what it gets).
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include "kemu_test.h"

int exporter_counter = 5;
const char exporter_greeting[] = "hello from exporter";
void *exporter_kept;

int exporter_twice(int);
int exporter_crash(void);
int exporter_alloc(unsigned long);

KEMU_NAMED_FRAME int
exporter_twice(int x)
{
	exporter_counter++;
	return 2 * x;
}

KEMU_NAMED_FRAME int
exporter_crash(void)
{
	return *(volatile int *)0;
}

int
exporter_alloc(unsigned long size)
{
	exporter_kept = malloc(size, M_DEVBUF, M_WAITOK);
	return exporter_kept != NULL;
}
