/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/ioccom.h>: how ioctl command words are built.
 *
 * Provenance: the 4.4BSD encoding kept by NetBSD sys/sys/ioccom.h:
 * bits 0..7 command number, 8..15 group character, 16..28 parameter length
 * (IOCPARM_MASK 0x1fff), 29 IOC_VOID, 30 IOC_OUT (copy out to the caller),
 * 31 IOC_IN (copy in from the caller).  The generic ioctl layer copies the
 * parameter in/out, so d_ioctl's data argument is always a kernel pointer.
 * Example: _IOR('E', 1, int) == 0x40044501.
 */
#ifndef _SYS_IOCCOM_H_
#define	_SYS_IOCCOM_H_

#define	IOCPARM_MASK	0x1fff		/* parameter length, at most 13 bits */
#define	IOCPARM_SHIFT	16
#define	IOCGROUP_SHIFT	8
#define	IOCPARM_LEN(x)	(((x) >> IOCPARM_SHIFT) & IOCPARM_MASK)
#define	IOCBASECMD(x)	((x) & ~(IOCPARM_MASK << IOCPARM_SHIFT))
#define	IOCGROUP(x)	(((x) >> IOCGROUP_SHIFT) & 0xff)

#define	IOCPARM_MAX	4096		/* max size of ioctl args (NBPG) */
#define	IOC_VOID	(unsigned long)0x20000000	/* no parameters */
#define	IOC_OUT		(unsigned long)0x40000000	/* copy parameters out */
#define	IOC_IN		(unsigned long)0x80000000	/* copy parameters in */
#define	IOC_INOUT	(IOC_IN|IOC_OUT)		/* copy in and out */
#define	IOC_DIRMASK	(unsigned long)0xe0000000	/* mask for IN/OUT/VOID */

#define	_IOC(inout, group, num, len) \
	((inout) | (((len) & IOCPARM_MASK) << IOCPARM_SHIFT) | \
	    ((group) << IOCGROUP_SHIFT) | (num))
#define	_IO(g, n)	_IOC(IOC_VOID, (g), (n), 0)
#define	_IOR(g, n, t)	_IOC(IOC_OUT, (g), (n), sizeof(t))
#define	_IOW(g, n, t)	_IOC(IOC_IN, (g), (n), sizeof(t))
#define	_IOWR(g, n, t)	_IOC(IOC_INOUT, (g), (n), sizeof(t))

#endif /* !_SYS_IOCCOM_H_ */
