/*
 * nomodinfo -- a relocatable object with code but no MODULE() record.
 *
 * kobj loads it, but there is no link_set_modules section to find the
 * modinfo_t in: "WARNING: module error: `link_set_modules' section not
 * present, error 2", then "cannot fetch info for `nomodinfo', error 2"
 * (ENOENT: "modload: nomodinfo: No such file or directory").
 */
#include <sys/param.h>
#include <sys/systm.h>

int
nomodinfo_function(int x)
{
	printf("nomodinfo: %d\n", x);
	return x + 1;
}
