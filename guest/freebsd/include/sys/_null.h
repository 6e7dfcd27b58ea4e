/* kemu guest SDK for FreeBSD 14.3 klds: <sys/_null.h> (NULL, as FreeBSD defines it for C). */
#ifndef NULL
#define	NULL	((void *)0)
#endif
