/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/types.h>: the system data types.
 *
 * Provenance: NetBSD sys/sys/types.h 1.39.2.2 (2001, the netbsd-1-5 branch;
 * 1.6 is unchanged in everything below) and NetBSD 1.6 <machine/ansi.h>:
 *   dev_t is u_int32_t; daddr_t is int32_t (64-bit only from 2.0);
 *   off_t is a 64-bit quad; caddr_t is char *; ino_t, uid_t, gid_t,
 *   mode_t, nlink_t are u_int32_t; pid_t is int32_t.
 *   size_t/ssize_t are unsigned int/int on i386, unsigned long/long on LP64.
 * major()/minor()/makedev() are the 1.6 encoding read from that types.h:
 * 12 bits of major in bits 8..19, 20 bits of minor split over bits 0..7 and
 * 20..31.  (For minors below 256 and majors below 4096 this is the familiar
 * major = (dev >> 8) & 0xfff, minor = dev & 0xff.)
 */
#ifndef _SYS_TYPES_H_
#define	_SYS_TYPES_H_

#include <sys/cdefs.h>
#include <machine/types.h>

typedef	unsigned char	u_char;
typedef	unsigned short	u_short;
typedef	unsigned int	u_int;
typedef	unsigned long	u_long;

typedef	unsigned char	unchar;		/* Sys V compatibility */
typedef	unsigned short	ushort;		/* Sys V compatibility */
typedef	unsigned int	uint;		/* Sys V compatibility */
typedef	unsigned long	ulong;		/* Sys V compatibility */

typedef	u_int64_t	u_quad_t;	/* quads */
typedef	int64_t		quad_t;
typedef	quad_t *	qaddr_t;

typedef	char *		caddr_t;	/* core address */
typedef	int32_t		daddr_t;	/* disk address */
typedef	u_int32_t	dev_t;		/* device number */
typedef	u_int32_t	fixpt_t;	/* fixed point number */
typedef	u_int32_t	gid_t;		/* group id */
typedef	u_int32_t	id_t;		/* group id, process id or user id */
typedef	u_int32_t	ino_t;		/* inode number */
typedef	long		key_t;		/* IPC key (for Sys V IPC) */
typedef	u_int32_t	mode_t;		/* permissions */
typedef	u_int32_t	nlink_t;	/* link count */
typedef	quad_t		off_t;		/* file offset */
typedef	int32_t		pid_t;		/* process id */
typedef	quad_t		rlim_t;		/* resource limit */
typedef	int32_t		segsz_t;	/* segment size */
typedef	int32_t		swblk_t;	/* swap offset */
typedef	u_int32_t	uid_t;		/* user id */

#if defined(__x86_64__)
typedef	unsigned long	size_t;
typedef	long		ssize_t;
#else
typedef	unsigned int	size_t;
typedef	int		ssize_t;
#endif
typedef	long		time_t;
typedef	unsigned long	clock_t;

#ifndef NULL
#define	NULL		((void *)0)
#endif

/* Major, minor numbers, dev_t's (NetBSD 1.5/1.6 encoding, see above). */
#define	major(x)	((int32_t)((((x) & 0x000fff00) >>  8)))
#define	minor(x)	((int32_t)((((x) & 0xfff00000) >> 12) | \
				   (((x) & 0x000000ff) >>  0)))
#define	makedev(x, y)	((dev_t)((((x) <<  8) & 0x000fff00) | \
				 (((y) << 12) & 0xfff00000) | \
				 (((y) <<  0) & 0x000000ff)))

/*
 * Structures that cross subsystem boundaries, declared here so prototypes
 * can name them without including their headers (as 1.6 does under _KERNEL).
 */
struct	proc;
struct	pgrp;
struct	ucred;
struct	rusage;
struct	file;
struct	buf;
struct	tty;
struct	uio;

#endif /* !_SYS_TYPES_H_ */
