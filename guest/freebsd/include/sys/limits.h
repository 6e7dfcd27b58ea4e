/* kemu guest SDK for FreeBSD 14.3 klds: <sys/limits.h>, the C integer limits for amd64 and i386. */
#ifndef _SYS_LIMITS_H_
#define _SYS_LIMITS_H_

#include <sys/cdefs.h>

#define	CHAR_BIT	8
#define	SCHAR_MAX	0x7f
#define	SCHAR_MIN	(-0x7f - 1)
#define	UCHAR_MAX	0xff
#define	CHAR_MAX	SCHAR_MAX
#define	CHAR_MIN	SCHAR_MIN
#define	USHRT_MAX	0xffff
#define	SHRT_MAX	0x7fff
#define	SHRT_MIN	(-0x7fff - 1)
#define	UINT_MAX	0xffffffffU
#define	INT_MAX		0x7fffffff
#define	INT_MIN		(-0x7fffffff - 1)
#ifdef __LP64__
#define	ULONG_MAX	0xffffffffffffffffUL
#define	LONG_MAX	0x7fffffffffffffffL
#define	LONG_MIN	(-0x7fffffffffffffffL - 1)
#define	SSIZE_MAX	LONG_MAX
#define	SIZE_T_MAX	ULONG_MAX
#define	LONG_BIT	64
#else
#define	ULONG_MAX	0xffffffffUL
#define	LONG_MAX	0x7fffffffL
#define	LONG_MIN	(-0x7fffffffL - 1)
#define	SSIZE_MAX	INT_MAX
#define	SIZE_T_MAX	UINT_MAX
#define	LONG_BIT	32
#endif
#define	ULLONG_MAX	0xffffffffffffffffULL
#define	LLONG_MAX	0x7fffffffffffffffLL
#define	LLONG_MIN	(-0x7fffffffffffffffLL - 1)
#define	OFF_MAX		LLONG_MAX
#define	OFF_MIN		LLONG_MIN
#define	QUAD_MAX	LLONG_MAX
#define	QUAD_MIN	LLONG_MIN
#define	UQUAD_MAX	ULLONG_MAX
#define	WORD_BIT	32

#endif /* !_SYS_LIMITS_H_ */
