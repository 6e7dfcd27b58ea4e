/* kemu guest SDK for FreeBSD 14.3 klds: <sys/stdint.h>: <sys/_stdint.h> plus limits. */
#ifndef _SYS_STDINT_H_
#define _SYS_STDINT_H_

#include <sys/_stdint.h>
#include <sys/limits.h>

typedef	__int_least8_t	int_least8_t;
typedef	__int_least16_t	int_least16_t;
typedef	__int_least32_t	int_least32_t;
typedef	__int_least64_t	int_least64_t;
typedef	__uint_least8_t	uint_least8_t;
typedef	__uint_least16_t uint_least16_t;
typedef	__uint_least32_t uint_least32_t;
typedef	__uint_least64_t uint_least64_t;
typedef	__int_fast8_t	int_fast8_t;
typedef	__int_fast16_t	int_fast16_t;
typedef	__int_fast32_t	int_fast32_t;
typedef	__int_fast64_t	int_fast64_t;
typedef	__uint_fast8_t	uint_fast8_t;
typedef	__uint_fast16_t	uint_fast16_t;
typedef	__uint_fast32_t	uint_fast32_t;
typedef	__uint_fast64_t	uint_fast64_t;

#define	INT8_MAX	0x7f
#define	INT16_MAX	0x7fff
#define	INT32_MAX	0x7fffffff
#define	INT64_MAX	0x7fffffffffffffffLL
#define	INT8_MIN	(-INT8_MAX - 1)
#define	INT16_MIN	(-INT16_MAX - 1)
#define	INT32_MIN	(-INT32_MAX - 1)
#define	INT64_MIN	(-INT64_MAX - 1)
#define	UINT8_MAX	0xff
#define	UINT16_MAX	0xffff
#define	UINT32_MAX	0xffffffffU
#define	UINT64_MAX	0xffffffffffffffffULL
#define	INTMAX_MAX	INT64_MAX
#define	INTMAX_MIN	INT64_MIN
#define	UINTMAX_MAX	UINT64_MAX
#ifdef __LP64__
#define	SIZE_MAX	UINT64_MAX
#define	INTPTR_MAX	INT64_MAX
#define	UINTPTR_MAX	UINT64_MAX
#else
#define	SIZE_MAX	UINT32_MAX
#define	INTPTR_MAX	INT32_MAX
#define	UINTPTR_MAX	UINT32_MAX
#endif
#define	INT8_C(c)	(c)
#define	INT16_C(c)	(c)
#define	INT32_C(c)	(c)
#define	INT64_C(c)	(c ## LL)
#define	UINT8_C(c)	(c)
#define	UINT16_C(c)	(c)
#define	UINT32_C(c)	(c ## U)
#define	UINT64_C(c)	(c ## ULL)

#endif /* !_SYS_STDINT_H_ */
