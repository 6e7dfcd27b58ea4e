/*
 * hostile.h -- the ioctl commands of the hostile test module (kemu's, not
 * NetBSD's).  Each command makes the module do one thing no driver may do;
 * HOSTILEIOCSERVICE takes the number of a kernel-service abuse in *data.
 */
#ifndef _HOSTILE_H_
#define	_HOSTILE_H_

#include <sys/ioccom.h>

#define	HOSTILEIOCSMASH		_IO('H', 1)	/* overrun a stack buffer, then return */
#define	HOSTILEIOCKTEXT		_IO('H', 2)	/* jump into the middle of kernel text */
#define	HOSTILEIOCKDATA		_IO('H', 3)	/* jump into kernel data */
#define	HOSTILEIOCRODATA	_IO('H', 4)	/* write to its own .rodata */
#define	HOSTILEIOCTEXT		_IO('H', 5)	/* write to its own .text */
#define	HOSTILEIOCSERVICE	_IOWR('H', 6, int)	/* call a service with garbage */
#define	HOSTILEIOCRECURSE	_IO('H', 7)	/* recurse without end */
#define	HOSTILEIOCODDCPU	_IO('H', 8)	/* return with odd flags and segments */
#define	HOSTILEIOCGCPU		_IOR('H', 9, struct hostile_cpu)	/* what it sees */
#define	HOSTILEIOCSPIN		_IO('H', 10)	/* loop forever */
#define	HOSTILEIOCNULLCALL	_IO('H', 11)	/* call through a NULL pointer */
#define	HOSTILEIOCUNLOADSPIN	_IO('H', 12)	/* make the next unload loop forever */
#define	HOSTILEIOCTRAPFLAG	_IO('H', 13)	/* set EFLAGS.TF and go on */
#define	HOSTILEIOCPIVOT		_IO('H', 14)	/* point the stack at garbage, call printf */
#define	HOSTILEIOCSYSCALL	_IO('H', 15)	/* int $0x80 from kernel mode */
#define	HOSTILEIOCDIVIDE	_IO('H', 16)	/* divide by zero */

#define	HOSTILE_NSERVICES	16	/* HOSTILEIOCSERVICE takes 0 .. this - 1 */

/* What the module's code sees on entry to an ioctl. */
struct hostile_cpu {
	unsigned long	flags;		/* EFLAGS / RFLAGS */
	unsigned short	ds, es, fs, gs, ss;
	unsigned short	fpu_cw;		/* x87 control word */
};

#endif /* !_HOSTILE_H_ */
