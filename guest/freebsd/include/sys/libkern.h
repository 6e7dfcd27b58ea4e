/*
 * kemu guest SDK for FreeBSD 14.3 klds: <sys/libkern.h>.
 *
 * The kernel's small C library (FreeBSD 14 sys/sys/libkern.h): the min/max inlines
 * and the string and memory functions, which the emulated kernel provides as symbols.
 */
#ifndef _SYS_LIBKERN_H_
#define _SYS_LIBKERN_H_

#include <sys/cdefs.h>
#include <sys/types.h>

struct malloc_type;

static __inline int imax(int a, int b) { return (a > b ? a : b); }
static __inline int imin(int a, int b) { return (a < b ? a : b); }
static __inline long lmax(long a, long b) { return (a > b ? a : b); }
static __inline long lmin(long a, long b) { return (a < b ? a : b); }
static __inline u_int max(u_int a, u_int b) { return (a > b ? a : b); }
static __inline u_int min(u_int a, u_int b) { return (a < b ? a : b); }
static __inline quad_t qmax(quad_t a, quad_t b) { return (a > b ? a : b); }
static __inline quad_t qmin(quad_t a, quad_t b) { return (a < b ? a : b); }
static __inline u_quad_t uqmax(u_quad_t a, u_quad_t b) { return (a > b ? a : b); }
static __inline u_quad_t uqmin(u_quad_t a, u_quad_t b) { return (a < b ? a : b); }
static __inline u_long ulmax(u_long a, u_long b) { return (a > b ? a : b); }
static __inline u_long ulmin(u_long a, u_long b) { return (a < b ? a : b); }
static __inline off_t omax(off_t a, off_t b) { return (a > b ? a : b); }
static __inline off_t omin(off_t a, off_t b) { return (a < b ? a : b); }
static __inline int abs(int a) { return (a < 0 ? -a : a); }
static __inline long labs(long a) { return (a < 0 ? -a : a); }

int	 bcmp(const void *, const void *, size_t);
int	 ffs(int);
int	 fls(int);
int	 memcmp(const void *b1, const void *b2, size_t len);
void	*memmem(const void *l, size_t l_len, const void *s, size_t s_len);
char	*strcat(char * __restrict, const char * __restrict);
char	*strchr(const char *, int);
char	*strchrnul(const char *, int);
int	 strcmp(const char *, const char *);
char	*strcpy(char * __restrict, const char * __restrict);
int	 strcasecmp(const char *, const char *);
size_t	 strcspn(const char *, const char *) __pure;
char	*strdup(const char *__restrict, struct malloc_type *);
size_t	 strlcat(char *, const char *, size_t);
size_t	 strlcpy(char *, const char *, size_t);
size_t	 strlen(const char *);
int	 strncasecmp(const char *, const char *, size_t);
int	 strncmp(const char *, const char *, size_t);
char	*strncpy(char * __restrict, const char * __restrict, size_t);
size_t	 strnlen(const char *, size_t);
char	*strndup(const char *__restrict, size_t, struct malloc_type *);
char	*strrchr(const char *, int);
char	*strsep(char **, const char *delim);
size_t	 strspn(const char *, const char *);
char	*strstr(const char *, const char *);
int	 strvalid(const char *, size_t);
u_long	 strtoul(const char *, char **, int);
long	 strtol(const char *, char **, int);
quad_t	 strtoq(const char *, char **, int);
u_quad_t strtouq(const char *, char **, int);
uint32_t arc4random(void);
void	 arc4random_buf(void *, size_t);

#define	index(s, c)	strchr((s), (c))
#define	rindex(s, c)	strrchr((s), (c))

#endif /* !_SYS_LIBKERN_H_ */
