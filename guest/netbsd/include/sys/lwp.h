/*
 * kemu guest SDK -- NetBSD 10.  <sys/lwp.h>: light-weight processes.
 * Modules see struct lwp only through pointers (device entry points get
 * the calling lwp).  NetBSD's curlwp reads the per-CPU area through %gs
 * (amd64) or %fs (i386); this SDK does not offer it, so a module that
 * needs it fails to compile here rather than running differently.
 */
#ifndef _SYS_LWP_H_
#define	_SYS_LWP_H_

#include <sys/types.h>

struct lwp;

#endif /* !_SYS_LWP_H_ */
