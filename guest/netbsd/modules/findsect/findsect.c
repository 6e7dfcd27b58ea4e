/*
 * findsect -- a module that finds a section of its own with
 * module_find_section().
 *
 * The module keeps a 16-byte table in an ELF section of its own,
 * "kemu_blob" (as the miniroot module keeps its file-system image in a
 * section), and during MODULE_CMD_INIT -- the only time the call may be
 * made -- asks the kernel where that section was loaded.  It checks the
 * answer against the table's own address and size, looks up its
 * "link_set_modules" section too (one pointer: 4 or 8 bytes), and asks
 * for a section it does not have, which must fail with ENOENT.  INIT
 * fails with EFAULT if the kernel's answers are wrong.  The results are
 * kept in findsect_addr, findsect_size, findsect_linkset_size and
 * findsect_missing_error.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

MODULE(MODULE_CLASS_MISC, findsect, NULL);

static const unsigned char findsect_blob[16] __section("kemu_blob") __used = {
	'k', 'e', 'm', 'u', ' ', 'b', 'l', 'o', 'b', 0, 1, 2, 3, 4, 5, 6
};

void *findsect_addr;
size_t findsect_size;
size_t findsect_linkset_size;
int findsect_missing_error = -1;

static int
findsect_modcmd(modcmd_t cmd, void *arg)
{
	void *addr;
	size_t size;
	int error;

	switch (cmd) {
	case MODULE_CMD_INIT:
		error = module_find_section("kemu_blob", &findsect_addr,
		    &findsect_size);
		if (error != 0) {
			printf("findsect: kemu_blob not found, error %d\n",
			    error);
			return error;
		}
		printf("findsect: kemu_blob: %zu bytes, \"%s\"\n",
		    findsect_size, (const char *)findsect_addr);
		if (findsect_addr != (const void *)findsect_blob ||
		    findsect_size != sizeof(findsect_blob))
			return EFAULT;
		error = module_find_section("link_set_modules", &addr, &size);
		if (error != 0)
			return error;
		findsect_linkset_size = size;
		if (size != sizeof(void *) ||
		    *(const modinfo_t **)addr != &findsect_modinfo)
			return EFAULT;
		findsect_missing_error = module_find_section("kemu_nothing",
		    &addr, &size);
		printf("findsect: kemu_nothing: error %d\n",
		    findsect_missing_error);
		return findsect_missing_error == ENOENT ? 0 : EFAULT;
	case MODULE_CMD_FINI:
		return 0;
	default:
		return ENOTTY;
	}
}
