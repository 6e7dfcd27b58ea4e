/*
 * props -- a MODULE_CLASS_MISC module that reads its properties.
 *
 * kern_module.c hands MODULE_CMD_INIT a prop_dictionary: the module's
 * props.plist (found beside props.kmod) with the caller's properties merged
 * over it (the caller's value wins for a key in both), or the caller's
 * dictionary alone when there is no plist or modload -P (MODCTL_NO_PROP)
 * skipped it.  modload always sends a dictionary, empty without -b/-i/-s,
 * so only a load with no caller dictionary and no plist (a dependency load,
 * module_autoload) gets NULL.  This module reads three keys with NetBSD
 * 10's typed getters -- "count" (int32), "greeting" (string), "verbose"
 * (bool) -- prints what it found, and keeps the values in props_count /
 * props_greeting / props_verbose for a test to inspect.
 * A key that is absent or of another type is reported as "(unset)" and
 * leaves the default (-1, "", false).  INIT fails with EINVAL (before
 * reading the other keys) when "count" is negative, so a bad property
 * shows up as a failed load.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>
#include <prop/proplib.h>

MODULE(MODULE_CLASS_MISC, props, NULL);

int32_t props_count = -1;
char props_greeting[64];
bool props_verbose;

static int
props_modcmd(modcmd_t cmd, void *arg)
{
	prop_dictionary_t dict = arg;
	const char *greeting;
	int32_t count;

	switch (cmd) {
	case MODULE_CMD_INIT:
		if (dict == NULL) {
			printf("props: no properties\n");
			return 0;
		}
		printf("props: %u properties\n", prop_dictionary_count(dict));
		if (prop_dictionary_get_int32(dict, "count", &count)) {
			printf("props: count = %d\n", count);
			if (count < 0)
				return EINVAL;
			props_count = count;
		} else
			printf("props: count (unset)\n");
		if (prop_dictionary_get_string(dict, "greeting", &greeting)) {
			strlcpy(props_greeting, greeting,
			    sizeof(props_greeting));
			printf("props: greeting = \"%s\"\n", props_greeting);
		} else
			printf("props: greeting (unset)\n");
		if (prop_dictionary_get_bool(dict, "verbose", &props_verbose))
			printf("props: verbose = %s\n",
			    props_verbose ? "true" : "false");
		else
			printf("props: verbose (unset)\n");
		return 0;

	case MODULE_CMD_FINI:
		printf("props: unloaded\n");
		return 0;

	default:
		return ENOTTY;
	}
}
