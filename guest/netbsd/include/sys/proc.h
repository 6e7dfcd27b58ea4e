/*
 * kemu guest SDK -- NetBSD 10.  <sys/proc.h>: processes, as far as a
 * module names them (struct proc and struct lwp are opaque to modules).
 */
#ifndef _SYS_PROC_H_
#define	_SYS_PROC_H_

#include <sys/types.h>
#include <sys/lwp.h>

struct proc;

#endif /* !_SYS_PROC_H_ */
