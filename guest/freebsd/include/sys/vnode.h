/* kemu guest SDK for FreeBSD 14.3 klds: <sys/vnode.h>: the I/O flags a d_read/d_write gets in ioflag. */
#ifndef _SYS_VNODE_H_
#define _SYS_VNODE_H_

#define	IO_UNIT		0x0001		/* do I/O as atomic unit */
#define	IO_APPEND	0x0002		/* append write to end */
#define	IO_NDELAY	0x0004		/* FNDELAY flag set in file table */
#define	IO_NODELOCKED	0x0008		/* underlying node already locked */
#define	IO_ASYNC	0x0010		/* bawrite rather then bdwrite */
#define	IO_VMIO		0x0020		/* data already in VMIO space */
#define	IO_INVAL	0x0040		/* invalidate after I/O */
#define	IO_SYNC		0x0080		/* do I/O synchronously */
#define	IO_DIRECT	0x0100		/* attempt to bypass buffer cache */

#endif /* !_SYS_VNODE_H_ */
