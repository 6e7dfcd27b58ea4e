/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <machine/types.h>: fixed-width integers and the machine-dependent types.
 *
 * Provenance: NetBSD 1.6 sys/arch/i386/include/types.h and the 1.6-era
 * x86_64 port (sys/arch/x86_64/include/types.h, later renamed amd64):
 * i386 is ILP32 with 64-bit integers as long long and register_t an int;
 * x86_64 is LP64 with 64-bit integers as long and register_t a long.
 * vaddr_t/paddr_t/vsize_t/psize_t are unsigned long on both (UVM types).
 * Both the historical u_intN_t and the C99 uintN_t spellings are given,
 * as NetBSD 1.6 did.
 */
#ifndef _MACHINE_TYPES_H_
#define	_MACHINE_TYPES_H_

#if !defined(__i386__) && !defined(__x86_64__)
#error "kemu's NetBSD 1.6 SDK supports i386 and x86_64 only"
#endif

typedef	signed char		int8_t;
typedef	unsigned char		u_int8_t;
typedef	unsigned char		uint8_t;
typedef	short			int16_t;
typedef	unsigned short		u_int16_t;
typedef	unsigned short		uint16_t;
typedef	int			int32_t;
typedef	unsigned int		u_int32_t;
typedef	unsigned int		uint32_t;

#if defined(__x86_64__)
typedef	long			int64_t;
typedef	unsigned long		u_int64_t;
typedef	unsigned long		uint64_t;
typedef	long			register_t;
typedef	long			intptr_t;
typedef	unsigned long		uintptr_t;
#else
typedef	long long		int64_t;
typedef	unsigned long long	u_int64_t;
typedef	unsigned long long	uint64_t;
typedef	int			register_t;
typedef	int			intptr_t;
typedef	unsigned int		uintptr_t;
#endif

typedef	unsigned long		vaddr_t;
typedef	unsigned long		paddr_t;
typedef	unsigned long		vsize_t;
typedef	unsigned long		psize_t;

#endif /* !_MACHINE_TYPES_H_ */
