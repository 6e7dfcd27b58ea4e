/*
 * sysctlmod: a module that adds static sysctls. While it is loaded:
 *   debug.kemu            a node (CTLTYPE_NODE) under the kernel's debug node
 *   debug.kemu.answer     an int, read-write, initially 42          (SYSCTL_INT)
 *   debug.kemu.greeting   a 32-byte string, read-write, "hello"      (SYSCTL_STRING)
 *   debug.kemu.version    a constant int 3, read-only (no variable)  (SYSCTL_INT)
 *   debug.kemu.doubled    an int procedure: reads 2*answer, a write sets answer to
 *                         half the value written; odd values are EINVAL (SYSCTL_PROC)
 * All of them come from the linker set sysctl_set; the kernel registers them when
 * the file is linked and removes them when it is unloaded.
 */
#include <sys/param.h>
#include <sys/module.h>
#include <sys/kernel.h>
#include <sys/systm.h>
#include <sys/sysctl.h>

static int sysctlmod_answer = 42;
static char sysctlmod_greeting[32] = "hello";

static int
sysctlmod_doubled(SYSCTL_HANDLER_ARGS)
{
	int value, error;

	value = sysctlmod_answer * 2;
	error = sysctl_handle_int(oidp, &value, 0, req);
	if (error != 0 || req->newptr == NULL)
		return (error);
	if (value % 2 != 0)
		return (EINVAL);
	sysctlmod_answer = value / 2;
	return (0);
}

SYSCTL_NODE(_debug, OID_AUTO, kemu, CTLFLAG_RW | CTLFLAG_MPSAFE, 0,
    "kemu test sysctls");
SYSCTL_INT(_debug_kemu, OID_AUTO, answer, CTLFLAG_RW, &sysctlmod_answer, 0,
    "The answer");
SYSCTL_STRING(_debug_kemu, OID_AUTO, greeting, CTLFLAG_RW, sysctlmod_greeting,
    sizeof(sysctlmod_greeting), "A greeting");
SYSCTL_INT(_debug_kemu, OID_AUTO, version, CTLFLAG_RD, SYSCTL_NULL_INT_PTR, 3,
    "Interface version");
SYSCTL_PROC(_debug_kemu, OID_AUTO, doubled,
    CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, NULL, 0, sysctlmod_doubled, "I",
    "Twice the answer");

static int
sysctlmod_modevent(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		printf("sysctlmod: debug.kemu.answer=%d\n", sysctlmod_answer);
		return (0);
	case MOD_UNLOAD:
		printf("sysctlmod: answer was %d, greeting \"%s\"\n", sysctlmod_answer,
		    sysctlmod_greeting);
		return (0);
	case MOD_QUIESCE:
	case MOD_SHUTDOWN:
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t sysctlmod_mod = {
	"sysctlmod",
	sysctlmod_modevent,
	NULL
};

DECLARE_MODULE(sysctlmod, sysctlmod_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
