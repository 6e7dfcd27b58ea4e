/*
 * kemu guest SDK -- NetBSD 10.  <sys/types.h>: kernel data types.
 *
 * Provenance: NetBSD 10 sys/sys/types.h (1.105).  What matters to kemu:
 *   - dev_t is 64 bits (uint64_t since NetBSD 5).  On i386 a dev_t
 *     argument therefore takes two 4-byte stack slots (d_open(dev_t, ...)),
 *     on amd64 one register.
 *   - major()/minor()/makedev() use NetBSD's split encoding: major in bits
 *     8..19, minor in bits 0..7 and 20..31 (of the low 32 bits).
 *   - devmajor_t/devminor_t are int32_t; NODEVMAJOR is -1 (what
 *     devsw_attach takes to mean "choose a major for me").
 *   - off_t, daddr_t, time_t are int64_t; pid_t int32_t; uid_t, gid_t,
 *     mode_t uint32_t; bool is the C99 _Bool.
 */
#ifndef _SYS_TYPES_H_
#define	_SYS_TYPES_H_

#include <sys/cdefs.h>
#include <machine/types.h>

typedef	uint8_t		u_int8_t;
typedef	uint16_t	u_int16_t;
typedef	uint32_t	u_int32_t;
typedef	uint64_t	u_int64_t;

typedef	unsigned char	u_char;
typedef	unsigned short	u_short;
typedef	unsigned int	u_int;
typedef	unsigned long	u_long;
typedef	unsigned char	unchar;
typedef	unsigned short	ushort;
typedef	unsigned int	uint;
typedef	unsigned long	ulong;

typedef	uint64_t	u_quad_t;
typedef	int64_t		quad_t;
typedef	quad_t *	qaddr_t;

typedef	int64_t		longlong_t;
typedef	uint64_t	u_longlong_t;

typedef	int64_t		blkcnt_t;
typedef	int32_t		blksize_t;
typedef	uint32_t	fsblkcnt_t;
typedef	char *		caddr_t;
typedef	int64_t		daddr_t;
typedef	uint64_t	dev_t;
typedef	uint32_t	fixpt_t;
typedef	uint32_t	gid_t;
typedef	uint32_t	id_t;
typedef	uint64_t	ino_t;
typedef	long		key_t;
typedef	uint32_t	mode_t;
typedef	uint32_t	nlink_t;
typedef	int64_t		off_t;
typedef	int32_t		pid_t;
typedef	int32_t		lwpid_t;
typedef	uint64_t	rlim_t;
typedef	int32_t		segsz_t;
typedef	int32_t		swblk_t;
typedef	uint32_t	uid_t;
typedef	int		mqd_t;
typedef	unsigned long	cpuid_t;
typedef	int		psetid_t;
typedef	volatile uint8_t __cpu_simple_lock_t;

typedef	int32_t		devmajor_t;
typedef	int32_t		devminor_t;
#define	NODEVMAJOR	(-1)

typedef	__size_t	size_t;
typedef	__ssize_t	ssize_t;
typedef	int64_t		time_t;
typedef	unsigned int	clock_t;
typedef	int		clockid_t;
typedef	int		timer_t;
typedef	int		suseconds_t;
typedef	unsigned int	useconds_t;

#ifndef __cplusplus
typedef	_Bool		bool;
#define	true		1
#define	false		0
#endif

typedef	int		boolean_t;

#define	major(x)	((devmajor_t)(((uint32_t)(x) & 0x000fff00) >>  8))
#define	minor(x)	((devminor_t)((((uint32_t)(x) & 0xfff00000) >> 12) | \
				       (((uint32_t)(x) & 0x000000ff) >>  0)))
#define	makedev(x, y)	((dev_t)((((dev_t)(x) <<  8) & 0x000fff00U) | \
				 (((dev_t)(y) << 12) & 0xfff00000U) | \
				 (((dev_t)(y) <<  0) & 0x000000ffU)))
#define	NODEV		(dev_t)(-1)

#ifndef NULL
#define	NULL		((void *)0)
#endif

struct lwp;
typedef struct lwp	lwp_t;
struct proc;
typedef struct proc	proc_t;
struct user;
struct pgrp;
typedef struct pgrp	pgrp_t;
struct session;
typedef struct session	session_t;
struct kauth_cred;
typedef struct kauth_cred *kauth_cred_t;
struct device;
typedef struct device	*device_t;
struct cfdriver;
typedef struct cfdriver	*cfdriver_t;
struct cfattach;
typedef struct cfattach	*cfattach_t;
struct buf;
typedef struct buf	buf_t;

#endif /* !_SYS_TYPES_H_ */
