/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/_lock.h>.
 *
 * The head every lock starts with (FreeBSD 14 sys/sys/_lock.h): its name, class flags,
 * class data and WITNESS pointer. kemu's mutex services find lo_name through it.
 */
#ifndef _SYS__LOCK_H_
#define _SYS__LOCK_H_

struct lock_object {
	const char	*lo_name;
	unsigned int	lo_flags;
	unsigned int	lo_data;
	struct witness	*lo_witness;
};

#endif
