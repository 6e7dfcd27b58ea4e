/*
 * kemu guest SDK — NetBSD 1.6 kernel headers for loadable kernel modules.
 * <sys/fcntl.h>: open flags, and the kernel's FREAD/FWRITE view of them.
 *
 * Provenance: NetBSD sys/sys/fcntl.h (4.4BSD values).  Inside the kernel a
 * driver's d_open/d_close/d_ioctl receive "fflags" = open flags + 1
 * (FFLAGS), so O_RDONLY arrives as FREAD and O_RDWR as FREAD|FWRITE.
 */
#ifndef _SYS_FCNTL_H_
#define	_SYS_FCNTL_H_

#define	O_RDONLY	0x00000000	/* open for reading only */
#define	O_WRONLY	0x00000001	/* open for writing only */
#define	O_RDWR		0x00000002	/* open for reading and writing */
#define	O_ACCMODE	0x00000003	/* mask for above modes */

#define	O_NONBLOCK	0x00000004	/* no delay */
#define	O_APPEND	0x00000008	/* set append mode */
#define	O_SHLOCK	0x00000010	/* open with shared file lock */
#define	O_EXLOCK	0x00000020	/* open with exclusive file lock */
#define	O_ASYNC		0x00000040	/* signal pgrp when data ready */
#define	O_SYNC		0x00000080	/* synchronous writes */
#define	O_FSYNC		O_SYNC		/* backwards compatibility */
#define	O_CREAT		0x00000200	/* create if nonexistent */
#define	O_TRUNC		0x00000400	/* truncate to zero length */
#define	O_EXCL		0x00000800	/* error if already exists */
#define	O_NOCTTY	0x00008000	/* don't assign controlling terminal */

#ifdef _KERNEL
#define	FREAD		0x00000001
#define	FWRITE		0x00000002
#define	FFLAGS(oflags)	((oflags) + 1)	/* open flags -> kernel fflags */
#define	OFLAGS(fflags)	((fflags) - 1)	/* kernel fflags -> open flags */
#define	FNONBLOCK	O_NONBLOCK
#define	FAPPEND		O_APPEND
#define	FASYNC		O_ASYNC
#define	FNDELAY		O_NONBLOCK
#endif

#endif /* !_SYS_FCNTL_H_ */
