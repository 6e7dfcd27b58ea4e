/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/proc.h>: the process structure, deliberately opaque.
 *
 * Provenance: reconstructed, not copied.  NetBSD 1.6 struct proc is large
 * and changes with kernel options; drivers receive a struct proc * in
 * d_open/d_close/d_ioctl/d_poll and only pass it on.  kemu's guest modules
 * never look inside it, so it is declared incomplete: a module that
 * dereferences it will not compile, which is the honest outcome.
 */
#ifndef _SYS_PROC_H_
#define	_SYS_PROC_H_

#include <sys/types.h>

struct proc;

#endif /* !_SYS_PROC_H_ */
