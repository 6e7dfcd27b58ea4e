/*
 * kemu guest SDK -- NetBSD 10.  <lib/libkern/libkern.h>: the kernel's
 * small C library (string and memory functions, integer helpers).
 *
 * Provenance: NetBSD 10 sys/lib/libkern/libkern.h (1.145) prototypes;
 * the u_int/u_long helpers uimin, uimax, ulmin, ulmax (NetBSD 9 renamed
 * the old min/max) are inline functions there, as here.
 */
#ifndef _LIB_LIBKERN_LIBKERN_H_
#define	_LIB_LIBKERN_LIBKERN_H_

#include <sys/types.h>

static __inline u_int uimax(u_int a, u_int b) { return a > b ? a : b; }
static __inline u_int uimin(u_int a, u_int b) { return a < b ? a : b; }
static __inline u_long ulmax(u_long a, u_long b) { return a > b ? a : b; }
static __inline u_long ulmin(u_long a, u_long b) { return a < b ? a : b; }
static __inline int imax(int a, int b) { return a > b ? a : b; }
static __inline int imin(int a, int b) { return a < b ? a : b; }

void	*memcpy(void *, const void *, size_t);
void	*memmove(void *, const void *, size_t);
void	*memset(void *, int, size_t);
int	memcmp(const void *, const void *, size_t);
void	*memchr(const void *, int, size_t);
void	bcopy(const void *, void *, size_t);
void	bzero(void *, size_t);
int	bcmp(const void *, const void *, size_t);
void	explicit_memset(void *, int, size_t);

size_t	strlen(const char *);
size_t	strnlen(const char *, size_t);
char	*strcpy(char *, const char *);
char	*strncpy(char *, const char *, size_t);
char	*strcat(char *, const char *);
size_t	strlcpy(char *, const char *, size_t);
size_t	strlcat(char *, const char *, size_t);
int	strcmp(const char *, const char *);
int	strncmp(const char *, const char *, size_t);
int	strcasecmp(const char *, const char *);
char	*strchr(const char *, int);
char	*strrchr(const char *, int);
char	*strstr(const char *, const char *);
char	*strsep(char **, const char *);
char	*index(const char *, int);
char	*rindex(const char *, int);

long	strtol(const char *, char **, int);
unsigned long strtoul(const char *, char **, int);
int	ffs(int);
int	abs(int);

#endif /* !_LIB_LIBKERN_LIBKERN_H_ */
