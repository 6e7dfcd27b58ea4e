/*
 * kemu guest SDK -- NetBSD 10.  <sys/fcntl.h>: open flags as a driver's
 * d_open/d_close see them (NetBSD 10 sys/sys/fcntl.h: FREAD 1, FWRITE 2,
 * O_NONBLOCK 4, FNONBLOCK, O_EXCL 0x800 ...).
 */
#ifndef _SYS_FCNTL_H_
#define	_SYS_FCNTL_H_

#define	O_RDONLY	0x00000000
#define	O_WRONLY	0x00000001
#define	O_RDWR		0x00000002
#define	O_ACCMODE	0x00000003
#define	O_NONBLOCK	0x00000004
#define	O_APPEND	0x00000008
#define	O_CREAT		0x00000200
#define	O_TRUNC		0x00000400
#define	O_EXCL		0x00000800
#define	FREAD		0x00000001
#define	FWRITE		0x00000002
#define	FNONBLOCK	O_NONBLOCK
#define	FAPPEND		O_APPEND

#endif /* !_SYS_FCNTL_H_ */
