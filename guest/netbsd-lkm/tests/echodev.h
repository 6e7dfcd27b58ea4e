/*
 * echodev.h -- the ioctl interface of the echodev test module.
 *
 * Command words (BSD _IOC encoding; the kernel copies the int in or out):
 *   ECHOIOCGLEN  _IOR('E', 1, int)  0x40044501  bytes currently stored
 *   ECHOIOCSCAP  _IOW('E', 2, int)  0x80044502  resize the buffer (needs FWRITE,
 *                                            else EBADF; EINVAL below the
 *                                            stored length or above
 *                                            ECHO_MAX_CAP)
 *   ECHOIOCGCAP  _IOR('E', 3, int)  0x40044503  buffer capacity
 *   ECHOIOCCLEAR _IO('E', 4)        0x20004504  drop stored bytes
 */
#ifndef _ECHODEV_H_
#define	_ECHODEV_H_

#include <sys/ioccom.h>

#define	ECHOIOCGLEN	_IOR('E', 1, int)
#define	ECHOIOCSCAP	_IOW('E', 2, int)
#define	ECHOIOCGCAP	_IOR('E', 3, int)
#define	ECHOIOCCLEAR	_IO('E', 4)

#define	ECHO_DEFAULT_CAP	512	/* bytes, allocated on load */
#define	ECHO_MAX_CAP		65536	/* largest ECHOIOCSCAP accepts */

#endif /* !_ECHODEV_H_ */
