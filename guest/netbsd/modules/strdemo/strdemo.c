/*
 * strdemo -- the libkern string calls, kmem_asprintf/kmem_strfree and
 * log(9), as a module uses them to build names and messages.  Each result
 * is printed so the test compares it with what libkern gives.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>
#include <sys/kmem.h>
#include <sys/syslog.h>
#include <lib/libkern/libkern.h>

MODULE(MODULE_CLASS_MISC, strdemo, NULL);

static int
strdemo_modcmd(modcmd_t cmd, void *arg)
{
	char buf[16], pad[8];
	char *s;
	size_t n;

	switch (cmd) {
	case MODULE_CMD_INIT:
		n = strlcpy(buf, "kemu", sizeof(buf));
		printf("strdemo: strlcpy = %zu \"%s\"\n", n, buf);
		n = strlcat(buf, "-netbsd-module", sizeof(buf));
		printf("strdemo: strlcat = %zu \"%s\"\n", n, buf);
		printf("strdemo: strlen = %zu\n", strlen(buf));
		printf("strdemo: strcmp = %d strncmp = %d\n",
		    strcmp("abc", "abd") < 0, strncmp("abc", "abd", 2));
		memset(pad, 'x', sizeof(pad));
		printf("strdemo: memcmp = %d\n", memcmp(pad, "xxxxxxxx", sizeof(pad)));
		s = kmem_asprintf("%s/%d", "unit", 7);
		printf("strdemo: asprintf \"%s\"\n", s);
		kmem_strfree(s);
		log(LOG_INFO, "strdemo: logged at %d\n", LOG_INFO);
		return 0;
	case MODULE_CMD_FINI:
		return 0;
	default:
		return ENOTTY;
	}
}
