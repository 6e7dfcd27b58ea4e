/*
 * kemu guest SDK -- NetBSD 10.  <sys/inttypes.h>: limits and printf
 * format macros for the fixed-width types (NetBSD 10 sys/sys/inttypes.h,
 * the subset kernel code uses).
 */
#ifndef _SYS_INTTYPES_H_
#define	_SYS_INTTYPES_H_

#define	INT8_MAX	127
#define	INT16_MAX	32767
#define	INT32_MAX	2147483647
#define	INT32_MIN	(-2147483647-1)
#define	INT64_MAX	((int64_t)9223372036854775807LL)
#define	INT64_MIN	(-9223372036854775807LL-1)
#define	UINT8_MAX	255
#define	UINT16_MAX	65535
#define	UINT32_MAX	4294967295U
#define	UINT64_MAX	18446744073709551615ULL
#define	INT_MAX		2147483647
#define	INT_MIN		(-2147483647-1)
#define	UINT_MAX	4294967295U
#if defined(__x86_64__)
#define	LONG_MAX	9223372036854775807L
#define	ULONG_MAX	18446744073709551615UL
#define	SIZE_MAX	ULONG_MAX
#define	PRIxPTR		"lx"
#define	PRIuPTR		"lu"
#define	PRId64		"ld"
#define	PRIu64		"lu"
#define	PRIx64		"lx"
#else
#define	LONG_MAX	2147483647L
#define	ULONG_MAX	4294967295UL
#define	SIZE_MAX	UINT_MAX
#define	PRIxPTR		"lx"
#define	PRIuPTR		"lu"
#define	PRId64		"lld"
#define	PRIu64		"llu"
#define	PRIx64		"llx"
#endif
#define	PRId32		"d"
#define	PRIu32		"u"
#define	PRIx32		"x"

#endif /* !_SYS_INTTYPES_H_ */
