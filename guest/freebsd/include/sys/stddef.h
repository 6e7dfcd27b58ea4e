/* kemu guest SDK for FreeBSD 14.3 klds: <sys/stddef.h> (offsetof, ptrdiff_t, NULL). */
#ifndef _SYS_STDDEF_H_
#define _SYS_STDDEF_H_
#include <sys/cdefs.h>
#include <sys/_null.h>
#include <sys/_types.h>
#ifndef offsetof
#define	offsetof(type, field)	__offsetof(type, field)
#endif
#endif
