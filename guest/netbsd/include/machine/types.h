/*
 * kemu guest SDK -- NetBSD 10.  <machine/types.h>: the x86 machine types.
 *
 * Provenance: NetBSD 10 sys/arch/i386/include/types.h and
 * sys/arch/amd64/include/types.h (non-PAE i386): paddr_t/vaddr_t/psize_t/
 * vsize_t are unsigned long, register_t is int on i386 and long on amd64.
 * One file serves both arches, chosen by the compiler's __x86_64__.
 */
#ifndef _MACHINE_TYPES_H_
#define	_MACHINE_TYPES_H_

typedef	signed char		int8_t;
typedef	unsigned char		uint8_t;
typedef	short			int16_t;
typedef	unsigned short		uint16_t;
typedef	int			int32_t;
typedef	unsigned int		uint32_t;
#if defined(__x86_64__)
typedef	long			int64_t;
typedef	unsigned long		uint64_t;
#else
typedef	long long		int64_t;
typedef	unsigned long long	uint64_t;
#endif

typedef	long			intptr_t;
typedef	unsigned long		uintptr_t;
typedef	int64_t			intmax_t;
typedef	uint64_t		uintmax_t;

typedef	unsigned long		paddr_t;
typedef	unsigned long		psize_t;
typedef	unsigned long		vaddr_t;
typedef	unsigned long		vsize_t;

#if defined(__x86_64__)
typedef	long			register_t;
typedef	unsigned long		__size_t;
typedef	long			__ssize_t;
#define	_LP64			1
#else
typedef	int			register_t;
typedef	unsigned int		__size_t;
typedef	int			__ssize_t;
#endif

#endif /* !_MACHINE_TYPES_H_ */
