/*
 * host_kernel.h -- what probe.c sees of host_kernel.c: the recorded calls,
 * the answers it can set, and the in-memory property dictionary.
 */
#ifndef HOST_KERNEL_H
#define	HOST_KERNEL_H

#include <sys/conf.h>
#include <sys/module.h>

enum { HOST_NUMBER, HOST_STRING, HOST_BOOL };

struct host_prop {
	const char	*key;
	int		type;
	long long	number;
	const char	*string;
	bool		boolean;
};

prop_dictionary_t host_dictionary(const struct host_prop *, int);

extern int host_live_allocations;
extern int host_kmem_size_mismatches;
extern const struct cdevsw *host_cdevsw;
extern devmajor_t host_cmajor;
extern int host_detach_calls;
extern int host_module_load_answer;
extern int host_module_unload_answer;
extern const char *host_last_load_name;
extern const char *host_last_unload_name;
extern int host_callbacks_registered;
extern modinfo_t *const *host_active_entry;	/* set by probe.c */

#endif /* !HOST_KERNEL_H */
