/*
 * unprovided: a kld that compiles against the SDK but calls copyin_nofault(9), which the SDK
 * declares (as FreeBSD's <sys/systm.h> does) and kemu's kernel does not provide (docs/freebsd.md,
 * "declared, not provided"): kldload refuses it with link_elf_obj's / link_elf's
 * "symbol copyin_nofault undefined" and ENOEXEC, and its handler never runs.
 */
#include <sys/param.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/systm.h>

static int
unprovided_handler(module_t mod, int what, void *arg)
{
	char byte;

	if (what != MOD_LOAD)
		return (0);
	printf("unprovided: loaded, copyin_nofault %d\n", copyin_nofault(arg, &byte, 1));
	return (0);
}

static moduledata_t unprovided_mod = { "unprovided", unprovided_handler, NULL };
DECLARE_MODULE(unprovided, unprovided_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
