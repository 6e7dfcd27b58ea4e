/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/types.h>.
 *
 * The system types of FreeBSD 14's sys/sys/types.h with their FreeBSD widths (see
 * <sys/_types.h>), the BSD u_* names, and what the kernel adds under _KERNEL: bool,
 * true/false and the vm_* address types.
 */
#ifndef _SYS_TYPES_H_
#define _SYS_TYPES_H_

#include <sys/cdefs.h>
#include <machine/_types.h>
#include <sys/_types.h>
#include <sys/_stdint.h>
#include <sys/_null.h>

typedef	unsigned char	u_char;
typedef	unsigned short	u_short;
typedef	unsigned int	u_int;
typedef	unsigned long	u_long;
typedef	unsigned short	ushort;
typedef	unsigned int	uint;

typedef	__uint8_t	u_int8_t;
typedef	__uint16_t	u_int16_t;
typedef	__uint32_t	u_int32_t;
typedef	__uint64_t	u_int64_t;
typedef	__uint64_t	u_quad_t;
typedef	__int64_t	quad_t;
typedef	quad_t		*qaddr_t;

typedef	char		*caddr_t;
typedef	const char	*c_caddr_t;

#ifndef _BLKSIZE_T_DECLARED
typedef	__blksize_t	blksize_t;
#define	_BLKSIZE_T_DECLARED
#endif
#ifndef _BLKCNT_T_DECLARED
typedef	__blkcnt_t	blkcnt_t;
#define	_BLKCNT_T_DECLARED
#endif
#ifndef _CLOCK_T_DECLARED
typedef	__clock_t	clock_t;
#define	_CLOCK_T_DECLARED
#endif
#ifndef _CLOCKID_T_DECLARED
typedef	__clockid_t	clockid_t;
#define	_CLOCKID_T_DECLARED
#endif
typedef	__critical_t	critical_t;
typedef	__daddr_t	daddr_t;
#ifndef _DEV_T_DECLARED
typedef	__dev_t		dev_t;
#define	_DEV_T_DECLARED
#endif
typedef	__fflags_t	fflags_t;
typedef	__fixpt_t	fixpt_t;
#ifndef _FSBLKCNT_T_DECLARED
typedef	__fsblkcnt_t	fsblkcnt_t;
#define	_FSBLKCNT_T_DECLARED
#endif
#ifndef _FSFILCNT_T_DECLARED
typedef	__fsfilcnt_t	fsfilcnt_t;
#define	_FSFILCNT_T_DECLARED
#endif
#ifndef _GID_T_DECLARED
typedef	__gid_t		gid_t;
#define	_GID_T_DECLARED
#endif
#ifndef _IN_ADDR_T_DECLARED
typedef	__uint32_t	in_addr_t;
#define	_IN_ADDR_T_DECLARED
#endif
#ifndef _IN_PORT_T_DECLARED
typedef	__uint16_t	in_port_t;
#define	_IN_PORT_T_DECLARED
#endif
#ifndef _ID_T_DECLARED
typedef	__id_t		id_t;
#define	_ID_T_DECLARED
#endif
#ifndef _INO_T_DECLARED
typedef	__ino_t		ino_t;
#define	_INO_T_DECLARED
#endif
#ifndef _KEY_T_DECLARED
typedef	__key_t		key_t;
#define	_KEY_T_DECLARED
#endif
#ifndef _LWPID_T_DECLARED
typedef	__lwpid_t	lwpid_t;
#define	_LWPID_T_DECLARED
#endif
#ifndef _MODE_T_DECLARED
typedef	__mode_t	mode_t;
#define	_MODE_T_DECLARED
#endif
#ifndef _ACCMODE_T_DECLARED
typedef	__accmode_t	accmode_t;
#define	_ACCMODE_T_DECLARED
#endif
#ifndef _NLINK_T_DECLARED
typedef	__nlink_t	nlink_t;
#define	_NLINK_T_DECLARED
#endif
#ifndef _OFF_T_DECLARED
typedef	__off_t		off_t;
#define	_OFF_T_DECLARED
#endif
#ifndef _OFF64_T_DECLARED
typedef	__off64_t	off64_t;
#define	_OFF64_T_DECLARED
#endif
#ifndef _PID_T_DECLARED
typedef	__pid_t		pid_t;
#define	_PID_T_DECLARED
#endif
typedef	__register_t	register_t;
#ifndef _RLIM_T_DECLARED
typedef	__rlim_t	rlim_t;
#define	_RLIM_T_DECLARED
#endif
#ifndef _SBINTIME_T_DECLARED
typedef	__sbintime_t	sbintime_t;
#define	_SBINTIME_T_DECLARED
#endif
typedef	__segsz_t	segsz_t;
#ifndef _SIZE_T_DECLARED
typedef	__size_t	size_t;
#define	_SIZE_T_DECLARED
#endif
#ifndef _SSIZE_T_DECLARED
typedef	__ssize_t	ssize_t;
#define	_SSIZE_T_DECLARED
#endif
#ifndef _SUSECONDS_T_DECLARED
typedef	__suseconds_t	suseconds_t;
#define	_SUSECONDS_T_DECLARED
#endif
#ifndef _TIME_T_DECLARED
typedef	__time_t	time_t;
#define	_TIME_T_DECLARED
#endif
#ifndef _TIMER_T_DECLARED
typedef	__timer_t	timer_t;
#define	_TIMER_T_DECLARED
#endif
#ifndef _MQD_T_DECLARED
typedef	__mqd_t		mqd_t;
#define	_MQD_T_DECLARED
#endif
typedef	__u_register_t	u_register_t;
#ifndef _UID_T_DECLARED
typedef	__uid_t		uid_t;
#define	_UID_T_DECLARED
#endif
#ifndef _USECONDS_T_DECLARED
typedef	__useconds_t	useconds_t;
#define	_USECONDS_T_DECLARED
#endif
#ifndef _CPUWHICH_T_DECLARED
typedef	__cpuwhich_t	cpuwhich_t;
#define	_CPUWHICH_T_DECLARED
#endif
#ifndef _CPULEVEL_T_DECLARED
typedef	__cpulevel_t	cpulevel_t;
#define	_CPULEVEL_T_DECLARED
#endif
#ifndef _CPUSETID_T_DECLARED
typedef	__cpusetid_t	cpusetid_t;
#define	_CPUSETID_T_DECLARED
#endif

typedef	__vm_offset_t	vm_offset_t;
typedef	__int64_t	vm_ooffset_t;
typedef	__vm_paddr_t	vm_paddr_t;
typedef	__uint64_t	vm_pindex_t;
typedef	__vm_size_t	vm_size_t;
typedef	__uint64_t	rman_res_t;
typedef	__register_t	syscallarg_t;

#ifdef _KERNEL
typedef	int		boolean_t;
typedef	struct _device	*device_t;
typedef	__intfptr_t	intfptr_t;
typedef	__uint32_t	intrmask_t;
typedef	__uintfptr_t	uintfptr_t;
typedef	__uint64_t	uoff_t;
typedef	char		vm_memattr_t;
typedef	struct vm_page	*vm_page_t;

#if !defined(__bool_true_false_are_defined) && !defined(__cplusplus)
#define	__bool_true_false_are_defined	1
#define	false	0
#define	true	1
typedef	_Bool	bool;
#endif

#define	offsetof(type, field) __offsetof(type, field)
#endif /* _KERNEL */

/* Major, minor and makedev as FreeBSD 12+ packs them into the 64-bit dev_t. */
#define	major(d)	((int)((((d) >> 32) & 0xffffff00) | (((d) >> 8) & 0xff)))
#define	minor(d)	((int)((((d) >> 24) & 0xff00) | ((d) & 0xffff00ff)))
#define	makedev(M, m)	((dev_t)((((dev_t)(M) & 0xffffff00) << 32) |	\
			    (((M) & 0xff) << 8) |				\
			    (((dev_t)(m) & 0xff00) << 24) | ((m) & 0xffff00ff)))

#endif /* !_SYS_TYPES_H_ */
