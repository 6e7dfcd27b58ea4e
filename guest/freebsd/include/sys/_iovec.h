/* kemu guest SDK for FreeBSD 14.3 klds: <sys/_iovec.h>: struct iovec {base, len} (8 bytes i386, 16 amd64). */
#ifndef _SYS__IOVEC_H_
#define _SYS__IOVEC_H_

#include <sys/_types.h>

#ifndef _SIZE_T_DECLARED
typedef	__size_t	size_t;
#define	_SIZE_T_DECLARED
#endif

struct iovec {
	void	*iov_base;	/* base address */
	size_t	 iov_len;	/* length */
};

#endif /* !_SYS__IOVEC_H_ */
