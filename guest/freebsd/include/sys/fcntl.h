/* kemu guest SDK for FreeBSD 14.3 klds: <sys/fcntl.h>: open flags and the kernel's FREAD/FWRITE. */
#ifndef _SYS_FCNTL_H_
#define _SYS_FCNTL_H_

#include <sys/cdefs.h>

#define	O_RDONLY	0x0000
#define	O_WRONLY	0x0001
#define	O_RDWR		0x0002
#define	O_ACCMODE	0x0003
#define	O_NONBLOCK	0x0004
#define	O_APPEND	0x0008
#define	O_SHLOCK	0x0010
#define	O_EXLOCK	0x0020
#define	O_ASYNC		0x0040
#define	O_FSYNC		0x0080
#define	O_SYNC		0x0080
#define	O_NOFOLLOW	0x0100
#define	O_CREAT		0x0200
#define	O_TRUNC		0x0400
#define	O_EXCL		0x0800
#define	O_NOCTTY	0x8000
#define	O_DIRECT	0x00010000
#define	O_DIRECTORY	0x00020000
#define	O_EXEC		0x00040000
#define	O_CLOEXEC	0x00100000

#ifdef _KERNEL
/* The kernel's view of the open mode: O_RDONLY+1 so FREAD and FWRITE are bits. */
#define	FFLAGS(oflags)	((oflags) & O_EXEC ? (oflags) : (oflags) + 1)
#define	OFLAGS(fflags)	\
    (((fflags) & (O_EXEC | O_PATH)) != 0 ? (fflags) : (fflags) - 1)
#define	O_PATH		0x00400000
#define	FREAD		0x0001
#define	FWRITE		0x0002
#define	FNONBLOCK	O_NONBLOCK
#define	FAPPEND		O_APPEND
#define	FASYNC		O_ASYNC
#define	FNDELAY		O_NONBLOCK
#endif

#endif /* !_SYS_FCNTL_H_ */
