/*
 * kemu guest SDK for FreeBSD 14.3 klds: <machine/_types.h>, for amd64 and i386.
 *
 * The basic integer types of FreeBSD 14's sys/x86/include/_types.h: amd64 is LP64
 * (long and pointers 64-bit, 64-bit time_t), i386 is ILP32 with a 32-bit time_t
 * (i386 is the one FreeBSD architecture that kept it) and a 64-bit vm_paddr_t
 * (the unified PAE/non-PAE kernel since FreeBSD 13).
 */
#ifndef _MACHINE__TYPES_H_
#define _MACHINE__TYPES_H_

#ifndef _SYS_CDEFS_H_
#include <sys/cdefs.h>
#endif

typedef	signed char		__int8_t;
typedef	unsigned char		__uint8_t;
typedef	short			__int16_t;
typedef	unsigned short		__uint16_t;
typedef	int			__int32_t;
typedef	unsigned int		__uint32_t;
#ifdef	__LP64__
typedef	long			__int64_t;
typedef	unsigned long		__uint64_t;
#else
__extension__ typedef long long	__int64_t;
__extension__ typedef unsigned long long __uint64_t;
#endif

#ifdef	__LP64__
typedef	__int32_t	__clock_t;
typedef	__int64_t	__critical_t;
typedef	double		__double_t;
typedef	float		__float_t;
typedef	__int64_t	__intfptr_t;
typedef	__int64_t	__intptr_t;
typedef	__int64_t	__register_t;
typedef	__int64_t	__segsz_t;
typedef	__uint64_t	__size_t;
typedef	__int64_t	__ssize_t;
typedef	__int64_t	__time_t;
typedef	__uint64_t	__uintfptr_t;
typedef	__uint64_t	__uintptr_t;
typedef	__uint64_t	__u_register_t;
typedef	__uint64_t	__vm_offset_t;
typedef	__uint64_t	__vm_paddr_t;
typedef	__uint64_t	__vm_size_t;
#else
typedef	unsigned long	__clock_t;
typedef	__int32_t	__critical_t;
typedef	long double	__double_t;
typedef	long double	__float_t;
typedef	__int32_t	__intfptr_t;
typedef	__int32_t	__intptr_t;
typedef	__int32_t	__register_t;
typedef	__int32_t	__segsz_t;
typedef	__uint32_t	__size_t;
typedef	__int32_t	__ssize_t;
typedef	__int32_t	__time_t;
typedef	__uint32_t	__uintfptr_t;
typedef	__uint32_t	__uintptr_t;
typedef	__uint32_t	__u_register_t;
typedef	__uint32_t	__vm_offset_t;
typedef	__uint64_t	__vm_paddr_t;
typedef	__uint32_t	__vm_size_t;
#endif
typedef	__int64_t	__intmax_t;
typedef	__uint64_t	__uintmax_t;
#ifdef	__LP64__
typedef	__int64_t	__ptrdiff_t;
#else
typedef	__int32_t	__ptrdiff_t;
#endif
typedef	__int32_t	__int_fast8_t;
typedef	__int32_t	__int_fast16_t;
typedef	__int32_t	__int_fast32_t;
typedef	__int64_t	__int_fast64_t;
typedef	__int8_t	__int_least8_t;
typedef	__int16_t	__int_least16_t;
typedef	__int32_t	__int_least32_t;
typedef	__int64_t	__int_least64_t;
typedef	__uint32_t	__uint_fast8_t;
typedef	__uint32_t	__uint_fast16_t;
typedef	__uint32_t	__uint_fast32_t;
typedef	__uint64_t	__uint_fast64_t;
typedef	__uint8_t	__uint_least8_t;
typedef	__uint16_t	__uint_least16_t;
typedef	__uint32_t	__uint_least32_t;
typedef	__uint64_t	__uint_least64_t;
typedef	__int64_t	__vm_ooffset_t;
typedef	__uint64_t	__vm_pindex_t;
typedef	int		___wchar_t;

typedef	__builtin_va_list	__va_list;
typedef	__va_list	__gnuc_va_list;

#endif /* !_MACHINE__TYPES_H_ */
